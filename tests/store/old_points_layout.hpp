// old_points_layout.hpp — turns a store's points back into the layout of schemas 1–3 (one row
// per point, rowid = the point's seq), so migration tests start from what an old tracker wrote.
#pragma once

#include "store/backend.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <cmath>
#include <string>
#include <vector>

namespace tracker_test {

// Every point of the store in insertion order, with its seq and series.
inline std::vector<tracker::store::sequenced_point> all_points_in_order(const std::string& store_dir) {
  auto b = tracker::store::open_sqlite(store_dir, tracker::store::access::read_only);
  return b->read_points_since(0, std::size_t{1} << 40);
}

// Replaces schema 4's point blocks by the per-point table of schema 3 (same seqs as rowids).
// Leaves user_version alone: the caller sets the version it fakes.
inline void downgrade_points_layout(const std::string& store_dir) {
  auto points = all_points_in_order(store_dir);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(store_db(store_dir).c_str(), &db) == SQLITE_OK);
  auto exec = [&](const char* sql) { REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK); };
  exec("BEGIN IMMEDIATE");
  exec("DROP TABLE points; DROP TABLE points_seq;"
       " CREATE TABLE points (sid INTEGER NOT NULL, step INTEGER NOT NULL, time REAL NOT NULL, value REAL);"
       " CREATE INDEX points_by_step ON points(sid, step);");
  sqlite3_stmt* ins = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "INSERT INTO points(rowid, sid, step, time, value) VALUES(?1, ?2, ?3, ?4, ?5)", -1,
                             &ins, nullptr) == SQLITE_OK);
  for (const auto& p : points) {
    sqlite3_bind_int64(ins, 1, p.seq);
    sqlite3_bind_int64(ins, 2, p.sid);
    sqlite3_bind_int64(ins, 3, p.value.step);
    sqlite3_bind_double(ins, 4, p.value.time);
    if (std::isnan(p.value.value))
      sqlite3_bind_null(ins, 5);
    else
      sqlite3_bind_double(ins, 5, p.value.value);
    REQUIRE(sqlite3_step(ins) == SQLITE_DONE);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  exec("COMMIT");
  sqlite3_close(db);
}

}  // namespace tracker_test
