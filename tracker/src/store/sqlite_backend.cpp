// sqlite_backend.cpp — the SQLite implementation of store::backend.
//
// [SECTION] connection and statement helpers
// [SECTION] open, schema check and migrations
// [SECTION] transactions
// [SECTION] runs, config, tags
// [SECTION] series, points, buckets, objects
// [SECTION] maintenance
//
// Why these settings: WAL lets readers (CLI, viewer) read while a writer commits;
// synchronous=NORMAL in WAL mode keeps every commit that returned across a process kill (only
// an OS crash may lose the last commits); BEGIN IMMEDIATE takes the write lock up front so two
// writers never deadlock upgrading a read lock. Busy waits are handled by our own busy handler
// that never gives up for writers, so "database is locked" never reaches a user.
#include "store/backend.hpp"
#include "store/sqlite_migrations.hpp"
#include "store/sqlite_production.hpp"
#include "store/sqlite_statement.hpp"
#include "system_info.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <thread>
#include <unordered_map>

namespace tracker::store {
namespace {

namespace fs = std::filesystem;
using sqlite::fail;
using sqlite::statement;

// =============================================================================================
// [SECTION] connection and statement helpers
// =============================================================================================

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

const char* status_text(run_status s) { return to_string(s); }

run_status status_from_text(const std::string& s) {
  return parse_run_status(s).value_or(run_status::running);
}

// =============================================================================================
// [SECTION] the backend
// =============================================================================================

class sqlite_backend final : public backend {
 public:
  sqlite_backend(const std::string& dir, access mode, std::chrono::milliseconds lock_timeout)
      : mode_(mode), lock_timeout_(lock_timeout) {
    const std::string path = database_path(dir);
    std::string open_name = path;
    int flags = mode == access::read_write ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                                           : SQLITE_OPEN_READONLY;
    if (mode == access::read_write) {
      // Only the directory now; media/ is created once the database proved to be ours, so a
      // refused foreign database leaves nothing behind.
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec)
        throw error(error_code::store_open_failed,
                    "cannot create store directory " + dir + ": " + ec.message());
    } else {
      std::error_code ec;
      bool there = fs::exists(path, ec);
      if (ec && ec != std::errc::no_such_file_or_directory)
        throw error(error_code::store_open_failed,
                    "cannot read the store at " + dir + ": " + ec.message() + " (check its permissions)");
      if (!there)
        throw error(error_code::store_open_failed,
                    "no tracker store at " + dir + " (" + path +
                        " does not exist); log a run with tracker::init first, or pass --store DIR");
      // A store on a read-only medium (or in a directory this user cannot write) with no
      // writer attached: SQLite could not create the -shm file a WAL read needs, so open the
      // file as immutable. With a writer attached, -wal/-shm exist and the normal path works.
      if (::access(dir.c_str(), W_OK) != 0 && !fs::exists(path + "-wal", ec) && !fs::exists(path + "-shm", ec)) {
        open_name = "file:" + uri_escape(path) + "?immutable=1";
        flags |= SQLITE_OPEN_URI;
      }
    }
    flags |= SQLITE_OPEN_NOMUTEX;  // one connection per thread by contract
    if (sqlite3_open_v2(open_name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw error(error_code::store_open_failed, "cannot open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_handler(db_, &sqlite_backend::on_busy, this);
    try {
      configure_and_migrate(path);
      if (mode == access::read_write) {
        std::error_code ec;
        fs::create_directories(fs::path(dir) / "media", ec);
        if (ec) throw error(error_code::store_open_failed, "cannot create " + dir + "/media: " + ec.message());
      }
    } catch (...) {
      statements_.clear();
      production_.reset();
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }

  ~sqlite_backend() override {
    statements_.clear();  // finalize before close
    production_.reset();
    if (db_) sqlite3_close(db_);
  }

  production_tables& production() override { return *production_; }

  // ---- [SECTION] transactions -------------------------------------------------------------
  void begin_write() override {
    reset_active_statements();
    waited_since_ = std::chrono::steady_clock::time_point{};
    int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if ((rc & 0xff) == SQLITE_BUSY) {
      std::string path = sqlite3_db_filename(db_, "main");
      std::string holders = detail::describe_lock_holders(path);
      throw error(error_code::timeout,
                  "the write lock of " + path + " is held by " + (holders.empty() ? "another process" : holders) +
                      " and was not released within " + std::to_string(lock_timeout_.count()) +
                      " ms; nothing was changed (is that process stopped? let it finish, or end it)");
    }
    if (rc != SQLITE_OK) fail(db_, "BEGIN IMMEDIATE failed");
  }
  void commit() override {
    reset_active_statements();
    exec("COMMIT");
  }
  void rollback() noexcept override {
    if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void set_lock_timeout(std::chrono::milliseconds timeout) override { lock_timeout_ = timeout; }
  void set_wait_observer(std::function<void(double, std::uint64_t)> observer) override {
    wait_observer_ = std::move(observer);
  }

  // ---- [SECTION] runs, config, tags -------------------------------------------------------
  std::optional<run_record> find_run(const std::string& id) override {
    auto& s = stmt(run_select_sql("WHERE id = ?1"));
    s.reset().bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_run(s);
  }

  std::int64_t insert_run(const run_record& r) override {
    stmt("INSERT INTO runs(id, project, name, status, status_reason, created_at, heartbeat_at,"
         " heartbeat_interval, host, pid, pid_start, git_commit, git_branch, note)"
         " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)")
        .reset()
        .bind(1, r.id).bind(2, r.project).bind(3, r.name).bind(4, std::string(status_text(r.stored_status)))
        .bind(5, r.status_reason).bind(6, r.created_at).bind(7, r.heartbeat_at)
        .bind(8, r.heartbeat_interval).bind(9, r.host).bind(10, r.pid).bind(11, r.pid_start)
        .bind(12, r.git_commit).bind(13, r.git_branch).bind(14, r.note)
        .run();
    return sqlite3_last_insert_rowid(db_);
  }

  void update_run_process(std::int64_t rid, const run_record& r) override {
    stmt("UPDATE runs SET status = ?2, status_reason = '', ended_at = NULL, heartbeat_at = ?3,"
         " heartbeat_interval = ?4, host = ?5, pid = ?6, pid_start = ?7,"
         " git_commit = CASE WHEN ?8 = '' THEN git_commit ELSE ?8 END,"
         " git_branch = CASE WHEN ?9 = '' THEN git_branch ELSE ?9 END WHERE rid = ?1")
        .reset()
        .bind(1, rid).bind(2, std::string(status_text(r.stored_status))).bind(3, r.heartbeat_at)
        .bind(4, r.heartbeat_interval).bind(5, r.host).bind(6, r.pid).bind(7, r.pid_start)
        .bind(8, r.git_commit).bind(9, r.git_branch)
        .run();
  }

  void update_run_status(std::int64_t rid, run_status st, const std::string& reason,
                         std::optional<double> ended_at) override {
    stmt("UPDATE runs SET status = ?2, status_reason = ?3, ended_at = ?4, heartbeat_at = ?5"
         " WHERE rid = ?1")
        .reset()
        .bind(1, rid).bind(2, std::string(status_text(st))).bind(3, reason).bind(4, ended_at)
        .bind(5, now_seconds())
        .run();
  }

  void touch_heartbeats(const std::vector<std::int64_t>& rids, double now) override {
    auto& s = stmt("UPDATE runs SET heartbeat_at = ?2 WHERE rid = ?1");
    for (auto rid : rids) s.reset().bind(1, rid).bind(2, now).run();
  }

  std::int64_t count_runs(const std::string& project) override {
    auto& s = stmt("SELECT count(*) FROM runs WHERE project = ?1");
    s.reset().bind(1, project);
    return s.step() ? s.i64(0) : 0;
  }

  std::vector<run_record> list_runs(bool include_deleted, const std::string& project) override {
    // Separate statements, so the project filter can use runs_by_project (an OR would not).
    std::string where = project.empty() ? "WHERE ?1 = ''" : "WHERE project = ?1";
    if (!include_deleted) where += " AND deleted_at IS NULL";
    auto& s = stmt(run_select_sql(where + " ORDER BY created_at DESC, rid DESC"));
    s.reset().bind(1, project);
    std::vector<run_record> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
  }

  std::vector<run_record> find_runs_by_name(const std::string& name) override {
    auto& s = stmt(run_select_sql("WHERE name = ?1 AND deleted_at IS NULL ORDER BY created_at DESC, rid DESC"));
    s.reset().bind(1, name);
    std::vector<run_record> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
  }
  std::optional<run_record> latest_run() override {
    auto& s = stmt(run_select_sql("WHERE deleted_at IS NULL ORDER BY created_at DESC, rid DESC LIMIT 1"));
    s.reset();
    if (!s.step()) return std::nullopt;
    run_record r = read_run(s);
    s.reset();
    return r;
  }
  std::vector<std::pair<std::int64_t, std::string>> tags_of(const std::vector<std::int64_t>& rids) override {
    auto& s = stmt("SELECT rid, tag FROM run_tags WHERE rid IN (SELECT value FROM json_each(?1)) ORDER BY rid, tag");
    s.reset().bind(1, nlohmann::json(rids).dump());
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (s.step()) out.emplace_back(s.i64(0), s.text(1));
    return out;
  }
  std::vector<std::tuple<std::int64_t, std::string, std::string>> config_of(
      const std::vector<std::int64_t>& rids) override {
    auto& s = stmt("SELECT rid, key, value FROM run_config WHERE rid IN (SELECT value FROM json_each(?1))"
                   " ORDER BY rid, key");
    s.reset().bind(1, nlohmann::json(rids).dump());
    std::vector<std::tuple<std::int64_t, std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.i64(0), s.text(1), s.text(2));
    return out;
  }

  std::vector<std::pair<std::string, std::string>> config(std::int64_t rid) override {
    auto& s = stmt("SELECT key, value FROM run_config WHERE rid = ?1 ORDER BY key");
    s.reset().bind(1, rid);
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.text(0), s.text(1));
    return out;
  }
  void put_config(std::int64_t rid, const std::string& key, const std::string& json) override {
    stmt("INSERT OR REPLACE INTO run_config(rid, key, value) VALUES(?1, ?2, ?3)")
        .reset().bind(1, rid).bind(2, key).bind(3, json).run();
  }
  std::vector<std::string> tags(std::int64_t rid) override {
    auto& s = stmt("SELECT tag FROM run_tags WHERE rid = ?1 ORDER BY tag");
    s.reset().bind(1, rid);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  void add_tag(std::int64_t rid, const std::string& tag) override {
    stmt("INSERT OR IGNORE INTO run_tags(rid, tag) VALUES(?1, ?2)").reset().bind(1, rid).bind(2, tag).run();
  }
  void remove_tag(std::int64_t rid, const std::string& tag) override {
    stmt("DELETE FROM run_tags WHERE rid = ?1 AND tag = ?2").reset().bind(1, rid).bind(2, tag).run();
  }
  void set_note(std::int64_t rid, const std::string& note) override {
    stmt("UPDATE runs SET note = ?2 WHERE rid = ?1").reset().bind(1, rid).bind(2, note).run();
  }

  // ---- [SECTION] series, points, buckets, objects -----------------------------------------
  std::optional<series_record> find_series(std::int64_t rid, const std::string& key) override {
    auto& s = stmt(series_select_sql("WHERE rid = ?1 AND key = ?2"));
    s.reset().bind(1, rid).bind(2, key);
    if (!s.step()) return std::nullopt;
    return read_series(s);
  }
  std::int64_t insert_series(std::int64_t rid, const std::string& key, goal g) override {
    stmt("INSERT INTO series(rid, key, goal) VALUES(?1, ?2, ?3)")
        .reset().bind(1, rid).bind(2, key).bind(3, static_cast<int>(g)).run();
    return sqlite3_last_insert_rowid(db_);
  }
  void set_series_goal(std::int64_t sid, goal g) override {
    stmt("UPDATE series SET goal = ?2 WHERE sid = ?1").reset().bind(1, sid).bind(2, static_cast<int>(g)).run();
  }
  void update_series_summary(std::int64_t sid, const metric_summary& m) override {
    stmt("UPDATE series SET count = ?2, nonfinite = ?3, min = ?4, max = ?5, last = ?6,"
         " last_step = ?7, last_time = ?8, first_step = ?9 WHERE sid = ?1")
        .reset()
        .bind(1, sid).bind(2, m.count).bind(3, m.nonfinite).bind(4, m.min).bind(5, m.max)
        .bind(6, m.last).bind(7, m.last_step).bind(8, m.last_time).bind(9, m.first_step)
        .run();
  }
  std::vector<series_record> list_series(std::int64_t rid) override {
    auto& s = stmt(series_select_sql("WHERE rid = ?1 ORDER BY key"));
    s.reset().bind(1, rid);
    std::vector<series_record> out;
    while (s.step()) out.push_back(read_series(s));
    return out;
  }
  std::vector<series_record> list_series_of(const std::vector<std::int64_t>& rids,
                                            const std::vector<std::string>& keys) override {
    auto& s = stmt(series_select_sql(
        "WHERE rid IN (SELECT value FROM json_each(?1))"
        " AND (?2 = '[]' OR key IN (SELECT value FROM json_each(?2))) ORDER BY rid, key"));
    s.reset().bind(1, nlohmann::json(rids).dump()).bind(2, nlohmann::json(keys).dump());
    std::vector<series_record> out;
    while (s.step()) out.push_back(read_series(s));
    return out;
  }
  std::int64_t max_step(std::int64_t rid) override {
    auto& s = stmt("SELECT max(last_step) FROM series WHERE rid = ?1 AND count > 0");
    s.reset().bind(1, rid);
    return s.step() && !s.is_null(0) ? s.i64(0) : -1;
  }

  void insert_points(const std::vector<point_row>& rows) override {
    auto& s = stmt("INSERT INTO points(sid, step, time, value) VALUES(?1, ?2, ?3, ?4)");
    for (const auto& r : rows) s.reset().bind(1, r.sid).bind(2, r.step).bind(3, r.time).bind(4, r.value).run();
  }
  std::vector<point> read_points(std::int64_t sid, std::int64_t from, std::int64_t to) override {
    auto& s = stmt("SELECT step, time, value FROM points WHERE sid = ?1 AND step BETWEEN ?2 AND ?3"
                   " ORDER BY step, rowid");
    s.reset().bind(1, sid).bind(2, from).bind(3, to);
    std::vector<point> out;
    while (s.step()) out.push_back(point{s.i64(0), s.real(1), s.real(2)});
    return out;
  }

  std::optional<bucket_row> find_bucket(std::int64_t sid, int level, std::int64_t index) override {
    auto& s = stmt("SELECT idx, count, min, max, last, last_step, first_time, last_time FROM buckets"
                   " WHERE sid = ?1 AND level = ?2 AND idx = ?3");
    s.reset().bind(1, sid).bind(2, level).bind(3, index);
    if (!s.step()) return std::nullopt;
    return read_bucket(s, sid, level);
  }
  void upsert_buckets(const std::vector<bucket_row>& rows) override {
    auto& s = stmt("INSERT OR REPLACE INTO buckets(sid, level, idx, count, min, max, last, last_step,"
                   " first_time, last_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    for (const auto& b : rows)
      s.reset().bind(1, b.sid).bind(2, b.level).bind(3, b.index).bind(4, b.count).bind(5, b.min)
          .bind(6, b.max).bind(7, b.last).bind(8, b.last_step).bind(9, b.first_time)
          .bind(10, b.last_time).run();
  }
  std::vector<bucket_row> read_buckets(std::int64_t sid, int level, std::int64_t first,
                                       std::int64_t last) override {
    auto& s = stmt("SELECT idx, count, min, max, last, last_step, first_time, last_time FROM buckets"
                   " WHERE sid = ?1 AND level = ?2 AND idx BETWEEN ?3 AND ?4 ORDER BY idx");
    s.reset().bind(1, sid).bind(2, level).bind(3, first).bind(4, last);
    std::vector<bucket_row> out;
    while (s.step()) out.push_back(read_bucket(s, sid, level));
    return out;
  }
  std::vector<sequenced_point> read_points_since(std::int64_t cursor, std::size_t limit) override {
    auto& s = stmt("SELECT rowid, step, time, value, sid FROM points WHERE rowid > ?1 ORDER BY rowid LIMIT ?2");
    s.reset().bind(1, cursor).bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<sequenced_point> out;
    while (s.step()) out.push_back(sequenced_point{s.i64(0), point{s.i64(1), s.real(2), s.real(3)}, s.i64(4)});
    return out;
  }
  std::vector<series_name> series_names(const std::vector<std::int64_t>& sids) override {
    auto& s = stmt("SELECT s.sid, r.id, s.key FROM series s JOIN runs r ON r.rid = s.rid"
                   " WHERE s.sid IN (SELECT value FROM json_each(?1))");
    s.reset().bind(1, nlohmann::json(sids).dump());
    std::vector<series_name> out;
    while (s.step()) out.push_back(series_name{s.i64(0), s.text(1), s.text(2)});
    return out;
  }
  std::int64_t newest_point_seq() override {
    auto& s = stmt("SELECT max(rowid) FROM points");
    s.reset();
    std::int64_t v = s.step() ? s.i64(0) : 0;
    s.reset();
    return v;
  }
  std::vector<sequenced_point> read_points_after(std::int64_t sid, std::int64_t cursor,
                                                 std::size_t limit) override {
    // Two plans. A live viewer's cursor is recent: walk the rowid range after it (only rows
    // written since, of every series), skipping other series ("+sid" keeps the planner off
    // the sid index, which would visit every point of the series). A cursor far behind (or
    // 0) reads the series through its index and sorts by rowid instead.
    std::int64_t newest = newest_point_seq();
    constexpr std::int64_t recent = 200'000;  // rows behind the newest that a walk may visit
    auto& s = cursor > 0 && newest - cursor <= recent
                  ? stmt("SELECT rowid, step, time, value FROM points WHERE rowid > ?2 AND +sid = ?1"
                         " ORDER BY rowid LIMIT ?3")
                  : stmt("SELECT rowid, step, time, value FROM points WHERE sid = ?1 AND rowid > ?2"
                         " ORDER BY rowid LIMIT ?3");
    s.reset().bind(1, sid).bind(2, cursor).bind(3, static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
    std::vector<sequenced_point> out;
    while (s.step()) out.push_back(sequenced_point{s.i64(0), point{s.i64(1), s.real(2), s.real(3)}, sid});
    return out;
  }

  void insert_object(std::int64_t rid, const object_record& o) override {
    stmt("INSERT INTO objects(rid, key, kind, step, time, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
        .reset().bind(1, rid).bind(2, o.key).bind(3, o.kind).bind(4, o.step).bind(5, o.time)
        .bind(6, o.body_json).run();
  }
  std::vector<object_record> read_objects(std::int64_t rid, const std::string& key,
                                          const std::string& kind) override {
    auto& s = stmt("SELECT key, kind, step, time, body FROM objects WHERE rid = ?1"
                   " AND (?2 = '' OR key = ?2) AND (?3 = '' OR kind = ?3) ORDER BY key, step, oid");
    s.reset().bind(1, rid).bind(2, key).bind(3, kind);
    std::vector<object_record> out;
    while (s.step()) out.push_back(object_record{s.text(0), s.text(1), s.i64(2), s.real(3), s.text(4)});
    return out;
  }

  std::vector<object_info> list_objects(std::int64_t rid, const std::string& key,
                                         const std::string& kind) override {
    auto& s = stmt("SELECT key, kind, step, time, length(CAST(body AS BLOB)) FROM objects WHERE rid = ?1"
                   " AND (?2 = '' OR key = ?2) AND (?3 = '' OR kind = ?3) ORDER BY key, step, oid");
    s.reset().bind(1, rid).bind(2, key).bind(3, kind);
    std::vector<object_info> out;
    while (s.step()) out.push_back(object_info{s.text(0), s.text(1), s.i64(2), s.real(3), s.i64(4)});
    return out;
  }
  std::optional<object_record> find_object(std::int64_t rid, const std::string& key,
                                           std::optional<std::int64_t> step) override {
    auto& s = step ? stmt("SELECT key, kind, step, time, body FROM objects"
                          " WHERE rid = ?1 AND key = ?2 AND step = ?3 ORDER BY oid DESC LIMIT 1")
                   : stmt("SELECT key, kind, step, time, body FROM objects"
                          " WHERE rid = ?1 AND key = ?2 ORDER BY step DESC, oid DESC LIMIT 1");
    s.reset().bind(1, rid).bind(2, key);
    if (step) s.bind(3, *step);
    if (!s.step()) return std::nullopt;
    object_record o{s.text(0), s.text(1), s.i64(2), s.real(3), s.text(4)};
    s.reset();  // do not keep the read snapshot pinned
    return o;
  }

  // ---- [SECTION] reads for polling --------------------------------------------------------
  std::uint64_t data_version() override {
    auto& s = stmt("PRAGMA data_version");
    s.reset();
    std::uint64_t v = s.step() ? static_cast<std::uint64_t>(s.i64(0)) : 0;
    s.reset();
    return v;
  }
  void begin_read() override {
    reset_active_statements();
    exec("BEGIN");
    // BEGIN is deferred: the snapshot starts at the first read, so take it now.
    auto& s = stmt("SELECT 1 FROM sqlite_master LIMIT 1");
    s.reset();
    s.step();
  }
  void end_read() noexcept override {
    if (db_ && !sqlite3_get_autocommit(db_)) {
      for (sqlite3_stmt* st = sqlite3_next_stmt(db_, nullptr); st; st = sqlite3_next_stmt(db_, st))
        if (sqlite3_stmt_busy(st)) sqlite3_reset(st);
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    }
  }

  // ---- [SECTION] maintenance --------------------------------------------------------------
  void mark_deleted(std::int64_t rid, double now) override {
    stmt("UPDATE runs SET deleted_at = ?2 WHERE rid = ?1").reset().bind(1, rid).bind(2, now).run();
  }
  std::vector<std::string> purge_deleted() override {
    std::vector<std::string> ids;
    {
      auto& s = stmt("SELECT id FROM runs WHERE deleted_at IS NOT NULL");
      s.reset();
      while (s.step()) ids.push_back(s.text(0));
    }
    {
      std::vector<std::int64_t> rids;
      auto& s = stmt("SELECT rid FROM runs WHERE deleted_at IS NOT NULL");
      s.reset();
      while (s.step()) rids.push_back(s.i64(0));
      production_->purge(rids);
    }
    const char* deletes[] = {
        "DELETE FROM points WHERE sid IN (SELECT sid FROM series WHERE rid IN"
        " (SELECT rid FROM runs WHERE deleted_at IS NOT NULL))",
        "DELETE FROM buckets WHERE sid IN (SELECT sid FROM series WHERE rid IN"
        " (SELECT rid FROM runs WHERE deleted_at IS NOT NULL))",
        "DELETE FROM series WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM objects WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM run_config WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM run_tags WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM runs WHERE deleted_at IS NOT NULL",
    };
    for (const char* sql : deletes) exec(sql);
    return ids;
  }

 private:
  // ---- [SECTION] open, schema check and migrations ----------------------------------------
  void configure_and_migrate(const std::string& path) {
    // All three from one snapshot: another process may be creating the store right now, and
    // reading them apart could see its version without its application_id, or its tables
    // without its marks (and call a store being created "another application's").
    exec("BEGIN");
    int app_id = pragma_int("application_id");
    int version = pragma_int("user_version");
    std::int64_t tables = table_count();
    exec("COMMIT");
    if (version > schema_version)
      throw error(error_code::schema_too_new,
                  "store " + path + " has schema version " + std::to_string(version) +
                      " but this tracker supports up to " + std::to_string(schema_version) +
                      ": it was written by a newer tracker. Upgrade tracker to read it, or point "
                      "--store / TRACKER_DIR at another directory. Nothing was changed.");
    if (version > 0 && app_id != sqlite_schema::application_id)
      throw error(error_code::store_corrupt, path + " is an SQLite database but not a tracker store");
    // Before anything changes the file (WAL mode, a schema): a database with tables but
    // without our marks is someone else's, and is left exactly as it was.
    if (version == 0 && app_id != sqlite_schema::application_id && tables > 0)
      throw error(error_code::store_corrupt, path + " is another application's SQLite database, not a tracker "
                                                    "store; nothing was changed (point --store / TRACKER_DIR elsewhere)");

    if (mode_ == access::read_only) {
      if (version == 0)
        throw error(error_code::store_open_failed,
                    "store " + path + " is empty (no tracker schema yet); log a run with tracker::init first");
      if (version < schema_version)
        throw error(error_code::store_open_failed,
                    "store " + path + " has schema version " + std::to_string(version) +
                        ", older than this tracker's " + std::to_string(schema_version) +
                        "; open it once for writing (tracker::init) to upgrade it");
      return;
    }
    enable_wal();
    exec("PRAGMA synchronous=NORMAL");
    if (version == schema_version) return;

    // Migrate under the write lock; re-read the version inside, another process may have won.
    begin_write();
    try {
      version = pragma_int("user_version");
      if (version > 0 && pragma_int("application_id") != sqlite_schema::application_id)
        throw error(error_code::store_corrupt, path + " is an SQLite database but not a tracker store");
      if (version == 0) {
        // A non-empty database without our application_id is someone else's file.
        auto& s = stmt("SELECT count(*) FROM sqlite_master");
        s.reset();
        if (s.step() && s.i64(0) > 0)
          throw error(error_code::store_corrupt, path + " is an SQLite database but not a tracker store");
        exec("PRAGMA application_id=" + std::to_string(sqlite_schema::application_id));
      }
      for (const auto& m : sqlite_schema::migrations) {
        if (m.version <= version) continue;
        exec(m.sql);
        exec("PRAGMA user_version=" + std::to_string(m.version));
      }
      commit();
    } catch (...) {
      rollback();
      throw;
    }
  }

  // WAL is persistent in the file, so only the first opener switches it. Switching needs an
  // exclusive lock and SQLite answers SQLITE_BUSY at once, without the busy handler, while
  // another process is creating the same store: retry here (found by a regression test).
  void enable_wal() {
    for (int attempt = 0;; ++attempt) {
      std::string mode;
      int rc = sqlite3_exec(
          db_, "PRAGMA journal_mode=WAL",
          [](void* out, int, char** values, char**) {
            if (values[0]) *static_cast<std::string*>(out) = values[0];
            return 0;
          },
          &mode, nullptr);
      if (rc == SQLITE_OK && mode == "wal") return;
      int primary = rc & 0xff;
      if ((rc != SQLITE_OK && primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || attempt >= 1000)
        fail(db_, "cannot switch " + std::string(sqlite3_db_filename(db_, "main")) + " to WAL mode");
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20, 1 + attempt)));
    }
  }

  std::int64_t table_count() {
    statement s(db_, "SELECT count(*) FROM sqlite_master");
    return s.step() ? s.i64(0) : 0;
  }

  static std::string uri_escape(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
      if (c == '%' || c == '?' || c == '#' || c <= 0x20 || c >= 0x7f) {
        const char* hex = "0123456789ABCDEF";
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  }

  int pragma_int(const char* name) {
    statement s(db_, (std::string("PRAGMA ") + name).c_str());
    return s.step() ? static_cast<int>(s.i64(0)) : 0;
  }

  void exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string text = msg ? msg : "unknown error";
      sqlite3_free(msg);
      throw error(error_code::io_error, "tracker store: " + text + " (while running: " +
                                            sql.substr(0, 60) + ")");
    }
  }

  void reset_active_statements() { sqlite::reset_active_statements(db_); }
  statement& stmt(const std::string& sql) { return statements_.get(sql); }

  static std::string run_select_sql(const std::string& tail) {
    return "SELECT rid, id, project, name, status, status_reason, created_at, ended_at,"
           " heartbeat_at, heartbeat_interval, host, pid, pid_start, git_commit, git_branch, note,"
           " deleted_at FROM runs " + tail;
  }
  run_record read_run(statement& s) {
    run_record r;
    r.rid = s.i64(0);
    r.id = s.text(1);
    r.project = s.text(2);
    r.name = s.text(3);
    r.stored_status = r.status = status_from_text(s.text(4));
    r.status_reason = s.text(5);
    r.created_at = s.real(6);
    r.ended_at = s.opt_real(7);
    r.heartbeat_at = s.real(8);
    r.heartbeat_interval = s.real(9);
    r.host = s.text(10);
    r.pid = s.i64(11);
    r.pid_start = s.i64(12);
    r.git_commit = s.text(13);
    r.git_branch = s.text(14);
    r.note = s.text(15);
    r.deleted = !s.is_null(16);
    return r;
  }

  static bucket_row read_bucket(statement& s, std::int64_t sid, int level) {
    bucket_row b{sid, level, s.i64(0), s.i64(1), s.opt_real(2), s.opt_real(3), s.real(4), s.i64(5)};
    b.first_time = s.opt_real(6).value_or(0);
    b.last_time = s.opt_real(7).value_or(0);
    return b;
  }

  static std::string series_select_sql(const std::string& tail) {
    return "SELECT sid, rid, key, goal, count, nonfinite, min, max, last, last_step, last_time,"
           " first_step FROM series " + tail;
  }
  series_record read_series(statement& s) {
    series_record r;
    r.sid = s.i64(0);
    r.rid = s.i64(1);
    r.summary.key = s.text(2);
    r.summary.metric_goal = static_cast<goal>(s.i64(3));
    r.summary.count = s.i64(4);
    r.summary.nonfinite = s.i64(5);
    r.summary.min = s.opt_real(6);
    r.summary.max = s.opt_real(7);
    r.summary.last = s.real(8);
    r.summary.last_step = s.i64(9);
    r.summary.last_time = s.real(10);
    r.summary.first_step = s.i64(11);
    return r;
  }

  // Busy handler: writers wait as long as it takes (reporting how long); readers give up after
  // 10 s, which only happens while another process recovers a crashed WAL.
  static int on_busy(void* self_ptr, int retries) {
    auto* self = static_cast<sqlite_backend*>(self_ptr);
    auto now = std::chrono::steady_clock::now();
    if (retries == 0) self->waited_since_ = now;
    double waited = std::chrono::duration<double>(now - self->waited_since_).count();
    if (self->wait_observer_) self->wait_observer_(waited, static_cast<std::uint64_t>(retries));
    if (self->mode_ == access::read_only && waited > 10.0) return 0;
    if (self->lock_timeout_ != std::chrono::milliseconds::max() &&
        waited * 1000.0 > static_cast<double>(self->lock_timeout_.count()))
      return 0;
    // Back off from 0.1 ms up to 20 ms so short transactions of other writers interleave.
    int micros = std::min(20000, 100 << std::min(retries, 8));
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
    return 1;
  }

  sqlite3* db_ = nullptr;
  access mode_;
  std::chrono::milliseconds lock_timeout_;  // longest wait for another process's write lock
  sqlite::statement_cache statements_{db_};
  std::unique_ptr<production_tables> production_ = make_sqlite_production(db_);
  std::function<void(double, std::uint64_t)> wait_observer_;
  std::chrono::steady_clock::time_point waited_since_{};
};

}  // namespace

std::string database_path(const std::string& dir) { return (fs::path(dir) / "tracker.db").string(); }

std::unique_ptr<backend> open(const std::string& location, access mode, std::chrono::milliseconds lock_timeout) {
  for (const char* scheme : {"postgresql://", "postgres://"})
    if (location.rfind(scheme, 0) == 0)
      throw error(error_code::store_open_failed,
                  "store " + location + ": PostgreSQL stores are planned but this build has no PostgreSQL backend; "
                  "use a directory (SQLite)");
  return open_sqlite(location, mode, lock_timeout);
}

std::unique_ptr<backend> open_sqlite(const std::string& dir, access mode, std::chrono::milliseconds lock_timeout) {
  return std::make_unique<sqlite_backend>(dir, mode, lock_timeout);
}

}  // namespace tracker::store
