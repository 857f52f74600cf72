// sqlite_backend.hpp — the SQLite implementation of store::backend (internal to the store
// layer; store::open is the way in). Its definitions:
//   sqlite_backend.cpp         open, transactions, runs, config, tags, polling reads, maintenance
//   sqlite_backend_points.cpp  series, points (blocks: point_blocks.hpp), buckets, objects
//   sqlite_backend_schema.cpp  schema check, migrations, WAL
//
// Why these settings: WAL lets readers (CLI, viewer) read while a writer commits;
// synchronous=NORMAL in WAL mode keeps every commit that returned across a process kill (only
// an OS crash may lose the last commits); BEGIN IMMEDIATE takes the write lock up front so two
// writers never deadlock upgrading a read lock. Busy waits are handled by our own busy handler
// that never gives up for writers, so "database is locked" never reaches a user.
#pragma once

#include "store/backend.hpp"
#include "store/point_blocks.hpp"
#include "store/sqlite_checkpointer.hpp"
#include "store/sqlite_production.hpp"
#include "store/sqlite_statement.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace tracker::store {

class sqlite_backend final : public backend {
 public:
  sqlite_backend(const std::string& dir, access mode, std::chrono::milliseconds lock_timeout);
  ~sqlite_backend() override;
  void expect_heavy_writes() override;
  production_tables& production() override { return *production_; }
  media_sink& media() override { return *media_; }

  // ---- [SECTION] transactions -------------------------------------------------------------
  void begin_write() override;
  void commit() override;
  void rollback() noexcept override;
  void set_lock_timeout(std::chrono::milliseconds timeout) override { lock_timeout_ = timeout; }
  void set_wait_observer(std::function<void(double, std::uint64_t)> observer) override;

  // ---- [SECTION] runs, config, tags -------------------------------------------------------
  std::optional<run_record> find_run(const std::string& id) override;
  std::int64_t insert_run(const run_record& r) override;
  void update_run_process(std::int64_t rid, const run_record& r) override;
  void update_run_status(std::int64_t rid, run_status st, const std::string& reason,
                         std::optional<double> ended_at) override;
  void touch_heartbeats(const std::vector<std::int64_t>& rids, double now) override;
  std::int64_t count_runs(const std::string& project) override;
  std::vector<run_record> list_runs(bool include_deleted, const std::string& project) override;
  std::vector<run_record> find_runs_by_name(const std::string& name) override;
  std::optional<run_record> latest_run() override;
  std::vector<std::pair<std::int64_t, std::string>> tags_of(const std::vector<std::int64_t>& rids) override;
  std::vector<std::tuple<std::int64_t, std::string, std::string>> config_of(
      const std::vector<std::int64_t>& rids) override;
  std::vector<std::pair<std::string, std::string>> config(std::int64_t rid) override;
  void put_config(std::int64_t rid, const std::string& key, const std::string& json) override;
  std::vector<std::string> tags(std::int64_t rid) override;
  void add_tag(std::int64_t rid, const std::string& tag) override;
  void remove_tag(std::int64_t rid, const std::string& tag) override;
  void set_note(std::int64_t rid, const std::string& note) override;

  // ---- [SECTION] series, points, buckets, objects -----------------------------------------
  std::optional<series_record> find_series(std::int64_t rid, const std::string& key) override;
  std::int64_t insert_series(std::int64_t rid, const std::string& key, goal g) override;
  void set_series_goal(std::int64_t sid, goal g) override;
  void update_series_summary(std::int64_t sid, const metric_summary& m) override;
  std::vector<series_record> list_series(std::int64_t rid) override;
  std::vector<series_record> list_series_of(const std::vector<std::int64_t>& rids,
                                            const std::vector<std::string>& keys) override;
  std::int64_t max_step(std::int64_t rid) override;
  void insert_points(const std::vector<point_row>& rows) override;
  std::vector<point> read_points(std::int64_t sid, std::int64_t from, std::int64_t to) override;
  std::optional<bucket_row> find_bucket(std::int64_t sid, int level, std::int64_t index) override;
  void upsert_buckets(const std::vector<bucket_row>& rows) override;
  std::optional<std::int64_t> top_bucket(std::int64_t sid, int level) override;
  void seal_open_blocks(std::int64_t rid) override;
  std::vector<bucket_row> read_buckets(std::int64_t sid, int level, std::int64_t first,
                                       std::int64_t last) override;
  std::vector<sequenced_point> read_points_since(std::int64_t cursor, std::size_t limit) override;
  std::vector<series_name> series_names(const std::vector<std::int64_t>& sids) override;
  std::int64_t newest_point_seq() override;
  std::vector<sequenced_point> read_points_after(std::int64_t sid, std::int64_t cursor,
                                                 std::size_t limit) override;
  void insert_object(std::int64_t rid, const object_record& o) override;
  std::vector<object_record> read_objects(std::int64_t rid, const std::string& key,
                                          const std::string& kind) override;
  std::vector<object_info> list_objects(std::int64_t rid, const std::string& key,
                                         const std::string& kind) override;
  std::optional<object_record> find_object(std::int64_t rid, const std::string& key,
                                           std::optional<std::int64_t> step) override;

  // ---- [SECTION] reads for polling --------------------------------------------------------
  std::uint64_t data_version() override;
  void begin_read() override;
  void end_read() noexcept override;

