// sustained.cpp — (b) sustained points/s through the tracker, until flush() returns, and (c) the
// physical limit beside it, same process: raw SQLite inserts into the store's layout (also + the
// pyramid rows; a WITHOUT ROWID layout, both read back for (d)) and raw file append. Trials are
// interleaved: absolute rates on this shared machine drift (target: tracker / raw SQLite >= 0.9).
#include "bench_core.hpp"

#include "../cpu_time.hpp"
#include "../machine_info.hpp"

#include <tracker/tracker.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace bench {

namespace {

using tracker_bench::proc_field;

// The same clock the tracker stamps points with, so the raw baselines do the same work.
double coarse_now() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct trial {
  double seconds = 0;             // until everything is committed (flush returned / last COMMIT)
  double log_seconds = 0;         // tracker only: until the last log() returned
  double cpu_seconds = 0;         // CPU time of the whole process (every thread) over the same span
  double writer_cpu_seconds = 0;  // tracker only: CPU time of the other threads (the writer)
  double read_seconds = 0;        // raw SQLite with read_back: one SELECT of every point, in step order
  tracker::writer_stats stats;
};

using tracker_bench::other_threads_cpu_seconds;
using tracker_bench::process_cpu_seconds;

// One thread logs n points of one series as fast as it can, default options (block policy,
// default queue); the clock stops when flush() returns, i.e. when everything is committed.
trial tracker_trial(const fs::path& dir, std::int64_t n) {
  tracker::run run = tracker::init(bench_options(dir.string()));
  tracker::key_handle k = run.key("train/loss");
  trial t;
  double cpu0 = process_cpu_seconds(), writer0 = other_threads_cpu_seconds();
  auto t0 = clk::now();
  for (std::int64_t i = 0; i < n; ++i) run.log(k, value_at(i), i);
  auto t_logged = clk::now();
  run.flush();
  auto t1 = clk::now();
  t.seconds = seconds(t1 - t0);
  t.cpu_seconds = process_cpu_seconds() - cpu0;
  t.writer_cpu_seconds = other_threads_cpu_seconds() - writer0;
  t.log_seconds = seconds(t_logged - t0);
  t.stats = run.stats();
  run.finish();
  return t;
}

void exec(sqlite3* db, const char* sql) { check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql); }

enum class raw_layout : std::uint8_t {
  points,          // schemas 1-3's layout: points (rowid table) + points_by_step(sid, step)
  points_pyramid,  // the same, plus the writer's other rows (below)
  without_rowid,   // an alternative: one clustered B-tree, PRIMARY KEY (sid, step, seq)
};

