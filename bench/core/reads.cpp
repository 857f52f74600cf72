// reads.cpp — (d) reading one series back, as a chart does: reader.points() next to the same SQL
// on a plain connection, and reader.buckets(.., 2000) on a 1M- and a 10M-point series built through
// the tracker (quick: smaller), with a warm page cache (target: <= 10 ms for the 10M-point view).
#include "bench_core.hpp"

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

namespace {

template <class F>
distribution time_reads(int reps, F&& read) {
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    auto t0 = clk::now();
    read();
    ms.push_back(seconds(clk::now() - t0) * 1e3);
  }
  return summarize(std::move(ms));
}

// The SQL the reader runs for points(), on a plain connection opened and prepared once (the
// reader also keeps its connection and statements): the read-side limit.
class raw_point_reader {
 public:
  raw_point_reader(const std::string& db_path, const std::string& key) {
    if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
      throw std::runtime_error("raw read: cannot open " + db_path);
    sqlite3_stmt* q = nullptr;
    check(db_, sqlite3_prepare_v2(db_, "SELECT sid FROM series WHERE key = ?1", -1, &q, nullptr), "prepare");
    sqlite3_bind_text(q, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) == SQLITE_ROW) sid_ = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    check(db_,
          sqlite3_prepare_v2(db_,
                             "SELECT step, time, value FROM points WHERE sid = ?1 AND step BETWEEN ?2 AND ?3"
                             " ORDER BY step, rowid",
                             -1, &s_, nullptr),
          "prepare");
  }
  ~raw_point_reader() {
    sqlite3_finalize(s_);
    sqlite3_close(db_);
  }
  raw_point_reader(const raw_point_reader&) = delete;
  raw_point_reader& operator=(const raw_point_reader&) = delete;

  std::vector<tracker::point> read() {
    sqlite3_reset(s_);
    sqlite3_bind_int64(s_, 1, sid_);
    sqlite3_bind_int64(s_, 2, std::numeric_limits<std::int64_t>::min());
    sqlite3_bind_int64(s_, 3, std::numeric_limits<std::int64_t>::max());
    std::vector<tracker::point> out;
    while (sqlite3_step(s_) == SQLITE_ROW)
      out.push_back(
          tracker::point{sqlite3_column_int64(s_, 0), sqlite3_column_double(s_, 1), sqlite3_column_double(s_, 2)});
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
  std::int64_t sid_ = -1;
};

}  // namespace

void bench_reads(const settings& cfg, const fs::path& scratch, results& res) {
  const fs::path dir = scratch / "reads";
  const std::string small_key = "read/small", big_key = "read/big";
  std::string run_id;
  {
    progress("(d) building a " + count_text(cfg.small_n) + "-point and a " + count_text(cfg.big_n) +
             "-point series through the tracker ...");
    tracker::run run = tracker::init(bench_options(dir.string()));
    run_id = run.id();
    auto ks = run.key(small_key), kb = run.key(big_key);
    for (std::int64_t i = 0; i < cfg.small_n; ++i) run.log(ks, value_at(i), i);
    run.flush();
    auto t0 = clk::now();
    for (std::int64_t i = 0; i < cfg.big_n; ++i) run.log(kb, value_at(i), i);
    run.flush();
    double s = seconds(clk::now() - t0);
    res.add("b", "tracker_points_per_s_big", "tracker: building the " + count_text(cfg.big_n) + "-point series",
            cfg.big_n / s / 1e6, "M points/s", 3)
        .note = fixed(s, 1) + " s; a store that already holds " + count_text(cfg.small_n) + " points";
    run.finish();
  }

  progress("(d) reading ...");
  tracker::reader reader = tracker::reader::open(dir.string());
  const auto lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  std::size_t got_points = 0, got_small_buckets = 0, got_big_buckets = 0;
  std::int64_t big_count = 0;

  auto raw_small = time_reads(cfg.point_reads, [&] { got_points = reader.points(run_id, small_key).size(); });
  std::size_t raw_sql_points = 0;
  raw_point_reader plain((dir / "tracker.db").string(), small_key);
  auto raw_sql = time_reads(cfg.point_reads, [&] { raw_sql_points = plain.read().size(); });
  auto small_b = time_reads(
      cfg.bucket_reads, [&] { got_small_buckets = reader.buckets(run_id, small_key, lo, hi, cfg.max_buckets).size(); });
  auto big_b = time_reads(cfg.bucket_reads, [&] {
    auto b = reader.buckets(run_id, big_key, lo, hi, cfg.max_buckets);
    got_big_buckets = b.size();
    big_count = 0;
    for (const auto& x : b) big_count += x.count;
  });

  const std::string small = count_text(cfg.small_n), big = count_text(cfg.big_n);
  res.add("d", "read_points_small_ms", "reader.points(): " + small + " points, raw", raw_small.median, "ms", 1).note =
      "median of " + std::to_string(cfg.point_reads) + "; " + fixed(raw_small.median * 1e6 / cfg.small_n, 0) +
      " ns per point";
  res.add("d", "read_points_small_raw_sql_ms", "plain SQL SELECT of the same " + small + " points", raw_sql.median,
          "ms", 1)
      .note = "read-side limit; reader time / plain SQL time = " + fixed(raw_small.median / raw_sql.median, 2) + "x";
  res.add("d", "read_buckets_small_ms",
          "reader.buckets(.., " + std::to_string(cfg.max_buckets) + "): " + small + " points", small_b.median, "ms", 2)
      .note = "median of " + std::to_string(cfg.bucket_reads) + ", p99 " + fixed(small_b.p99, 2) + " ms";
  if (cfg.big_n == 10'000'000)
    res.add_target("d", "read_buckets_big_ms",
                   "reader.buckets(.., " + std::to_string(cfg.max_buckets) + "): " + big + " points", big_b.median,
                   "ms", 2, true, 10)
        .note = "median of " + std::to_string(cfg.bucket_reads) + ", p99 " + fixed(big_b.p99, 2) + " ms";
  else
    res.add("d", "read_buckets_big_ms",
            "reader.buckets(.., " + std::to_string(cfg.max_buckets) + "): " + big + " points", big_b.median, "ms", 2)
        .note = "QUICK: " + big + " points, not 10,000,000: no verdict (target <= 10 ms is for 10M)";

  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) res.note("WARNING: " + what);
  };
  expect(got_points == static_cast<std::size_t>(cfg.small_n),
         "points() returned " + std::to_string(got_points) + " points, expected " + small);
  expect(raw_sql_points == got_points, "plain SQL read " + std::to_string(raw_sql_points) + " points");
  expect(got_small_buckets > 0 && got_small_buckets <= cfg.max_buckets,
         "small series: " + std::to_string(got_small_buckets) + " buckets");
  expect(got_big_buckets > 0 && got_big_buckets <= cfg.max_buckets,
         "big series: " + std::to_string(got_big_buckets) + " buckets");
  expect(big_count == cfg.big_n, "big series buckets count " + std::to_string(big_count) + " points, expected " + big);
  res.note(
      "(d) reads with a warm OS page cache (the series were just written), the reader and the plain connection opened "
      "once, "
      "statements prepared once; the big series came back as " +
      std::to_string(got_big_buckets) + " buckets covering " + count_text(big_count) + " points");
}

}  // namespace bench
