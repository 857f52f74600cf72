// test_logger — a child process for tests that need a second writer or a process to kill.
//
//   tracker_test_logger STORE RUN_ID POINTS [--key K] [--report-every N] [--sleep-us U]
//                       [--no-finish] [--heartbeat-ms MS] [--invent-keys N]
//
// Logs POINTS values (step i, value i) to run RUN_ID and prints "logged I" after every N
// points, so the parent knows how far it got. With --no-finish it hangs after logging (for
// SIGKILL/SIGTERM tests); with --exit-without-finish it calls std::exit(0) with the run still
// live (the atexit path must drain and close it); otherwise it finishes and prints "done".
// --invent-keys N first asks for N distinct keys "per-request/<i>" and prints "valid V" (how
// many the process-wide key registry accepted): the registry's cap is per process, so a test of
// it runs here, not in the test binary, whose later tests need new keys.
#include <tracker/tracker.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s STORE RUN_ID POINTS [options]\n", argv[0]);
    return 2;
  }
  tracker::options opts;
  opts.store = argv[1];
  opts.id = argv[2];
  opts.project = "test";
  opts.resume = tracker::resume_mode::allow;
  long points = std::stol(argv[3]);
  std::string key = "value";
  long report_every = 1000, sleep_us = 0;
  bool finish = true, exit_without_finish = false;
  long invent_keys = 0;
  for (int i = 4; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
    if (a == "--key") key = next();
    else if (a == "--report-every") report_every = std::stol(next());
    else if (a == "--sleep-us") sleep_us = std::stol(next());
    else if (a == "--no-finish") finish = false;
    else if (a == "--exit-without-finish") exit_without_finish = true;
    else if (a == "--invent-keys") invent_keys = std::stol(next());
    else if (a == "--heartbeat-ms") opts.heartbeat_interval = std::chrono::milliseconds(std::stol(next()));
  }
  tracker::run run = tracker::init(opts);
  auto k = run.key(key);
  if (invent_keys > 0) {
    long valid = 0;
    for (long i = 0; i < invent_keys; ++i)
      if (run.key("per-request/" + std::to_string(i)).valid()) ++valid;
    std::printf("valid %ld\n", valid);
    std::fflush(stdout);
  }
  for (long i = 0; i < points; ++i) {
    run.log(k, static_cast<double>(i), i);
    if ((i + 1) % report_every == 0) {
      std::printf("logged %ld\n", i + 1);
      std::fflush(stdout);
    }
    if (sleep_us) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us));
  }
  if (exit_without_finish) std::exit(0);  // no unwinding: the run's destructor never runs
  if (!finish) {
    std::printf("waiting\n");
    std::fflush(stdout);
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  run.finish();
  std::printf("done\n");
  return 0;
}