// Raw prepared-statement inserts, 32,768 rows per transaction (the writer's batch), WAL and
// synchronous=NORMAL as the store sets them, into a fresh file.
// - points: the same table layout as migration 1 — the physical limit for that layout.
// - points_pyramid: also writes what the writer writes besides points, after the points of
//   each transaction like apply_batch(): the five pyramid levels' bucket rows (widths 8^(L+1),
//   INSERT OR REPLACE, partial buckets included) and the series summary row. Not a limit: the
//   tracker's own work without the pipeline, which says whether a gap is the schema's or the
//   code's.
// - without_rowid: what a schema change would buy (see docs/performance.md).
// With read_back, the trial then times one plain SELECT of all n points in step order.
trial raw_sqlite_trial(const fs::path& dir, std::int64_t n, raw_layout layout, bool read_back = false) {
  fs::create_directories(dir);
  const std::string path = (dir / "raw.db").string();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK)
    throw std::runtime_error("raw sqlite: cannot open " + path);
  struct closer {
    sqlite3* db;
    ~closer() { sqlite3_close_v2(db); }
  } close_db{db};
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, "PRAGMA synchronous=NORMAL");
  const bool pyramid = layout == raw_layout::points_pyramid, clustered = layout == raw_layout::without_rowid;
  exec(db, clustered
               ? "CREATE TABLE points (sid INTEGER NOT NULL, step INTEGER NOT NULL, seq INTEGER NOT NULL,"
                 " time REAL NOT NULL, value REAL, PRIMARY KEY (sid, step, seq)) WITHOUT ROWID;"
               : "CREATE TABLE points (sid INTEGER NOT NULL, step INTEGER NOT NULL, time REAL NOT NULL, value REAL);"
                 "CREATE INDEX points_by_step ON points(sid, step);");
  exec(db,
       "CREATE TABLE buckets (sid INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL,"
       " count INTEGER NOT NULL, min REAL, max REAL, last REAL, last_step INTEGER NOT NULL,"
       " PRIMARY KEY (sid, level, idx)) WITHOUT ROWID;"
       "CREATE TABLE series (sid INTEGER PRIMARY KEY, count INTEGER, min REAL, max REAL, last REAL,"
       " last_step INTEGER, last_time REAL);"
       "INSERT INTO series(sid, count) VALUES(1, 0);");
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* bucket = nullptr;
  sqlite3_stmt* summary = nullptr;
  struct finalizer {
    sqlite3_stmt** a;
    sqlite3_stmt** b;
    sqlite3_stmt** c;
    ~finalizer() {
      sqlite3_finalize(*a);
      sqlite3_finalize(*b);
      sqlite3_finalize(*c);
    }
  } fin{&ins, &bucket, &summary};
  check(db,
        sqlite3_prepare_v2(db,
                           clustered ? "INSERT INTO points(sid, step, time, value, seq) VALUES(?1, ?2, ?3, ?4, ?5)"
                                     : "INSERT INTO points(sid, step, time, value) VALUES(?1, ?2, ?3, ?4)",
                           -1, &ins, nullptr),
        "prepare");
  check(db,
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO buckets(sid, level, idx, count, min, max, last, last_step)"
                           " VALUES(1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &bucket, nullptr),
        "prepare");
  check(db,
        sqlite3_prepare_v2(db,
                           "UPDATE series SET count = ?1, min = ?2, max = ?3, last = ?4, last_step = ?5,"
                           " last_time = ?6 WHERE sid = 1",
                           -1, &summary, nullptr),
        "prepare");

  struct agg {
    int level = 0;
    std::int64_t idx = -1, count = 0, last_step = 0;
    double min = 0, max = 0, last = 0;
  };
  constexpr int levels = 5;
  constexpr std::int64_t batch = 32768;  // the writer's max_batch
  agg current[levels + 1];
  std::vector<agg> touched;  // bucket rows of this transaction, written after its points
  double s_min = 0, s_max = 0, s_last = 0, s_time = 0;

  trial t;
  double cpu0 = process_cpu_seconds();
  auto t0 = clk::now();
  for (std::int64_t first = 0; first < n; first += batch) {
    exec(db, "BEGIN IMMEDIATE");
    std::int64_t last = std::min(n, first + batch);
    for (std::int64_t i = first; i < last; ++i) {
      double v = value_at(i), now = coarse_now();
      sqlite3_bind_int64(ins, 1, 1);
      sqlite3_bind_int64(ins, 2, i);
      sqlite3_bind_double(ins, 3, now);
      sqlite3_bind_double(ins, 4, v);
      if (clustered) sqlite3_bind_int64(ins, 5, i);
      check(db, sqlite3_step(ins), "insert");
      sqlite3_reset(ins);
      if (!pyramid) continue;
      s_min = i == 0 ? v : std::min(s_min, v);
      s_max = i == 0 ? v : std::max(s_max, v);
      s_last = v;
      s_time = now;
      for (int level = 1; level <= levels; ++level) {
        agg& a = current[level];
        std::int64_t idx = i >> (3 * (level + 1));
        if (a.idx != idx) {
          if (a.count > 0 && a.idx >= first >> (3 * (level + 1))) touched.push_back(a);  // complete in this batch
          a = agg{level, idx, 0, 0, v, v, v};
        }
        ++a.count;
        a.min = std::min(a.min, v);
        a.max = std::max(a.max, v);
        a.last = v;
        a.last_step = i;
      }
    }
    if (pyramid) {
      for (int level = 1; level <= levels; ++level) touched.push_back(current[level]);  // partial ones too
      for (const agg& a : touched) {
        sqlite3_bind_int(bucket, 1, a.level);
        sqlite3_bind_int64(bucket, 2, a.idx);
        sqlite3_bind_int64(bucket, 3, a.count);
        sqlite3_bind_double(bucket, 4, a.min);
        sqlite3_bind_double(bucket, 5, a.max);
        sqlite3_bind_double(bucket, 6, a.last);
        sqlite3_bind_int64(bucket, 7, a.last_step);
        check(db, sqlite3_step(bucket), "bucket insert");
        sqlite3_reset(bucket);
      }
      touched.clear();
      sqlite3_bind_int64(summary, 1, last);
      sqlite3_bind_double(summary, 2, s_min);
      sqlite3_bind_double(summary, 3, s_max);
      sqlite3_bind_double(summary, 4, s_last);
      sqlite3_bind_int64(summary, 5, last - 1);
      sqlite3_bind_double(summary, 6, s_time);
      check(db, sqlite3_step(summary), "summary update");
      sqlite3_reset(summary);
    }
    exec(db, "COMMIT");
  }
  t.seconds = seconds(clk::now() - t0);
  t.cpu_seconds = process_cpu_seconds() - cpu0;

  if (read_back) {
    sqlite3_stmt* q = nullptr;
    check(db,
          sqlite3_prepare_v2(db, "SELECT step, time, value FROM points WHERE sid = 1 ORDER BY step", -1, &q, nullptr),
          "prepare");
    std::vector<tracker::point> out;
    auto r0 = clk::now();
    while (sqlite3_step(q) == SQLITE_ROW)
      out.push_back(
          tracker::point{sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1), sqlite3_column_double(q, 2)});
    t.read_seconds = seconds(clk::now() - r0);
    sqlite3_finalize(q);
    if (out.size() != static_cast<std::size_t>(n)) throw std::runtime_error("raw sqlite: read back a wrong count");
  }
  return t;
}

