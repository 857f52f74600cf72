// sqlite_backend.cpp — the SQLite backend: open, transactions, runs, config, tags, polling reads
// and maintenance (sqlite_backend.hpp says where the rest is).
#include "store/sqlite_backend.hpp"
#include "system_info.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

namespace tracker::store {

using sqlite::fail;
using sqlite::statement;

namespace {

namespace fs = std::filesystem;

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

const char* status_text(run_status s) { return to_string(s); }

run_status status_from_text(const std::string& s) {
  return parse_run_status(s).value_or(run_status::running);
}

}  // namespace

sqlite_backend::sqlite_backend(const std::string& dir, access mode, std::chrono::milliseconds lock_timeout)
    : mode_(mode), lock_timeout_(lock_timeout) {
  const std::string path = database_path(dir);
  std::string open_name = path;
  int flags = mode == access::read_write ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                                         : SQLITE_OPEN_READONLY;
  if (mode == access::read_write) {
    // Only the directory now; media/ (open_directory_media) is created once the database
    // proved to be ours, so a refused foreign database leaves nothing behind.
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
    media_ = open_directory_media(dir, mode == access::read_write);
  } catch (...) {
    statements_.clear();
    raw_.clear();
    production_.reset();
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

sqlite_backend::~sqlite_backend() {
  checkpointer_.reset();  // its thread and connection end before db_ does
  statements_.clear();  // finalize before close
  raw_.clear();
  production_.reset();
  if (db_) sqlite3_close(db_);
}

void sqlite_backend::begin_write() {
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

void sqlite_backend::commit() {
  reset_active_statements();
  exec("COMMIT");
}

void sqlite_backend::rollback() noexcept {
  heads_.clear();  // the open blocks may be ahead of the store
  production_->rolled_back();
  if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void sqlite_backend::set_wait_observer(std::function<void(double, std::uint64_t)> observer) {
  wait_observer_ = std::move(observer);
}

std::optional<run_record> sqlite_backend::find_run(const std::string& id) {
  auto& s = stmt(run_select_sql("WHERE id = ?1"));
  s.reset().bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::int64_t sqlite_backend::insert_run(const run_record& r) {
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

void sqlite_backend::update_run_process(std::int64_t rid, const run_record& r) {
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

void sqlite_backend::update_run_status(std::int64_t rid, run_status st, const std::string& reason,
                                       std::optional<double> ended_at) {
  stmt("UPDATE runs SET status = ?2, status_reason = ?3, ended_at = ?4, heartbeat_at = ?5"
       " WHERE rid = ?1")
      .reset()
      .bind(1, rid).bind(2, std::string(status_text(st))).bind(3, reason).bind(4, ended_at)
      .bind(5, now_seconds())
      .run();
}

void sqlite_backend::touch_heartbeats(const std::vector<std::int64_t>& rids, double now) {
  auto& s = stmt("UPDATE runs SET heartbeat_at = ?2 WHERE rid = ?1");
  for (auto rid : rids) s.reset().bind(1, rid).bind(2, now).run();
}

std::int64_t sqlite_backend::count_runs(const std::string& project) {
  auto& s = stmt("SELECT count(*) FROM runs WHERE project = ?1");
  s.reset().bind(1, project);
  return s.step() ? s.i64(0) : 0;
}

std::vector<run_record> sqlite_backend::list_runs(bool include_deleted, const std::string& project) {
  // Separate statements, so the project filter can use runs_by_project (an OR would not).
  std::string where = project.empty() ? "WHERE ?1 = ''" : "WHERE project = ?1";
  if (!include_deleted) where += " AND deleted_at IS NULL";
  auto& s = stmt(run_select_sql(where + " ORDER BY created_at DESC, rid DESC"));
  s.reset().bind(1, project);
  std::vector<run_record> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::vector<run_record> sqlite_backend::find_runs_by_name(const std::string& name) {
  auto& s = stmt(run_select_sql("WHERE name = ?1 AND deleted_at IS NULL ORDER BY created_at DESC, rid DESC"));
  s.reset().bind(1, name);
  std::vector<run_record> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::optional<run_record> sqlite_backend::latest_run() {
  auto& s = stmt(run_select_sql("WHERE deleted_at IS NULL ORDER BY created_at DESC, rid DESC LIMIT 1"));
  s.reset();
  if (!s.step()) return std::nullopt;
  run_record r = read_run(s);
  s.reset();
  return r;
}

std::vector<std::pair<std::int64_t, std::string>> sqlite_backend::tags_of(const std::vector<std::int64_t>& rids) {
  auto& s = stmt("SELECT rid, tag FROM run_tags WHERE rid IN (SELECT value FROM json_each(?1)) ORDER BY rid, tag");
  s.reset().bind(1, nlohmann::json(rids).dump());
  std::vector<std::pair<std::int64_t, std::string>> out;
  while (s.step()) out.emplace_back(s.i64(0), s.text(1));
  return out;
}

std::vector<std::tuple<std::int64_t, std::string, std::string>> sqlite_backend::config_of(
    const std::vector<std::int64_t>& rids) {
  auto& s = stmt("SELECT rid, key, value FROM run_config WHERE rid IN (SELECT value FROM json_each(?1))"
                 " ORDER BY rid, key");
  s.reset().bind(1, nlohmann::json(rids).dump());
  std::vector<std::tuple<std::int64_t, std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.i64(0), s.text(1), s.text(2));
  return out;
}

std::vector<std::pair<std::string, std::string>> sqlite_backend::config(std::int64_t rid) {
  auto& s = stmt("SELECT key, value FROM run_config WHERE rid = ?1 ORDER BY key");
  s.reset().bind(1, rid);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  return out;
}

void sqlite_backend::put_config(std::int64_t rid, const std::string& key, const std::string& json) {
  stmt("INSERT OR REPLACE INTO run_config(rid, key, value) VALUES(?1, ?2, ?3)")
      .reset().bind(1, rid).bind(2, key).bind(3, json).run();
}

std::vector<std::string> sqlite_backend::tags(std::int64_t rid) {
  auto& s = stmt("SELECT tag FROM run_tags WHERE rid = ?1 ORDER BY tag");
  s.reset().bind(1, rid);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

void sqlite_backend::add_tag(std::int64_t rid, const std::string& tag) {
  stmt("INSERT OR IGNORE INTO run_tags(rid, tag) VALUES(?1, ?2)").reset().bind(1, rid).bind(2, tag).run();
}

void sqlite_backend::remove_tag(std::int64_t rid, const std::string& tag) {
  stmt("DELETE FROM run_tags WHERE rid = ?1 AND tag = ?2").reset().bind(1, rid).bind(2, tag).run();
}

void sqlite_backend::set_note(std::int64_t rid, const std::string& note) {
  stmt("UPDATE runs SET note = ?2 WHERE rid = ?1").reset().bind(1, rid).bind(2, note).run();
}

std::uint64_t sqlite_backend::data_version() {
  auto& s = stmt("PRAGMA data_version");
  s.reset();
  std::uint64_t v = s.step() ? static_cast<std::uint64_t>(s.i64(0)) : 0;
  s.reset();
  return v;
}

void sqlite_backend::begin_read() {
  reset_active_statements();
  exec("BEGIN");
  // BEGIN is deferred: the snapshot starts at the first read, so take it now.
  auto& s = stmt("SELECT 1 FROM sqlite_master LIMIT 1");
  s.reset();
  s.step();
}

void sqlite_backend::end_read() noexcept {
  if (db_ && !sqlite3_get_autocommit(db_)) {
    for (sqlite3_stmt* st = sqlite3_next_stmt(db_, nullptr); st; st = sqlite3_next_stmt(db_, st))
      if (sqlite3_stmt_busy(st)) sqlite3_reset(st);
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }
}

void sqlite_backend::mark_deleted(std::int64_t rid, double now) {
  stmt("UPDATE runs SET deleted_at = ?2 WHERE rid = ?1").reset().bind(1, rid).bind(2, now).run();
}

std::vector<std::string> sqlite_backend::purge_deleted() {
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
      "DELETE FROM points_tail WHERE sid IN (SELECT sid FROM series WHERE rid IN"
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
  heads_.clear();
  return ids;
}

void sqlite_backend::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg ? msg : "unknown error";
    sqlite3_free(msg);
    throw error(error_code::io_error, "tracker store: " + text + " (while running: " +
                                          sql.substr(0, 60) + ")");
  }
}

std::string sqlite_backend::run_select_sql(const std::string& tail) {
  return "SELECT rid, id, project, name, status, status_reason, created_at, ended_at,"
         " heartbeat_at, heartbeat_interval, host, pid, pid_start, git_commit, git_branch, note,"
         " deleted_at FROM runs " + tail;
}

run_record sqlite_backend::read_run(statement& s) {
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

int sqlite_backend::on_busy(void* self_ptr, int retries) {
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
