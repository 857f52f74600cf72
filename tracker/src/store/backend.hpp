// backend.hpp — the storage interface. Everything dialect-specific (SQL text, PRAGMAs,
// locking, migrations) lives behind it; SQLite is the first implementation, PostgreSQL is
// planned as the second. Callers above this line (writer, reader) only see rows.
//
// Thread safety: a backend is one connection; use it from one thread at a time. Its media sink
// (media()) is the exception: any thread may use it while the backend lives.
// Errors: every method throws tracker::error (io_error unless stated otherwise).
#pragma once

#include <tracker/types.hpp>

#include "store/media_sink.hpp"
#include "store/production_tables.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace tracker::store {

// The current schema version; migrations 1..current are applied on write-open.
constexpr int schema_version = 6;

// A run row: what readers see plus what only the writer needs.
struct run_record : run_info {
  std::int64_t rid = 0;        // integer key used by every other table
  std::int64_t pid_start = 0;  // process start time (clock ticks) to tell a reused pid apart
};

// A series = one metric key of one run. The summary is kept current by the writer.
struct series_record {
  std::int64_t sid = 0;
  std::int64_t rid = 0;
  metric_summary summary;  // summary.key is the metric key
};

struct point_row {
  std::int64_t sid;
  std::int64_t step;
  double time;
  double value;  // NaN is stored as NULL
};

// One bucket of the down-sampling pyramid (see aggregate.hpp).
struct bucket_row {
  std::int64_t sid = 0;
  int level = 0;
  std::int64_t index = 0;  // floor(step / width(level))
  std::int64_t count = 0;
  std::optional<double> min;
  std::optional<double> max;
  double last = 0;
  std::int64_t last_step = 0;
  double first_time = 0;  // unix seconds of the earliest / latest point in the bucket
  double last_time = 0;
};

// One point with its position in insertion order (the cursor of incremental reads).
struct sequenced_point {
  std::int64_t seq = 0;
  point value;
  std::int64_t sid = 0;  // set by read_points_since (every series at once)
};

// Which run and key a series is.
struct series_name {
  std::int64_t sid = 0;
  std::string run_id;
  std::string key;
};

enum class access : std::uint8_t { read_only, read_write };

class backend {
 public:
  virtual ~backend() = default;

  // ---- transactions (read_write) -------------------------------------------------------
  // begin_write takes the store's write lock, waiting while another process holds it (up to
  // the lock_timeout given to open_sqlite, then error timeout; never "database is locked");
  // the wait observer is told how long it has waited so far.
  virtual void begin_write() = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  // Called while begin_write waits for another writer: (seconds waited, retries so far).
  virtual void set_wait_observer(std::function<void(double, std::uint64_t)> observer) = 0;
  // Changes the lock_timeout given to open_sqlite (the writer thread uses a short one).
  virtual void set_lock_timeout(std::chrono::milliseconds timeout) = 0;

  // ---- runs ------------------------------------------------------------------------------
  virtual std::optional<run_record> find_run(const std::string& id) = 0;
  virtual std::int64_t insert_run(const run_record& r) = 0;  // returns rid
  virtual void update_run_process(std::int64_t rid, const run_record& r) = 0;  // resume
  virtual void update_run_status(std::int64_t rid, run_status s, const std::string& reason,
                                 std::optional<double> ended_at) = 0;
  virtual void touch_heartbeats(const std::vector<std::int64_t>& rids, double now) = 0;
  virtual std::int64_t count_runs(const std::string& project) = 0;
  // Newest first; a non-empty project filters through its index.
  virtual std::vector<run_record> list_runs(bool include_deleted, const std::string& project) = 0;
  // Lookups by index (never a scan of every run); deleted runs are not returned.
  virtual std::vector<run_record> find_runs_by_name(const std::string& name) = 0;
  virtual std::optional<run_record> latest_run() = 0;
  // Tags and config of many runs in one query each: (rid, tag) and (rid, key, JSON text).
  virtual std::vector<std::pair<std::int64_t, std::string>> tags_of(const std::vector<std::int64_t>& rids) = 0;
  virtual std::vector<std::tuple<std::int64_t, std::string, std::string>> config_of(
      const std::vector<std::int64_t>& rids) = 0;

  // Config: flattened "a.b" keys with JSON-text values.
  virtual std::vector<std::pair<std::string, std::string>> config(std::int64_t rid) = 0;
  virtual void put_config(std::int64_t rid, const std::string& key, const std::string& json) = 0;
  virtual std::vector<std::string> tags(std::int64_t rid) = 0;
  virtual void add_tag(std::int64_t rid, const std::string& tag) = 0;
  virtual void remove_tag(std::int64_t rid, const std::string& tag) = 0;
  virtual void set_note(std::int64_t rid, const std::string& note) = 0;

  // ---- series, points, buckets -----------------------------------------------------------
  virtual std::optional<series_record> find_series(std::int64_t rid, const std::string& key) = 0;
  virtual std::int64_t insert_series(std::int64_t rid, const std::string& key, goal g) = 0;
  virtual void set_series_goal(std::int64_t sid, goal g) = 0;
  virtual void update_series_summary(std::int64_t sid, const metric_summary& s) = 0;
  virtual std::vector<series_record> list_series(std::int64_t rid) = 0;
  // Series of many runs in one query; empty keys means every key.
  virtual std::vector<series_record> list_series_of(const std::vector<std::int64_t>& rids,
                                                    const std::vector<std::string>& keys) = 0;
  virtual std::int64_t max_step(std::int64_t rid) = 0;  // highest step of any series; -1 if none

