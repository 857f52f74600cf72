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

// The SQL part of reader.points() on a plain connection opened and prepared once: every block
// of the series in seq order, the blobs touched but not decoded. reader time minus this is the
// decoding and sorting (schema 4 stores points in blocks; docs/store.md).
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
                             "SELECT n, data FROM points INDEXED BY points_by_step WHERE sid = ?1 AND ordered = 1"
                             " AND max_step >= ?2 ORDER BY max_step, seq",
                             -1, &s_, nullptr),
          "prepare");
  }
  ~raw_point_reader() {
    sqlite3_finalize(s_);
    sqlite3_close(db_);
  }
  raw_point_reader(const raw_point_reader&) = delete;
  raw_point_reader& operator=(const raw_point_reader&) = delete;

  // Returns the number of points in the blocks read; bytes_ the blob bytes.
  std::size_t read() {
    sqlite3_reset(s_);
    sqlite3_bind_int64(s_, 1, sid_);
    sqlite3_bind_int64(s_, 2, std::numeric_limits<std::int64_t>::min());
    std::size_t n = 0;
    bytes_ = 0;
    while (sqlite3_step(s_) == SQLITE_ROW) {
      n += static_cast<std::size_t>(sqlite3_column_int64(s_, 0));
      const void* b = sqlite3_column_blob(s_, 1);
      bytes_ += static_cast<std::size_t>(sqlite3_column_bytes(s_, 1)) + (b ? 0 : 1);
    }
    return n;
  }
  std::size_t bytes() const { return bytes_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
  std::int64_t sid_ = -1;
  std::size_t bytes_ = 0;
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
  {
    // Bytes per point on disk: the whole store (points, pyramid, summaries, indexes, free
    // pages) after the writer closed it (its last close checkpoints the WAL into tracker.db).
    std::error_code ec;
    double bytes = 0;
    for (const char* f : {"tracker.db", "tracker.db-wal"})
      if (fs::exists(dir / f, ec)) bytes += static_cast<double>(fs::file_size(dir / f, ec));
    const double points = static_cast<double>(cfg.small_n + cfg.big_n);
    res.add_target("d", "store_bytes_per_point", "store size on disk per point (" + count_text(cfg.small_n + cfg.big_n) +
                                                     " points, 2 series)",
                   bytes / points, "bytes", 1, true, 24)
        .note = fixed(bytes / 1e6, 1) + " MB; tensorboard_logger's event file: 47.9 bytes per point (issue 7)";
  }

  progress("(d) reading ...");
  tracker::reader reader = tracker::reader::open(dir.string());
  const auto lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  std::size_t got_points = 0, got_small_buckets = 0, got_big_buckets = 0;
  std::int64_t big_count = 0;

  auto raw_small = time_reads(cfg.point_reads, [&] { got_points = reader.points(run_id, small_key).size(); });
  std::size_t raw_sql_points = 0;
  raw_point_reader plain((dir / "tracker.db").string(), small_key);
  auto raw_sql = time_reads(cfg.point_reads, [&] { raw_sql_points = plain.read(); });
  auto small_b = time_reads(
      cfg.bucket_reads, [&] { got_small_buckets = reader.buckets(run_id, small_key, lo, hi, cfg.max_buckets).size(); });
  auto big_b = time_reads(cfg.bucket_reads, [&] {
    auto b = reader.buckets(run_id, big_key, lo, hi, cfg.max_buckets);
    got_big_buckets = b.size();
    big_count = 0;
    for (const auto& x : b) big_count += x.count;
  });

  const std::string small = count_text(cfg.small_n), big = count_text(cfg.big_n);
  {
    const std::string note = "median of " + std::to_string(cfg.point_reads) + "; " +
                             fixed(raw_small.median * 1e6 / cfg.small_n, 0) + " ns per point";
    if (cfg.small_n == 1'000'000)
      res.add_target("d", "read_points_small_ms", "reader.points(): " + small + " points, raw", raw_small.median, "ms",
                     1, true, 100)
          .note = note + "; tensorboard_logger: 338 ms to scan its event file (issue 7)";
    else
      res.add("d", "read_points_small_ms", "reader.points(): " + small + " points, raw", raw_small.median, "ms", 1)
          .note = note + " (QUICK: the <= 100 ms target is for 1,000,000 points)";
  }
  res.add("d", "read_points_small_raw_sql_ms", "plain SQL SELECT of the same points' blocks, not decoded",
          raw_sql.median, "ms", 1)
      .note = "the SQLite share; reader time / this = " + fixed(raw_small.median / raw_sql.median, 2) + "x (" +
              fixed(static_cast<double>(plain.bytes()) / static_cast<double>(cfg.small_n), 1) + " blob bytes per point)";
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
