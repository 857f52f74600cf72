// tracker/query.hpp — read a store: runs, summaries, raw and down-sampled series, objects.
//
//   tracker::reader store = tracker::reader::open("tracker-store");
//   for (const tracker::run_info& r : store.runs({.project = "fashion"}))
//       for (const tracker::metric_summary& m : store.summaries(r.id)) ...
//   auto view = store.buckets(run_id, "train/loss", 0, 10'000'000, 2000);  // chart-ready
//
// A reader has its own read-only SQLite connection (WAL lets it read while writers commit), so
// it never blocks a training process. One reader is not thread-safe: use one per thread.
// Every method throws tracker::error (run_not_found, run_ambiguous, io_error, ...).
#pragma once

#include <tracker/types.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tracker {

namespace store {
class backend;  // internal storage interface (SQLite today, PostgreSQL later)
}
namespace detail {
struct reader_access;  // lets other read modules of the library (production) share the connection
}

// A condition on a run: "config.lr=0.001", "val/acc>=0.85", "train/loss.min<0.3".
// ops: = != < <= > >=. For config, the value compares as a number when both sides are numbers,
// else as text (JSON strings without quotes). For metrics, field is last|min|max|best|count.
struct condition {
  enum class subject : std::uint8_t { config, metric };
  subject on = subject::metric;
  std::string key;            // config key (dotted) or metric key
  std::string field = "last"; // metrics only
  std::string op;             // "=", "!=", "<", "<=", ">", ">="
  std::string value;          // right-hand side as written
};

// Parses "val/acc>=0.85", "train/loss.min<0.3", "config.lr=0.001". Throws invalid_argument.
// Only the suffixes .last/.min/.max/.best/.count name a field; any other dot belongs to the key
// (keys may contain dots), so "val/acc.median>0" is a gate on a metric named "val/acc.median".
condition parse_condition(const std::string& text);

// The outcome of one condition against one run, for gates and filters.
struct condition_result {
  bool passed = false;
  std::optional<double> actual;  // the metric field's value, when there is one
  std::string actual_text;       // what was compared, as text ("missing" if absent)
};

struct run_filter {
  std::optional<std::string> project;
  std::optional<run_status> status;  // effective status (so "crashed" filters work)
  std::vector<std::string> tags;     // all must be present
  std::vector<condition> where;      // all must hold
  bool include_deleted = false;
};

class reader {
 public:
  // Opens an existing store read-only. Throws store_open_failed when there is no store,
  // schema_too_new when a newer tracker wrote it.
  static reader open(const std::string& store_dir);

  reader(reader&&) noexcept;
  reader& operator=(reader&&) noexcept;
  ~reader();

  const std::string& store_dir() const;

  // Runs matching the filter, newest first.
  std::vector<run_info> runs(const run_filter& filter = {}) const;
  // A run by id, by name when unique, or "latest" (most recently created, not deleted).
  run_info run(const std::string& ref) const;

  std::vector<metric_summary> summaries(const std::string& run_id) const;
  std::optional<metric_summary> summary(const std::string& run_id, const std::string& key) const;

  // Raw points of one series with step in [from, to], in step order (ties in logging order).
  std::vector<point> points(const std::string& run_id, const std::string& key,
                            std::int64_t from = std::numeric_limits<std::int64_t>::min(),
                            std::int64_t to = std::numeric_limits<std::int64_t>::max()) const;

  // At most max_buckets buckets covering steps [from, to], read from the precomputed pyramid
  // (never every raw point of a long series). A short range comes back one point per bucket.
  std::vector<bucket> buckets(const std::string& run_id, const std::string& key,
                              std::int64_t from, std::int64_t to, std::size_t max_buckets) const;

  // Stored objects of a run; kind/key filters are optional. Latest step last.
  std::vector<object_record> objects(const std::string& run_id, const std::string& key = "",
                                     const std::string& kind = "") const;
  // The object under key at step, or the latest one when step is empty.
  std::optional<object_record> object(const std::string& run_id, const std::string& key,
                                      std::optional<std::int64_t> step = {}) const;

