// The pyramid while a run is live: the writer stores new buckets in batches (writer_pyramid.cpp),
// so readers must cover the not-yet-stored steps from finer levels and raw points. Every read
// here is checked against the raw points themselves: while the run is open, after late points,
// after the writing process was killed with SIGKILL, and after another process resumed the run.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "test_support.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using tracker_test::temp_dir;

namespace {

// Logs n points of key "m": steps mostly rising from `first`, with repeats, jumps and late
// steps far back; values with spikes and a few NaNs.
std::int64_t log_points(tracker::run& r, std::mt19937_64& rng, std::int64_t first, int n) {
  auto key = r.key("m");
  std::int64_t step = first;
  for (int i = 0; i < n; ++i) {
    const auto dice = rng() % 100;
    std::int64_t s = step;
    if (dice < 3 && step > 0) s = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(step));  // late
    else if (dice < 8) s = step;                                                                         // repeat
    else step += dice < 10 ? 1 + static_cast<std::int64_t>(rng() % 5000) : 1;                            // jump / next
    double v = std::sin(static_cast<double>(i) * 0.01) + (rng() % 997 == 0 ? 100.0 : 0.0);
    if (rng() % 1999 == 0) v = std::numeric_limits<double>::quiet_NaN();
    r.log(key, v, s);
  }
  return step + 1;
}

// Every bucket of every read agrees with the raw points in its step range; the counts add up.
void check_buckets_match_points(const std::string& store, const std::string& run_id) {
  auto reader = tracker::reader::open(store);
  const auto raw = reader.points(run_id, "m");  // by step, ties in logging order
  REQUIRE(!raw.empty());
  const std::int64_t lo = raw.front().step, hi = raw.back().step;
  std::mt19937_64 rng(7);
  std::vector<std::pair<std::int64_t, std::int64_t>> ranges{{lo, hi}, {lo, hi - 1}, {hi - 700, hi}, {hi - 70000, hi}};
  for (int i = 0; i < 12; ++i) {
    std::int64_t a = lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
    std::int64_t b = lo + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(hi - lo + 1));
    ranges.emplace_back(std::min(a, b), std::max(a, b));
  }
  for (auto [from, to] : ranges)
    for (std::size_t width : {std::size_t{1}, std::size_t{7}, std::size_t{300}, std::size_t{5000}}) {
      INFO("range [" << from << ", " << to << "], " << width << " buckets");
      std::int64_t total = 0, expected_total = 0;
      for (const auto& p : raw) expected_total += p.step >= from && p.step <= to;
      // At full resolution each point is its own bucket: merge those of one step first.
      std::vector<tracker::bucket> got;
      for (const auto& b : reader.buckets(run_id, "m", from, to, width)) {
        if (got.empty() || got.back().step_begin != b.step_begin || got.back().step_end != b.step_end) {
          got.push_back(b);
          continue;
        }
        tracker::bucket& m = got.back();
        m.count += b.count;
        if (b.min) m.min = m.min ? std::min(*m.min, *b.min) : *b.min;
        if (b.max) m.max = m.max ? std::max(*m.max, *b.max) : *b.max;
        if (b.last_step >= m.last_step) m.last_step = b.last_step, m.last = b.last;
        m.first_time = std::min(m.first_time, b.first_time);
        m.last_time = std::max(m.last_time, b.last_time);
      }
      for (const auto& b : got) {
        total += b.count;
        std::int64_t count = 0;
        std::optional<double> mn, mx;
        double last = 0, first_time = 1e300, last_time = -1e300;
        std::int64_t last_step = std::numeric_limits<std::int64_t>::min();
        auto by_step = [](const tracker::point& p, std::int64_t s) { return p.step < s; };
        auto it = std::lower_bound(raw.begin(), raw.end(), b.step_begin, by_step);
        auto end = std::lower_bound(raw.begin(), raw.end(), b.step_end + 1, by_step);
        for (; it != end; ++it) {
          const tracker::point& p = *it;
          ++count;
          if (std::isfinite(p.value)) {
            mn = mn ? std::min(*mn, p.value) : p.value;
            mx = mx ? std::max(*mx, p.value) : p.value;
          }
          if (p.step >= last_step) last_step = p.step, last = p.value;
          first_time = std::min(first_time, p.time);
          last_time = std::max(last_time, p.time);
        }
        INFO("bucket [" << b.step_begin << ", " << b.step_end << "]");
        REQUIRE(b.count == count);
        CHECK(b.min == mn);
        CHECK(b.max == mx);
        CHECK(b.last_step == last_step);
        CHECK((b.last == last || (std::isnan(b.last) && std::isnan(last))));
        CHECK(b.first_time == first_time);
        CHECK(b.last_time == last_time);
      }
      CHECK(total == expected_total);
    }
}

tracker::options run_options(const std::string& store, const std::string& id, tracker::resume_mode resume) {
  tracker::options o;
  o.store = store;
  o.id = id;
  o.resume = resume;
  o.capture_git = false;
  return o;
}

}  // namespace

TEST_CASE("pyramid: live reads of an open run agree with its raw points, late points included", "[pyramid]") {
  temp_dir dir;
  tracker::run r = tracker::init(run_options(dir.store(), "live", tracker::resume_mode::never));
  std::mt19937_64 rng(42);
  std::int64_t next = 0;
  // Flush at odd sizes so the reads see every phase: nothing stored yet, part stored, a batch
  // just written, late points below stored tops.
  for (int n : {100, 400, 13, 3000, 511, 1, 20000}) {
    next = log_points(r, rng, next, n);
    r.flush();
    check_buckets_match_points(dir.store(), "live");
  }
  r.finish();
  check_buckets_match_points(dir.store(), "live");
}

TEST_CASE("pyramid: a run killed with SIGKILL reads exactly, and resuming it keeps every bucket exact", "[pyramid]") {
  temp_dir dir;
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The killed process: buckets pending in its memory are lost with it; the points are not.
    tracker::run r = tracker::init(run_options(dir.store(), "killed", tracker::resume_mode::never));
    std::mt19937_64 rng(1);
    log_points(r, rng, 0, 30000);
    r.flush();
    kill(getpid(), SIGKILL);
    _exit(3);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  check_buckets_match_points(dir.store(), "killed");

  // Another process continues the run: the writer rebuilds what the killed one held.
  tracker::run r = tracker::init(run_options(dir.store(), "killed", tracker::resume_mode::must));
  std::mt19937_64 rng(2);
  std::int64_t last = 0;
  for (const auto& p : tracker::reader::open(dir.store()).points("killed", "m")) last = std::max(last, p.step);
  log_points(r, rng, last - 300, 4000);  // starts inside the open buckets of the killed process
  r.flush();
  check_buckets_match_points(dir.store(), "killed");
  r.finish();
  check_buckets_match_points(dir.store(), "killed");
}
