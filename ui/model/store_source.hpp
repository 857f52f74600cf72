// store_source.hpp — the viewer's ONLY door to the store: an adapter over tracker::reader.
//
// Everything the viewer reads goes through this class, so when the core's read API grows
// (data_version(), batched summaries, points_after() cursors, buckets with time ranges, read
// snapshots) only store_source.cpp changes. Today it codes around what is missing:
//
//   need                          core today                      fallback here
//   ----------------------------  ------------------------------  -------------------------------
//   "anything committed since?"   (none)                          stat() of tracker.db and -wal
//   summaries of many runs        summaries(run), one per run     a loop
//   new points since last read    points(run, key, from, to)      points(step > last step read)
//   time range of a bucket        (none)                          raw points for short series,
//                                                                 else interpolated (see .cpp)
//
// Thread rule: one store_source per thread (it owns one read-only connection). The loader
// thread owns the viewer's; tests create their own. It never writes to the store.
#pragma once

#include <tracker/query.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace tracker::ui {

// A bucket of a series with the time range it covers: one pixel column of a chart.
// min/max are NaN when the bucket holds no finite value; t_first/t_last are unix seconds.
struct span_bucket {
  std::int64_t step_begin = 0;
  std::int64_t step_end = 0;
  std::int64_t last_step = 0;
  std::int64_t count = 0;
  double min = 0;
  double max = 0;
  double last = 0;
  double t_first = 0;
  double t_last = 0;
};

// Counters a test or a benchmark reads to prove what a refresh cost.
struct source_stats {
  std::uint64_t queries = 0;      // calls into the reader
  std::uint64_t points_read = 0;  // raw points returned by the reader
  std::uint64_t buckets_read = 0; // buckets returned by the reader
};

class store_source {
 public:
  // Opens an existing store read-only. Throws tracker::error with a message a user can act
  // on: no directory, no tracker.db in it (empty store), newer schema, damaged file.
  static store_source open(const std::string& store_dir);

  const std::string& store_dir() const { return dir_; }

  // A token that changes whenever something was committed. Equal tokens: nothing to read.
  std::uint64_t data_version();

  std::vector<run_info> runs();
  std::map<std::string, std::vector<metric_summary>> summaries(const std::vector<std::string>& run_ids);

  // Points with step > after_step, in step order (the "only what is new" read of a live run).
  std::vector<point> points_after(const std::string& run_id, const std::string& key,
                                  std::int64_t after_step);
  // Raw points in [from, to] as one-point buckets (exact times).
  std::vector<span_bucket> raw(const std::string& run_id, const std::string& key,
                               std::int64_t from = std::numeric_limits<std::int64_t>::min(),
                               std::int64_t to = std::numeric_limits<std::int64_t>::max());
  // At most max_buckets buckets over [from, to] from the store's pyramid. When the core cannot
  // tell a bucket's time range yet, times are interpolated between (first_step, t0) and
  // (last_step, t1), which the caller passes from the series it knows.
  std::vector<span_bucket> buckets(const std::string& run_id, const std::string& key,
                                   std::int64_t from, std::int64_t to, std::size_t max_buckets,
                                   std::int64_t step0, double t0, std::int64_t step1, double t1);

  const source_stats& stats() const { return stats_; }

 private:
  store_source(reader r, std::string dir) : reader_(std::move(r)), dir_(std::move(dir)) {}
  reader reader_;
  std::string dir_;
  source_stats stats_;
};

// The store directory by the usual rule: the flag, else $TRACKER_DIR, else ./tracker-store.
std::string default_store_dir();

}  // namespace tracker::ui
