// sqlite_statement.hpp — prepared statements and their per-connection cache, shared by the
// SQLite implementations of the storage interfaces (sqlite_backend.cpp, sqlite_production.cpp).
// Internal to the store layer: nothing above tracker/src/store includes this.
#pragma once

#include <tracker/types.hpp>

#include <sqlite3.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace tracker::store::sqlite {

[[noreturn]] inline void fail(sqlite3* db, const std::string& what, error_code code = error_code::io_error) {
  std::string msg = "tracker store: " + what;
  if (db) msg += ": " + std::string(sqlite3_errmsg(db)) + " (sqlite code " +
                 std::to_string(sqlite3_extended_errcode(db)) + ")";
  throw error(code, msg);
}

// A prepared statement, reset on every use; owned by the connection's statement cache.
class statement {
 public:
  statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
      fail(db, std::string("prepare failed for: ") + sql);
  }
  ~statement() { sqlite3_finalize(stmt_); }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Every call site binds every parameter, so bindings are not cleared (that cost ~3% of the
  // insert rate, measured in bench_core).
  statement& reset() {
    sqlite3_reset(stmt_);
    return *this;
  }
  statement& bind(int i, std::int64_t v) {
    check(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  // NaN has no SQL representation: it is stored as NULL and read back as NaN.
  statement& bind(int i, double v) {
    check(std::isnan(v) ? sqlite3_bind_null(stmt_, i) : sqlite3_bind_double(stmt_, i, v));
    return *this;
  }
  statement& bind(int i, const std::optional<double>& v) {
    check(v ? sqlite3_bind_double(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
    return *this;
  }
  statement& bind(int i, const std::string& v) {
    check(sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  // The bytes must stay unchanged until the statement is reset.
  statement& bind_blob(int i, const std::string& v) {
    check(sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
    return *this;
  }
  statement& bind_null(int i) {
    check(sqlite3_bind_null(stmt_, i));
    return *this;
  }

  // Returns true while there is a row.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, std::string("statement failed: ") + sqlite3_sql(stmt_));
  }
  void run() {
    while (step()) {
    }
  }

  std::int64_t i64(int c) const { return sqlite3_column_int64(stmt_, c); }
  double real(int c) const {
    return is_null(c) ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(stmt_, c);
  }
  std::optional<double> opt_real(int c) const {
    if (is_null(c)) return std::nullopt;
    return sqlite3_column_double(stmt_, c);
  }
  std::string text(int c) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c))) : std::string();
  }
  bool is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  // Valid until the next step or reset.
  const void* blob(int c) const { return sqlite3_column_blob(stmt_, c); }
  std::size_t bytes(int c) const { return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, c)); }

 private:
  void check(int rc) {
    if (rc != SQLITE_OK) fail(db_, "bind failed");
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Every use starts by resetting statements left mid-result by an earlier single-row lookup:
// an active statement pins its read snapshot, which would make later reads stale and make
// BEGIN IMMEDIATE fail with SQLITE_BUSY_SNAPSHOT (no busy handler can help with that).
inline void reset_active_statements(sqlite3* db) {
  for (sqlite3_stmt* st = sqlite3_next_stmt(db, nullptr); st; st = sqlite3_next_stmt(db, st))
    if (sqlite3_stmt_busy(st)) sqlite3_reset(st);
}

// Prepared statements of one connection by SQL text, prepared on first use.
class statement_cache {
 public:
  explicit statement_cache(sqlite3*& db) : db_(db) {}
  statement& get(const std::string& sql) {
    reset_active_statements(db_);
    auto it = statements_.find(sql);
    if (it == statements_.end())
      it = statements_.emplace(sql, std::make_unique<statement>(db_, sql.c_str())).first;
    return *it->second;
  }
  void clear() { statements_.clear(); }  // finalize before the connection closes

 private:
  sqlite3*& db_;  // the owner's handle, which it opens after constructing the cache
  std::unordered_map<std::string, std::unique_ptr<statement>> statements_;
};

}  // namespace tracker::store::sqlite
