// sqlite_backend_schema.cpp — the SQLite backend's schema check and migrations on open
// (sqlite_migrations.hpp), and the switch to WAL.
#include "store/sqlite_backend.hpp"
#include "store/sqlite_migrations.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <unordered_map>

namespace tracker::store {

using sqlite::fail;
using sqlite::statement;

bool sqlite_backend::points_in_blocks() {
  statement s(db_, "SELECT count(*) FROM pragma_table_info('points') WHERE name = 'data'");
  return s.step() && s.i64(0) > 0;
}

void sqlite_backend::convert_points_v3() {
  {
    auto& ins = raw(insert_block_sql);
    raw_statement rows(db_, "SELECT rowid, sid, step, time, value FROM points_v3 ORDER BY rowid");
    std::unordered_map<std::int64_t, head_state> open;  // every series' block being filled
    while (rows.step()) {
      const std::int64_t sid = rows.i64(1);
      head_state& h = open[sid];
      h.block.add(rows.i64(0), rows.i64(2), rows.real(3), rows.real(4), h.floor);
      if (static_cast<std::size_t>(h.block.n) >= block_points()) {
        insert_block(ins, sid, h.block);
        h.floor = std::max(h.floor, h.block.max_step);
        h.block.clear();
      }
    }
    rows.reset();
    for (auto& [sid, h] : open)
      if (h.block.n > 0) insert_block(ins, sid, h.block);
  }
  exec("DROP TABLE points_v3");
  heads_.clear();
}

void sqlite_backend::configure_and_migrate(const std::string& path) {
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
      reset_active_statements();  // an unfinished read of sqlite_master would lock DROP/ALTER
      // Points already in blocks (a newer store labelled older by hand, as tests that fake an
      // old version do): migration 4 has nothing to convert.
      if (m.version == 4 && points_in_blocks()) {
        exec("PRAGMA user_version=4");
        continue;
      }
      exec(m.sql);
      if (m.version == 4) convert_points_v3();
      if (m.version == 5) production_->convert_v4_records();
      exec("PRAGMA user_version=" + std::to_string(m.version));
    }
    commit();
  } catch (...) {
    rollback();
    throw;
  }
}

void sqlite_backend::expect_heavy_writes() {
  if (mode_ != access::read_write || checkpointer_) return;
  checkpointer_ = std::make_unique<wal_checkpointer>(db_, sqlite3_db_filename(db_, "main"), 1000, 8000);
}

void sqlite_backend::enable_wal() {
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

std::int64_t sqlite_backend::table_count() {
  statement s(db_, "SELECT count(*) FROM sqlite_master");
  return s.step() ? s.i64(0) : 0;
}

std::string sqlite_backend::uri_escape(const std::string& path) {
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

int sqlite_backend::pragma_int(const char* name) {
  statement s(db_, (std::string("PRAGMA ") + name).c_str());
  return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

}  // namespace tracker::store