// The absolute limit: 32-byte records appended with fwrite, flushed every 32,768 records and
// at the end (page cache, no fsync — SQLite's WAL with synchronous=NORMAL does not fsync on
// commit either).
trial raw_file_trial(const fs::path& dir, std::int64_t n) {
  fs::create_directories(dir);
  const std::string path = (dir / "raw.bin").string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot create " + path);
  struct record {
    std::uint32_t slot, key;
    std::int64_t step;
    double value, time;
  };
  static_assert(sizeof(record) == 32);
  trial t;
  double cpu0 = process_cpu_seconds();
  auto t0 = clk::now();
  for (std::int64_t i = 0; i < n; ++i) {
    record r{0, 1, i, value_at(i), coarse_now()};
    if (std::fwrite(&r, sizeof r, 1, f) != 1) {
      std::fclose(f);
      throw std::runtime_error("write failed on " + path);
    }
    if ((i & 32767) == 32767) std::fflush(f);
  }
  std::fflush(f);
  t.seconds = seconds(clk::now() - t0);
  t.cpu_seconds = process_cpu_seconds() - cpu0;
  std::fclose(f);
  return t;
}

double median_of(std::vector<double> v) { return summarize(std::move(v)).median; }

int thread_count() {
  std::string t = proc_field("/proc/self/status", "Threads");
  return t == "unknown" ? -1 : std::atoi(t.c_str());
}

}  // namespace

// Run first, before any tracker thread exists: glibc skips the atomic instructions of
// uncontended mutexes (SQLite's allocator takes one per malloc/free) while a process has one
// thread, and never again once a thread was created. A training process always has several
// threads, so the interleaved trials below are the fair baseline; this one shows the regime's
// price.
single_threaded_raw bench_single_threaded_raw(const settings& cfg, const fs::path& scratch) {
  single_threaded_raw out;
  out.threads = thread_count();
  progress("(c) raw SQLite in a single-threaded process (" + count_text(cfg.sustained_n) + " points) ...");
  trial t = raw_sqlite_trial(scratch / "single", cfg.sustained_n, raw_layout::points);
  remove_quietly(scratch / "single");
  out.points_per_s = static_cast<double>(cfg.sustained_n) / t.seconds;
  return out;
}

