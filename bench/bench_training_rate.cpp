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
// the process CPU clock (user + system of every thread). The store is a fresh directory under
// /tmp. With --reps R the two phases alternate R times on one run (steps continue), and the
// median cost is reported: on a shared machine one pair can be off by a neighbour's burst.
//
// Then the cost of one commit without the pacing noise: a fresh run logs 10 keys x 100 steps
// and calls flush() (one commit of 1,000 points), 300 times, once young (after 200 such
// commits, 20,000 steps per key) and once older (after 5,000, i.e. 500,000 steps per key: a
// long run's indexes and pyramid are spread over more pages). Reported per commit: the CPU of
// every thread but the logging one (the writer; process minus thread clock) and the write
// system calls (/proc/self/io syscw; SQLite writes a WAL frame as two pwrite calls and a
// checkpoint one per page, so pages per commit are about a third of them).
//
//   bench_training_rate [--seconds D] [--reps R] [--store DIR] [--no-commits]
#include <tracker/tracker.hpp>

#include "cpu_time.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

// The same clocks as bench_core (bench/cpu_time.hpp).
using tracker_bench::other_threads_cpu_seconds;
using tracker_bench::process_cpu_seconds;
using tracker_bench::thread_cpu_seconds;

struct phase_result {
  double wall = 0;
  double cpu = 0;
  long steps = 0;
};

// The paced loop: 1,000 steps per second, 10 values per step.
template <class Log>
phase_result paced_loop(double seconds, Log log, long first_step = 0) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const double cpu0 = process_cpu_seconds();
  auto next = start;
  long step = first_step;
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
  r.cpu = process_cpu_seconds() - cpu0;
  r.wall = std::chrono::duration<double>(clock::now() - start).count();
  r.steps = step - first_step;
  if (sink == 12345.678) std::puts("");  // keep the values alive
  return r;
}

// Write system calls of this process so far (/proc/self/io, syscw).
long write_calls() {
  std::ifstream in("/proc/self/io");
  std::string name;
  long value = 0;
  while (in >> name >> value)
    if (name == "syscw:") return value;
  return 0;
}

// A run in `store` with the benchmark's 10 interned keys.
struct ten_key_run {
  tracker::run run;
  tracker::key_handle keys[10];
};

ten_key_run open_ten_key_run(const std::string& store) {
  tracker::options o;
  o.store = store;
  o.project = "bench";
  o.capture_git = false;
  ten_key_run r{tracker::init(o), {}};
  for (int k = 0; k < 10; ++k) r.keys[k] = r.run.key("train/metric_" + std::to_string(k));
  return r;
}

struct commit_cost {
  double writer_us = 0;
  double write_calls = 0;
};

commit_cost measure_commits(const std::string& store, int warm, int commits) {
  auto [run, keys] = open_ten_key_run(store);
  long step = 0;
  auto one_commit = [&] {
    for (int s = 0; s < 100; ++s, ++step)
      for (int k = 0; k < 10; ++k) run.log(keys[k], std::sin(static_cast<double>(step) * 1e-3 + k), step);
    run.flush();
  };
  for (int i = 0; i < warm; ++i) one_commit();
  const double process0 = process_cpu_seconds(), thread0 = thread_cpu_seconds();
  const long calls0 = write_calls();
  for (int i = 0; i < commits; ++i) one_commit();
  const double others = (process_cpu_seconds() - process0) - (thread_cpu_seconds() - thread0);
  commit_cost c;
  c.writer_us = others * 1e6 / commits;
  c.write_calls = static_cast<double>(write_calls() - calls0) / commits;
  run.finish();
  std::filesystem::remove_all(store);
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 10;
  int reps = 1;
  std::string store;
  bool commits = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--store" && i + 1 < argc) store = argv[++i];
    else if (a == "--no-commits") commits = false;
    else {
      std::fprintf(stderr, "usage: bench_training_rate [--seconds D] [--reps R] [--store DIR] [--no-commits]\n");
      return 2;
    }
  }
  bool own_store = store.empty();
  if (own_store) {
    char tmpl[] = "/tmp/bench-rate-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    store = std::string(tmpl) + "/store";
  }

  auto [run, keys] = open_ten_key_run(store);
  std::printf("bench_training_rate: 10 keys x 1,000 steps/s, %d x (%.1f s baseline + %.1f s tracked)\n", reps,
              seconds, seconds);
  std::vector<double> costs, per_point, commit_rates, writer_share;
  long step = 0;
  for (int r = 0; r < reps; ++r) {
    phase_result base = paced_loop(seconds, [](long, const double*) {});
    auto before = run.stats();
    const double writer0 = other_threads_cpu_seconds();
    phase_result tracked = paced_loop(
        seconds, [&](long s, const double* v) {
          for (int k = 0; k < 10; ++k) run.log(keys[k], v[k], s);
        },
        step);
    step += tracked.steps;
    writer_share.push_back((other_threads_cpu_seconds() - writer0) / tracked.wall);
    auto after = run.stats();
    // Normalise the baseline to the tracked phase's wall time (both ~D s).
    double extra = tracked.cpu / tracked.wall - base.cpu / base.wall;
    double points = 10.0 * static_cast<double>(tracked.steps);
    double commits = static_cast<double>(after.commits - before.commits);
    costs.push_back(extra);
    per_point.push_back(extra * tracked.wall * 1e9 / points);
    commit_rates.push_back(commits / tracked.wall);
    std::printf("  rep %d: baseline %.2f%% of a core, tracked %.2f%%: tracking costs %.2f%% of a core"
                " (%.0f ns per point, %.1f commits/s); writer thread alone %.2f%%\n",
                r + 1, 100 * base.cpu / base.wall, 100 * tracked.cpu / tracked.wall, 100 * extra, per_point.back(),
                commit_rates.back(), 100 * writer_share.back());
  }
  run.flush();
  auto stats = run.stats();
  run.finish();
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  std::printf("  tracking costs:  %.2f%% of a core, median of %d (target <= 1%%; tensorboard_logger measured 1.4%%)\n",
              100 * median(costs), reps);
  std::printf("  writer thread:   %.2f%% of a core, median (its own CPU time, /proc ticks of 10 ms)\n",
              100 * median(writer_share));
  std::printf("  CPU per point:   %.0f ns (median); commits: %.1f per second\n", median(per_point),
              median(commit_rates));
  std::printf("  points written:  %llu of %ld logged\n", static_cast<unsigned long long>(stats.written), 10 * step);
  if (commits) {
    std::printf("one commit of 10 keys x 100 steps (flush() after each), 300 commits:\n");
    for (int warm : {200, 5000}) {
      commit_cost c = measure_commits(store + "-commits-" + std::to_string(warm), warm, 300);
      std::printf("  after %5d commits (%7d steps per key): writer CPU %6.0f us per commit, %5.1f write calls per commit\n",
                  warm, warm * 100, c.writer_us, c.write_calls);
    }
  }
  if (own_store) std::filesystem::remove_all(std::filesystem::path(store).parent_path());
  return 0;
}