  // A media file by its store-relative key ("media/<run>/...", as run::log_media returned it and
  // image cells hold): its bytes, or nullopt when the store has no such file (gc removed it, or
  // it was deleted by hand). invalid_argument for anything else (absolute, "..", control
  // characters): never a read outside the store's media.
  std::optional<std::vector<std::uint8_t>> media(const std::string& key) const;

  // Evaluates a condition against a run (config or metric summary).
  condition_result evaluate(const run_info& run, const condition& c) const;

  // ---- reads for a viewer that polls ---------------------------------------------------------
  //   auto v = store.data_version();               // each poll: nothing else if unchanged
  //   if (v != last) { auto snap = store.snapshot(); ...reads that must agree...; last = v; }
  //
  // Summaries of many runs in one query: result[i] belongs to run_ids[i] (an unknown id gets
  // an empty list). Empty keys: every key.
  std::vector<std::vector<metric_summary>> summaries_of(const std::vector<std::string>& run_ids,
                                                        const std::vector<std::string>& keys = {}) const;
  // Points of one series written after cursor (0: from the first), in insertion order, so a
  // point logged late for an old step is not missed. At most limit points per call.
  point_batch points_after(const std::string& run_id, const std::string& key, std::int64_t cursor,
                           std::size_t limit = 1'000'000) const;
  // Every point written to the store after cursor (0: from the first), grouped by series: one
  // query per poll however many runs are live. cursor_now() starts a poll loop at "now".
  point_changes points_since(std::int64_t cursor, std::size_t limit = 1'000'000) const;
  std::int64_t cursor_now() const;
  // The objects of a run without their bodies (kind/key filters optional), latest step last.
  std::vector<object_info> object_index(const std::string& run_id, const std::string& key = "",
                                        const std::string& kind = "") const;
  // Changes whenever another process commits to the store; equal values mean nothing new.
  // Costs one PRAGMA, no table read: an idle viewer polls only this.
  std::uint64_t data_version() const;

  // A read snapshot: while it lives, every read of this reader sees one committed state
  // (writers go on committing; their changes show after the snapshot ends). Not nestable.
  class snapshot {
   public:
    snapshot(snapshot&& other) noexcept : backend_(other.backend_) { other.backend_ = nullptr; }
    snapshot(const snapshot&) = delete;
    snapshot& operator=(const snapshot&) = delete;
    snapshot& operator=(snapshot&&) = delete;
    ~snapshot();

   private:
    friend class reader;
    explicit snapshot(store::backend* b) : backend_(b) {}
    store::backend* backend_;
  };
  snapshot begin_snapshot() const;

 private:
  friend struct detail::reader_access;
  explicit reader(std::unique_ptr<store::backend> backend, std::string dir);
  std::unique_ptr<store::backend> backend_;
  std::string dir_;
};

// ---- maintenance (short-lived read-write connection; safe while runs are logging) ---------
// Both wait at most lock_timeout for a store another process keeps locked, then throw
// error_code::timeout naming that process where the OS tells.
// Marks a run deleted: it disappears from listings; gc() removes its rows and media.
void delete_run(const std::string& store_dir, const std::string& run_id,
                std::chrono::milliseconds lock_timeout = std::chrono::seconds(10));
// Removes deleted runs' rows, then their media (media/<run id>/...) and the media of any run
// without a row (left by a crash between the two). Returns how many runs it purged. Throws
// io_error naming the runs whose media could not be removed (their rows are gone; gc again).
std::size_t gc(const std::string& store_dir, std::chrono::milliseconds lock_timeout = std::chrono::seconds(10));
// Brings an existing store written by an older tracker to this version's schema, in place
// (atomically; it waits while another process writes). A no-op on a current store. Readers
// refuse an older schema, so a command that writes calls this before it reads. Throws
// store_open_failed for a missing store (nothing is created) and for a newer schema.
void upgrade_store(const std::string& store_dir, std::chrono::milliseconds lock_timeout = std::chrono::seconds(10));

}  // namespace tracker