  virtual void insert_points(const std::vector<point_row>& rows) = 0;
  virtual std::vector<point> read_points(std::int64_t sid, std::int64_t from, std::int64_t to) = 0;
  // Points of a series inserted after cursor (0 = from the start), in insertion order, at most
  // limit of them. The seq of the last one is the next cursor.
  virtual std::vector<sequenced_point> read_points_after(std::int64_t sid, std::int64_t cursor,
                                                         std::size_t limit) = 0;
  // Points of every series inserted after cursor, in insertion order, at most limit.
  virtual std::vector<sequenced_point> read_points_since(std::int64_t cursor, std::size_t limit) = 0;
  virtual std::vector<series_name> series_names(const std::vector<std::int64_t>& sids) = 0;
  virtual std::int64_t newest_point_seq() = 0;  // 0 for none

  virtual std::optional<bucket_row> find_bucket(std::int64_t sid, int level,
                                                std::int64_t index) = 0;
  virtual void upsert_buckets(const std::vector<bucket_row>& rows) = 0;
  // A run is closing: its series' newest points, kept apart while the run was live so that
  // commits stay cheap, join the rest (SQLite: points_tail rows become blocks of points).
  virtual void seal_open_blocks(std::int64_t rid) = 0;
  // The highest bucket index stored for a series at a level (none when it has no bucket
  // there). Below it, buckets are exact; from it up, readers use finer levels (writer_pyramid.cpp).
  virtual std::optional<std::int64_t> top_bucket(std::int64_t sid, int level) = 0;
  virtual std::vector<bucket_row> read_buckets(std::int64_t sid, int level, std::int64_t first,
                                               std::int64_t last) = 0;

  // ---- objects ---------------------------------------------------------------------------
  virtual void insert_object(std::int64_t rid, const object_record& o) = 0;
  virtual std::vector<object_record> read_objects(std::int64_t rid, const std::string& key,
                                                  const std::string& kind) = 0;
  virtual std::vector<object_info> list_objects(std::int64_t rid, const std::string& key,
                                                 const std::string& kind) = 0;
  // The object under key at step (the last logged one on a tie), or the latest step's.
  virtual std::optional<object_record> find_object(std::int64_t rid, const std::string& key,
                                                   std::optional<std::int64_t> step) = 0;

  // ---- reads that a polling viewer needs ---------------------------------------------------
  // A number that changes whenever another connection commits; equal values mean nothing new.
  virtual std::uint64_t data_version() = 0;
  // A read snapshot: every read between begin_read and end_read sees one committed state.
  virtual void begin_read() = 0;
  virtual void end_read() noexcept = 0;

  // ---- production monitoring (production_tables.hpp), on this connection ---------------------
  virtual production_tables& production() = 0;

  // ---- media files (media_sink.hpp): the store's sink, given with the backend ----------------
  virtual media_sink& media() = 0;

  // A long-lived writer of much data (the ingest server, imports, the production client's
  // local store) asks the store to keep maintenance off its commit path. SQLite: WAL
  // checkpoints (a copy into the database file and two syncs, while every waiting commit
  // waits) run on a thread of their own past 1,000 pages, inline only past 8,000
  // (store/sqlite_checkpointer.hpp; docs/performance.md, "Production ingest"). Other backends
  // may ignore it.
  virtual void expect_heavy_writes() {}

  // ---- maintenance -----------------------------------------------------------------------
  virtual void mark_deleted(std::int64_t rid, double now) = 0;
  // Deletes every row of deleted runs; returns their ids (their media go through media()).
  virtual std::vector<std::string> purge_deleted() = 0;
};

// A write transaction: begins on construction, rolls back on destruction unless committed
// (never throws on the way out). The one way code above the backend writes.
class write_transaction {
 public:
  explicit write_transaction(backend& b) : b_(b) { b_.begin_write(); }
  ~write_transaction() {
    if (!done_) b_.rollback();
  }
  write_transaction(const write_transaction&) = delete;
  write_transaction& operator=(const write_transaction&) = delete;
  void commit() {
    b_.commit();
    done_ = true;
  }

 private:
  backend& b_;
  bool done_ = false;
};

// Opens (read_write: creates and migrates) the SQLite store in directory dir.
// Throws store_open_failed, schema_too_new, store_corrupt; a read_write connection whose
// begin_write waited longer than lock_timeout for another process throws timeout, naming
// the process that holds the lock when /proc/locks tells.
std::unique_ptr<backend> open_sqlite(const std::string& dir, access mode,
                                     std::chrono::milliseconds lock_timeout = std::chrono::milliseconds::max());

// Opens the store at a location and picks its backend: a directory is an SQLite store (the
// embedded default); "postgresql://..." is reserved for the PostgreSQL backend, which this build
// does not have yet (store_open_failed says so). The writer, the reader, gc and the CLI open
// stores only through this.
std::unique_ptr<backend> open(const std::string& location, access mode,
                              std::chrono::milliseconds lock_timeout = std::chrono::milliseconds::max());

// Path of the database file inside a store directory.
std::string database_path(const std::string& dir);

}  // namespace tracker::store
