// caller_cost.cpp — (a) the caller-side cost of log(): what one call costs the training thread,
// for an interned key, a string key and an init list of two, timed in batches of 64 calls with a
// queue large enough that log() never waits for the writer (targets: <= 30 ns and <= 100 ns).
#include "bench_core.hpp"

#include <tracker/tracker.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bench {

namespace {

// Times batches of calls_per_batch calls of one log() form; each sample is the batch's time
// divided by the scalars it logged. A single call (~20 ns) is shorter than a clock read, so
// per-call timing would measure the clock: p99 here is the p99 of batch means, which still
// catches preemption, queue contention and cache misses that hit a batch.
template <class Call>
distribution time_log_form(tracker::run& run, const settings& cfg, int scalars_per_call, Call&& call) {
  std::int64_t i = 0;
  for (int w = 0; w < 20000; ++w) call(i++);  // warm: key caches, queue cells, branch predictors
  run.flush();
  std::vector<double> per_scalar;
  per_scalar.reserve(static_cast<std::size_t>(cfg.cost_batches));
  const double scalars = static_cast<double>(cfg.calls_per_batch) * scalars_per_call;
  for (int b = 0; b < cfg.cost_batches; ++b) {
    if (b > 0 && b % cfg.cost_flush_every == 0) run.flush();  // untimed: keeps the queue far from full
    auto t0 = clk::now();
    for (int c = 0; c < cfg.calls_per_batch; ++c) call(i++);
    auto t1 = clk::now();
    per_scalar.push_back(nanos(t1 - t0) / scalars);
  }
  run.flush();
  return summarize(std::move(per_scalar));
}

double clock_overhead_ns() {
  std::vector<double> v;
  for (int k = 0; k < 20000; ++k) {
    auto t0 = clk::now();
    auto t1 = clk::now();
    v.push_back(nanos(t1 - t0));
  }
  return summarize(std::move(v)).median;
}

}  // namespace

void bench_caller_cost(const settings& cfg, const fs::path& scratch, results& res) {
  progress("(a) caller-side cost of log() ...");
  auto opts = bench_options((scratch / "cost").string());
  opts.queue_capacity = cfg.cost_queue;  // the window never fills it, so log() never waits
  tracker::run run = tracker::init(opts);
  auto before = run.stats();

  tracker::key_handle k = run.key("bench/interned");
  auto interned = time_log_form(run, cfg, 1, [&](std::int64_t i) { run.log(k, value_at(i), i); });
  auto by_string = time_log_form(run, cfg, 1, [&](std::int64_t i) { run.log("train/loss", value_at(i), i); });
  auto by_list = time_log_form(run, cfg, 2, [&](std::int64_t i) {
    run.log({{"train/loss2", value_at(i)}, {"train/acc2", value_at(i + 1)}}, i);
  });
  auto after = run.stats();
  double clock_ns = clock_overhead_ns();

  res.add_target("a", "log_interned_median_ns", "interned key  log(k, v, step), median", interned.median, "ns", 1, true,
                 30);
  res.add("a", "log_interned_p99_ns", "interned key  log(k, v, step), p99 of batches", interned.p99, "ns", 1);
  res.add_target("a", "log_string_median_ns", "string key    log(\"train/loss\", v, step), median", by_string.median,
                 "ns", 1, true, 100);
  res.add("a", "log_string_p99_ns", "string key    log(\"train/loss\", v, step), p99 of batches", by_string.p99, "ns",
          1);
  res.add_target("a", "log_list2_median_ns", "init list     log({{k1, v1}, {k2, v2}}, step), median", by_list.median,
                 "ns", 1, true, 100)
      .note = "2 string-keyed metrics per call, so the string-key target; per scalar = call time / 2";
  res.add("a", "log_list2_p99_ns", "init list     log({{k1, v1}, {k2, v2}}, step), p99 of batches", by_list.p99, "ns",
          1);
  res.add("a", "clock_overhead_ns", "steady_clock::now() pair (paid once per batch)", clock_ns, "ns", 1).note =
      "included in the numbers above: " + fixed(clock_ns / cfg.calls_per_batch, 2) + " ns per call";

  std::uint64_t blocked = after.blocked - before.blocked;
  res.note("(a) " + count_text(cfg.cost_batches) + " batches of " + std::to_string(cfg.calls_per_batch) +
           " calls per form; queue capacity " + count_text(static_cast<std::int64_t>(cfg.cost_queue)) +
           ", flushed every " + std::to_string(cfg.cost_flush_every) + " batches outside the timed region; " +
           "log() calls that had to wait for room: " + std::to_string(blocked) +
           (blocked ? " (the measurement includes waiting: enlarge the queue)" : " (none: pure enqueue cost)"));
  run.finish();
}

}  // namespace bench