void bench_sustained(const settings& cfg, const fs::path& scratch, const single_threaded_raw& single, results& res) {
  const std::int64_t n = cfg.sustained_n;
  std::vector<double> tracker_rate, tracker_log_rate, sqlite_rate, pyramid_rate, file_rate;
  std::vector<double> tracker_cpu, writer_cpu, sqlite_cpu, pyramid_cpu, file_cpu;  // ns of CPU per point
  double sqlite_read_ns = 0, alt_rate = 0, alt_read_ns = 0;                        // first trial only
  tracker::writer_stats last_stats;
  // Interleaved so that a noisy neighbour hurts every kind alike; each trial in a fresh
  // directory that is deleted right after, so dirty pages do not pile up into the next one.
  for (int t = 0; t < cfg.trials; ++t) {
    progress("(b)+(c) sustained, trial " + std::to_string(t + 1) + "/" + std::to_string(cfg.trials) + " (" +
             count_text(n) + " points each: raw SQLite, tracker, raw SQLite + pyramid, raw file" +
             (t == 0 ? ", WITHOUT ROWID layout" : "") + ") ...");
    const double N = static_cast<double>(n);
    fs::path d = scratch / ("sustained-" + std::to_string(t));
    trial sq = raw_sqlite_trial(d / "sqlite", n, raw_layout::points, t == 0);
    sqlite_rate.push_back(N / sq.seconds);
    sqlite_cpu.push_back(sq.cpu_seconds * 1e9 / N);
    remove_quietly(d / "sqlite");
    trial tr = tracker_trial(d / "tracker", n);
    tracker_rate.push_back(N / tr.seconds);
    tracker_cpu.push_back(tr.cpu_seconds * 1e9 / N);
    writer_cpu.push_back(tr.writer_cpu_seconds * 1e9 / N);
    tracker_log_rate.push_back(N / tr.log_seconds);
    last_stats = tr.stats;
    if (tr.stats.written != static_cast<std::uint64_t>(n))
      res.note("WARNING: tracker trial " + std::to_string(t + 1) + " committed " + std::to_string(tr.stats.written) +
               " of " + std::to_string(n) + " points");
    remove_quietly(d / "tracker");
    trial py = raw_sqlite_trial(d / "pyramid", n, raw_layout::points_pyramid);
    pyramid_rate.push_back(N / py.seconds);
    pyramid_cpu.push_back(py.cpu_seconds * 1e9 / N);
    remove_quietly(d / "pyramid");
    trial fi = raw_file_trial(d / "file", n);
    file_rate.push_back(N / fi.seconds);
    file_cpu.push_back(fi.cpu_seconds * 1e9 / N);
    if (t == 0) {
      sqlite_read_ns = sq.read_seconds * 1e9 / N;
      trial alt = raw_sqlite_trial(d / "without-rowid", n, raw_layout::without_rowid, true);
      alt_rate = N / alt.seconds;
      alt_read_ns = alt.read_seconds * 1e9 / N;
    }
    remove_quietly(d);
  }
  double tracker_m = median_of(tracker_rate), sqlite_m = median_of(sqlite_rate), pyramid_m = median_of(pyramid_rate),
         file_m = median_of(file_rate), log_m = median_of(tracker_log_rate);
  const double M = 1e6;
  res.add_target("b", "tracker_points_per_s", "tracker: log() x N then flush(), until committed", tracker_m / M,
                 "M points/s", 3, false, 2.0)
      .note = "median of " + std::to_string(cfg.trials) + " trials, N = " + count_text(n) +
              ", default queue (65,536) and policy block; tensorboard_logger: 2.0 M points/s (issue 7)";
  res.add("b", "tracker_enqueue_points_per_s", "tracker: until the last log() returned", log_m / M, "M points/s", 3)
      .note = "the caller runs ahead of the writer by at most the queue";
  res.add("b", "tracker_commits_per_trial", "transactions per trial (last trial)",
          static_cast<double>(last_stats.commits), "commits", 0)
      .note = "log() calls that waited for room: " + count_text(static_cast<std::int64_t>(last_stats.blocked));
  res.add_target("b", "ratio_tracker_vs_raw_sqlite", "ratio tracker / raw SQLite (one row per point)",
                 tracker_m / sqlite_m, "x", 3, false, 0.9)
      .note = "raw SQLite writes the per-point rows of schemas 1-3; the store now writes blocks (schema 4)";
  res.add("b", "ratio_tracker_vs_raw_sqlite_pyramid", "ratio tracker / raw SQLite + pyramid rows",
          tracker_m / pyramid_m, "x", 3)
      .note = "same rows as the writer commits, written inline by one thread";
  res.add("c", "raw_sqlite_points_per_s", "raw SQLite: prepared INSERT, 32,768 rows per txn", sqlite_m / M,
          "M points/s", 3)
      .note = "same table + index, WAL, synchronous=NORMAL, fresh file, multi-threaded process";
  res.add("c", "raw_sqlite_single_thread_points_per_s", "raw SQLite, while the process had one thread",
          single.points_per_s / M, "M points/s", 3)
      .note = "one trial, first thing in the run; threads then: " + std::to_string(single.threads) +
              "; tracker / this = " + fixed(tracker_m / single.points_per_s, 3) + "x";
  res.add("c", "raw_sqlite_pyramid_points_per_s", "raw SQLite + pyramid rows and summary per txn", pyramid_m / M,
          "M points/s", 3);
  res.add("c", "raw_file_points_per_s", "raw file: fwrite of 32-byte records", file_m / M, "M points/s", 3).note =
      "absolute limit; tracker / file = " + fixed(tracker_m / file_m, 3) + "x";
  res.add("c", "raw_sqlite_without_rowid_points_per_s", "raw SQLite, alternative layout WITHOUT ROWID", alt_rate / M,
          "M points/s", 3)
      .note = "PRIMARY KEY (sid, step, seq), one B-tree instead of two; one trial; vs store layout " +
              fixed(alt_rate / sqlite_rate.front(), 2) + "x";
  res.add("d", "read_plain_sql_store_layout_ns", "plain SQL read, store layout, " + count_text(n) + " points",
          sqlite_read_ns, "ns/point", 0)
      .note = "SELECT in step order right after the inserts (first trial), into a vector";
  res.add("d", "read_plain_sql_without_rowid_ns", "plain SQL read, WITHOUT ROWID layout, same points", alt_read_ns,
          "ns/point", 0)
      .note = "vs store layout " + fixed(alt_read_ns / sqlite_read_ns, 2) + "x the time";
  double tracker_c = median_of(tracker_cpu), sqlite_c = median_of(sqlite_cpu), pyramid_c = median_of(pyramid_cpu);
  res.add("b", "tracker_cpu_ns_per_point", "tracker: CPU time per point (all threads)", tracker_c, "ns", 0).note =
      "raw SQLite " + fixed(sqlite_c, 0) + " ns, raw SQLite + pyramid " + fixed(pyramid_c, 0) + " ns, raw file " +
      fixed(median_of(file_cpu), 0) + " ns";
  double writer_c = median_of(writer_cpu);
  res.add("b", "tracker_writer_cpu_ns_per_point", "tracker: of which the writer thread", writer_c, "ns", 0).note =
      "caller thread " + fixed(tracker_c - writer_c, 0) + " ns (log() plus waiting for room); /proc ticks, +-10 ms";
  res.add("b", "ratio_cpu_raw_sqlite_vs_tracker", "CPU efficiency: raw SQLite CPU / tracker CPU", sqlite_c / tracker_c,
          "x", 3)
      .note = "raw SQLite + pyramid CPU / writer CPU = " + fixed(pyramid_c / writer_c, 3) + "x";
  auto spread = [&](const std::vector<double>& v) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return fixed(*lo / M, 3) + ".." + fixed(*hi / M, 3);
  };
  res.note("(b)+(c) trial spread, M points/s: tracker " + spread(tracker_rate) + ", raw SQLite " + spread(sqlite_rate) +
           ", raw SQLite + pyramid " + spread(pyramid_rate) + ", raw file " + spread(file_rate));
}

}  // namespace bench