  // ---- [SECTION] maintenance --------------------------------------------------------------
  void mark_deleted(std::int64_t rid, double now) override;
  std::vector<std::string> purge_deleted() override;

 private:
  // ---- [SECTION] point blocks: the open block of each series ------------------------------
  // A prepared statement for what sqlite_statement.hpp does not bind (blobs).
  class raw_statement {
   public:
    raw_statement(sqlite3* db, const std::string& sql) : db_(db) {
      if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr) != SQLITE_OK)
        sqlite::fail(db, "prepare failed for: " + sql);
    }
    ~raw_statement() { sqlite3_finalize(st_); }
    raw_statement(const raw_statement&) = delete;
    raw_statement& operator=(const raw_statement&) = delete;
    void reset() { sqlite3_reset(st_); }
    void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(st_, i, v)); }
    void bind_blob(int i, const std::string& b) {  // b must outlive the step
      check(sqlite3_bind_blob(st_, i, b.data(), static_cast<int>(b.size()), SQLITE_STATIC));
    }
    bool step() {
      int rc = sqlite3_step(st_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      sqlite::fail(db_, std::string("statement failed: ") + sqlite3_sql(st_));
    }
    std::int64_t i64(int c) const { return sqlite3_column_int64(st_, c); }
    bool is_null(int c) const { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
    double real(int c) const {
      return is_null(c) ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(st_, c);
    }
    const void* blob(int c) const { return sqlite3_column_blob(st_, c); }
    int bytes(int c) const { return sqlite3_column_bytes(st_, c); }

   private:
    void check(int rc) {
      if (rc != SQLITE_OK) sqlite::fail(db_, "bind failed");
    }
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
  };
  raw_statement& raw(const std::string& sql);

  // The open block of a series as this connection last wrote it. Checked against the store on
  // every use (another process may have written the series since), dropped on rollback.
  // A series' open block: the points after its last full block. They are stored as its tail,
  // rows of points_tail, one per commit that added to it (appended, never rewritten), until
  // they reach block_points(); then the tail rows become one full block of points (sealed).
  struct head_state {
    block_builder block;             // every point of the tail, in logging order
    std::vector<std::int64_t> tail;  // seqs (rowids) of the tail's rows, oldest first
    std::int64_t latest = 0;         // seq of the series' newest row, 0 if none
    std::int64_t floor = std::numeric_limits<std::int64_t>::min();  // max step of the blocks in points
  };
  std::int64_t latest_block(std::int64_t sid);
  head_state& head_of(std::int64_t sid);
  void insert_block(raw_statement& ins, std::int64_t sid, const block_builder& b);
  static constexpr const char* insert_block_sql =
      "INSERT INTO points(seq, sid, n, first_seq, min_step, max_step, ordered, data)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
  static constexpr const char* insert_tail_sql =
      "INSERT INTO points_tail(seq, sid, n, first_seq, min_step, max_step, ordered, data)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

  // Replaces the tail's rows by one full block of its points; the next point starts a new tail.
  void seal_head(std::int64_t sid, head_state& h);
  bool points_in_blocks();

  // Migration 4: the rows of schema 3's points table (renamed points_v3) become blocks; a
  // point's seq is its old rowid, so cursors held by viewers stay valid.
  void convert_points_v3();

  // ---- [SECTION] open, schema check and migrations ----------------------------------------
  void configure_and_migrate(const std::string& path);

  // WAL is persistent in the file, so only the first opener switches it. Switching needs an
  // exclusive lock and SQLite answers SQLITE_BUSY at once, without the busy handler, while
  // another process is creating the same store: retry here (found by a regression test).
  void enable_wal();
  std::int64_t table_count();
  static std::string uri_escape(const std::string& path);
  int pragma_int(const char* name);
  void exec(const std::string& sql);
  void reset_active_statements() { sqlite::reset_active_statements(db_); }
  sqlite::statement& stmt(const std::string& sql) { return statements_.get(sql); }

  static std::string run_select_sql(const std::string& tail);
  run_record read_run(sqlite::statement& s);
  static bucket_row read_bucket(sqlite::statement& s, std::int64_t sid, int level);
  static std::string series_select_sql(const std::string& tail);
  series_record read_series(sqlite::statement& s);

  // Busy handler: writers wait as long as it takes (reporting how long); readers give up after
  // 10 s, which only happens while another process recovers a crashed WAL.
  static int on_busy(void* self_ptr, int retries);

  sqlite3* db_ = nullptr;
  access mode_;
  std::chrono::milliseconds lock_timeout_;  // longest wait for another process's write lock
  sqlite::statement_cache statements_{db_};
  std::unique_ptr<production_tables> production_ = make_sqlite_production(db_);
  std::unique_ptr<media_sink> media_;  // files under <dir>/media/
  std::function<void(double, std::uint64_t)> wait_observer_;
  std::chrono::steady_clock::time_point waited_since_{};
  std::unordered_map<std::string, std::unique_ptr<raw_statement>> raw_;  // blob statements
  std::unordered_map<std::int64_t, head_state> heads_;                  // sid -> open block
  std::unordered_map<std::int64_t, std::size_t> group_;                 // insert_points scratch
  std::vector<std::vector<std::uint32_t>> order_;
  std::string blob_;
  block_builder fresh_;  // insert_points scratch: one commit's new tail row
  std::unique_ptr<wal_checkpointer> checkpointer_;  // expect_heavy_writes; destroyed before db_ closes
};

}  // namespace tracker::store
