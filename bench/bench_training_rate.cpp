// bench_training_rate — what tracking costs at a normal training rate, in CPU.
//
// Method (docs/performance.md, "CPU at a training rate"): one process runs a paced loop of
// 10 keys x 1,000 steps/s for D seconds (default 10) twice, in one run:
//   1. baseline: the loop computes its values and sleeps until the next 1 ms tick, logging
//      nothing;
//   2. tracked: the same loop, logging the 10 values per step through tracker::run::log
//      (interned keys), then finish().
// The cost is (process CPU of 2 - process CPU of 1) / wall time of 2: the share of one core
// that tracking takes (the writer thread, its commits, and the caller's log() calls). CPU is
// getrusage(RUSAGE_SELF) user+system. The store is a fresh directory under /tmp.
//
//   bench_training_rate [--seconds D] [--store DIR]
#include <tracker/tracker.hpp>

#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

struct phase_result {
  double wall = 0;
  double cpu = 0;
  long steps = 0;
};

// The paced loop: 1,000 steps per second, 10 values per step.
template <class Log>
phase_result paced_loop(double seconds, Log log) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const double cpu0 = cpu_seconds();
  auto next = start;
  long step = 0;
  double sink = 0;
  while (clock::now() - start < std::chrono::duration<double>(seconds)) {
    double values[10];
    for (int k = 0; k < 10; ++k) values[k] = std::sin(static_cast<double>(step) * 1e-3 + k);
    sink += values[0];
    log(step, values);
    ++step;
    next += std::chrono::milliseconds(1);
    std::this_thread::sleep_until(next);
  }
  phase_result r;
  r.cpu = cpu_seconds() - cpu0;
  r.wall = std::chrono::duration<double>(clock::now() - start).count();
  r.steps = step;
  if (sink == 12345.678) std::puts("");  // keep the values alive
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  std::string store;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--store" && i + 1 < argc) store = argv[++i];
    else {
      std::fprintf(stderr, "usage: bench_training_rate [--seconds D] [--store DIR]\n");
      return 2;
    }
  }
  bool own_store = store.empty();
  if (own_store) {
    char tmpl[] = "/tmp/bench-rate-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    store = std::string(tmpl) + "/store";
  }

  phase_result base = paced_loop(seconds, [](long, const double*) {});

  tracker::options o;
  o.store = store;
  o.project = "bench";
  o.capture_git = false;
  auto run = tracker::init(o);
  tracker::key_handle keys[10];
  for (int k = 0; k < 10; ++k) keys[k] = run.key("train/metric_" + std::to_string(k));
  phase_result tracked = paced_loop(seconds, [&](long step, const double* v) {
    for (int k = 0; k < 10; ++k) run.log(keys[k], v[k], step);
  });
  double cpu_before_finish = tracked.cpu;
  run.flush();
  auto stats = run.stats();
  run.finish();

  double extra = (cpu_before_finish - base.cpu) / tracked.wall;
  std::printf("bench_training_rate: 10 keys x 1,000 steps/s for %.1f s\n", seconds);
  std::printf("  baseline loop:   %ld steps, %.3f s CPU in %.2f s (%.2f%% of a core)\n", base.steps, base.cpu,
              base.wall, 100 * base.cpu / base.wall);
  std::printf("  tracked loop:    %ld steps, %.3f s CPU in %.2f s (%.2f%% of a core)\n", tracked.steps,
              tracked.cpu, tracked.wall, 100 * tracked.cpu / tracked.wall);
  std::printf("  tracking costs:  %.2f%% of a core (target <= 1%%; tensorboard_logger measured 1.4%%)\n",
              100 * extra);
  std::printf("  points written:  %llu, commits: %llu (%.1f per second)\n",
              static_cast<unsigned long long>(stats.written), static_cast<unsigned long long>(stats.commits),
              static_cast<double>(stats.commits) / tracked.wall);
  std::printf("  CPU per point:   %.0f ns\n", 1e9 * (cpu_before_finish - base.cpu) /
                                                  static_cast<double>(std::max<unsigned long long>(1, stats.written)));
  if (own_store) std::filesystem::remove_all(std::filesystem::path(store).parent_path());
  return 0;
}
