// bench_poll — what a live viewer's poll loop costs against a store that is being written.
//
// Method (docs/performance.md, "Polling reads"): a store of 100 runs x 20 keys (1,000 points
// each) is built first; then 5 of the runs keep logging (20 keys, 200 steps/s each) from a
// thread of this process while the main thread polls the way tracker-ui does, on its own
// reader:
//   * idle poll: reader.data_version() when nothing was committed since the last poll —
//     measured while the writers are paused (target: <= 50 us);
//   * full poll: data_version changed -> one snapshot: runs(), summaries_of(all runs, 20 keys),
//     points_since(cursor): every new point of every series in one query.
//   * for comparison, points_after() per series (20 keys x 5 live runs), as a viewer would
//     without points_since.
// Reported: idle poll median/p99, full poll median/p99, and full polls per second sustained.
//
//   bench_poll [--seconds D]
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {
using clk = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

std::string key_name(int k) { return (k < 10 ? "train/metric_" : "val/metric_") + std::to_string(k); }
}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_poll [--seconds D]\n");
      return 2;
    }
  }
  char tmpl[] = "/tmp/bench-poll-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string store = std::string(tmpl) + "/store";
  tracker::set_error_handler([](const std::string& m) { std::fprintf(stderr, "tracker: %s\n", m.c_str()); });

  // 95 finished runs and 5 live ones, 20 keys x 1,000 points each to start with.
  std::vector<tracker::run> live;
  std::vector<std::string> all_ids, live_ids, keys;
  for (int k = 0; k < 20; ++k) keys.push_back(key_name(k));
  for (int r = 0; r < 100; ++r) {
    tracker::options o;
    o.store = store;
    o.project = r % 2 ? "odd" : "even";
    o.config = {{"lr", 1e-3 * (r + 1)}, {"batch", 64}};
    o.capture_git = false;
    auto run = tracker::init(o);
    for (int s = 0; s < 1000; ++s)
      for (int k = 0; k < 20; ++k) run.log(keys[k], 1.0 / (s + 1 + k), s);
    all_ids.push_back(run.id());
    if (r >= 95) {
      live_ids.push_back(run.id());
      live.push_back(std::move(run));
    } else {
      run.finish();
    }
  }
  for (auto& run : live) run.flush();

  std::atomic<bool> stop{false}, paused{false};
  std::thread writers([&] {
    std::int64_t step = 1000;
    auto next = clk::now();
    while (!stop) {
      if (!paused)
        for (auto& run : live)
          for (int k = 0; k < 20; ++k) run.log(keys[k], 1.0 / (step + k), step);
      ++step;
      next += std::chrono::milliseconds(5);  // 200 steps/s per run
      std::this_thread::sleep_until(next);
    }
  });

  auto reader = tracker::reader::open(store);
  std::vector<std::vector<std::int64_t>> cursors(live_ids.size(), std::vector<std::int64_t>(20, 0));
  std::uint64_t last_version = 0;
  long new_points = 0;
  std::vector<double> runs_us, summaries_us, points_us, per_series_us;
  std::int64_t cursor = 0;
  auto since = [](clk::time_point a) { return std::chrono::duration<double, std::micro>(clk::now() - a).count(); };
  std::vector<double> full_us;
  auto full_poll = [&] {
    const auto start = clk::now();
    auto snap = reader.begin_snapshot();
    auto a = clk::now();
    auto runs = reader.runs();
    runs_us.push_back(since(a));
    a = clk::now();
    auto summaries = reader.summaries_of(all_ids, keys);
    summaries_us.push_back(since(a));
    a = clk::now();
    auto changes = reader.points_since(cursor);
    cursor = changes.cursor;
    for (auto& s : changes.series) new_points += static_cast<long>(s.points.size());
    points_us.push_back(since(a));
    full_us.push_back(since(start));
    a = clk::now();
    for (std::size_t r = 0; r < live_ids.size(); ++r)
      for (int k = 0; k < 20; ++k) {
        auto batch = reader.points_after(live_ids[r], keys[k], cursors[r][k]);
        cursors[r][k] = batch.cursor;
      }
    per_series_us.push_back(since(a));
    if (runs.size() != 100 || summaries.size() != 100) std::abort();
  };
  full_poll();  // first read: everything

  // Full polls while writers commit.
  full_us.clear();
  runs_us.clear();
  summaries_us.clear();
  points_us.clear();
  per_series_us.clear();
  auto t0 = clk::now();
  long polls = 0;
  while (clk::now() - t0 < std::chrono::duration<double>(seconds)) {
    auto v = reader.data_version();
    if (v == last_version) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    last_version = v;
    full_poll();
    ++polls;
  }
  double full_wall = std::chrono::duration<double>(clk::now() - t0).count();

  // Idle polls: writers paused and drained, nothing new to read.
  paused = true;
  for (auto& run : live) run.flush();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  last_version = reader.data_version();
  std::vector<double> idle_us;
  for (int i = 0; i < 20000; ++i) {
    auto a = clk::now();
    auto v = reader.data_version();
    idle_us.push_back(std::chrono::duration<double, std::micro>(clk::now() - a).count());
    if (v != last_version) std::abort();  // nothing was committed: a change would be a bug
  }
  stop = true;
  writers.join();
  for (auto& run : live) run.finish();

  std::printf("bench_poll: 100 runs x 20 keys, 5 live runs logging 20 keys at 200 steps/s\n");
  std::printf("  idle poll (data_version, nothing new): median %.2f us, p99 %.2f us (target <= 50 us)\n",
              percentile(idle_us, 0.5), percentile(idle_us, 0.99));
  std::printf("  full poll (snapshot, runs, summaries_of 100x20, points_since): median %.2f ms, p99 %.2f ms\n",
              percentile(full_us, 0.5) / 1000, percentile(full_us, 0.99) / 1000);
  std::printf("    of which runs() %.2f ms, summaries_of %.2f ms, points_since %.2f ms (medians)\n",
              percentile(runs_us, 0.5) / 1000, percentile(summaries_us, 0.5) / 1000, percentile(points_us, 0.5) / 1000);
  std::printf("  instead of points_since: points_after per series x100: median %.2f ms\n",
              percentile(per_series_us, 0.5) / 1000);
  std::printf("  %ld full polls in %.1f s while writing (%.0f/s possible at the median), %ld points read\n",
              polls, full_wall, 1e6 / std::max(1.0, percentile(full_us, 0.5)), new_points);
  std::filesystem::remove_all(tmpl);
  return 0;
}
