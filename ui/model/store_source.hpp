// store_source.hpp — the viewer's ONLY door to the store: an adapter over tracker::reader.
//
// Everything the viewer reads goes through this class, so a change of the core's read API
// touches only store_source.cpp. It uses the reads made for a polling viewer: data_version()
// (an idle poll is one PRAGMA), summaries_of(), one global insertion-order cursor
// (cursor_now() once, then points_since() every poll: every new point of every series, late
// points for old steps included, in one query), buckets with time ranges, read snapshots,
// and object_index()/object() for confusion matrices, tables and histograms (the body of
// one object at a time, never every body), and media() for the images those refer to.
//
// Thread rule: one store_source per thread (it owns one read-only connection). The loader
// thread owns the viewer's; tests create their own. It never writes to the store.
#pragma once

#include <tracker/query.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
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
  std::uint64_t queries = 0;       // calls into the reader
  std::uint64_t points_read = 0;   // raw points returned by the reader
  std::uint64_t buckets_read = 0;  // buckets returned by the reader
  std::uint64_t objects_read = 0;  // object bodies returned by the reader
};

class store_source {
 public:
  // Opens an existing store read-only. Throws tracker::error with a message a user can act
  // on: no directory, no tracker.db in it (empty store), newer schema, damaged file.
  static store_source open(const std::string& store_dir);

  const std::string& store_dir() const { return dir_; }

  // A token that changes whenever another connection committed. Equal: nothing to read.
  // One PRAGMA, no table read (not counted in stats().queries).
  std::uint64_t data_version();

  // While the returned object lives, every read sees one committed state.
  reader::snapshot snapshot() const { return reader_.begin_snapshot(); }

  std::vector<run_info> runs();
  // Summaries of many runs in one query.
  std::map<std::string, std::vector<metric_summary>> summaries(
      const std::vector<std::string>& run_ids);

  // Points written after cursor, in insertion order (0: from the first), at most limit.
  point_batch points_after(const std::string& run_id, const std::string& key, std::int64_t cursor,
                           std::size_t limit = 1'000'000);
  // Points with step > after_step, in step order (the tail a stale summary did not cover).
  std::vector<point> points_after_step(const std::string& run_id, const std::string& key,
                                       std::int64_t after_step);
  // Every point written after cursor, grouped by series, in insertion order (one query).
  point_changes points_since(std::int64_t cursor, std::size_t limit = 1'000'000);
  // The cursor of the newest point: start a poll loop here (inside the first load's snapshot).
  std::int64_t cursor_now();
  // Objects of a run without bodies (latest step last), and one object's body.
  std::vector<object_info> object_index(const std::string& run_id, const std::string& key = "",
                                        const std::string& kind = "");
  std::optional<object_record> object(const std::string& run_id, const std::string& key,
                                      std::int64_t step);
  // A media file by its key ("media/<run>/...", as image cells hold it); nullopt when the store
  // has no such file. Throws invalid_argument for anything else (never a read outside media/).
  std::optional<std::vector<std::uint8_t>> media(const std::string& key);
  // At most max_buckets buckets over [from, to] from the store's pyramid, with time ranges.
  std::vector<span_bucket> buckets(const std::string& run_id, const std::string& key,
                                   std::int64_t from, std::int64_t to, std::size_t max_buckets);

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
