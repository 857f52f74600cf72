// Store layer: schema versioning, refusal of newer/foreign databases, faithful values.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "store/backend.hpp"
#include "test_support.hpp"

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <limits>

using tracker_test::exec_sql;
using tracker_test::temp_dir;

namespace {
int user_version(const std::string& db_path) {
  return static_cast<int>(tracker_test::query_int(db_path, "PRAGMA user_version"));
}

std::string make_store_with_one_run(const temp_dir& dir) {
  tracker::options o;
  o.store = dir.store();
  tracker::run r = tracker::init(o);
  r.log("loss", 1.0, 0);
  r.finish();
  return r.id();
}
}  // namespace

TEST_CASE("a new store is one directory with tracker.db in WAL mode and media/", "[store]") {
  temp_dir dir;
  make_store_with_one_run(dir);
  namespace fs = std::filesystem;
  CHECK(fs::exists(dir.store() + "/tracker.db"));
  CHECK(fs::is_directory(dir.store() + "/media"));
  CHECK(user_version(dir.store() + "/tracker.db") == tracker::store::schema_version);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.store() + "/tracker.db").c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_CASE("a store written by a newer tracker is refused with advice, and left untouched", "[store]") {
  temp_dir dir;
  std::string id = make_store_with_one_run(dir);
  exec_sql(dir.store() + "/tracker.db", "PRAGMA user_version = 99");

  tracker::options o;
  o.store = dir.store();
  try {
    tracker::init(o);
    FAIL("init accepted a newer schema");
  } catch (const tracker::error& e) {
    CHECK(e.code() == tracker::error_code::schema_too_new);
    CHECK_THAT(e.what(), Catch::Contains("Upgrade tracker"));
    CHECK_THAT(e.what(), Catch::Contains("99"));
  }
  CHECK_THROWS_MATCHES(tracker::reader::open(dir.store()), tracker::error,
                       Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::schema_too_new;
                       }));
  // Nothing was changed: putting the version back makes the old run readable again.
  CHECK(user_version(dir.store() + "/tracker.db") == 99);
  exec_sql(dir.store() + "/tracker.db", "PRAGMA user_version = " + std::to_string(tracker::store::schema_version));
  CHECK(tracker::reader::open(dir.store()).run(id).id == id);
}

TEST_CASE("a foreign SQLite database is not mistaken for a store", "[store]") {
  temp_dir dir;
  std::filesystem::create_directories(dir.store());
  exec_sql(dir.store() + "/tracker.db", "CREATE TABLE precious(x); INSERT INTO precious VALUES(1)");
  tracker::options o;
  o.store = dir.store();
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::store_corrupt;
                       }));
}

TEST_CASE("reading a directory without a store says how to make one", "[store]") {
  temp_dir dir;
  try {
    tracker::reader::open(dir.path() + "/nothing-here");
    FAIL("opened a missing store");
  } catch (const tracker::error& e) {
    CHECK(e.code() == tracker::error_code::store_open_failed);
    CHECK_THAT(e.what(), Catch::Contains("tracker::init"));
  }
}

TEST_CASE("NaN and +-Inf are stored faithfully and ignored by min/max/best", "[store]") {
  temp_dir dir;
  tracker::options o;
  o.store = dir.store();
  tracker::run r = tracker::init(o);
  const double inf = std::numeric_limits<double>::infinity();
  r.log("val/loss", 0.5, 0);
  r.log("val/loss", std::nan(""), 1);
  r.log("val/loss", inf, 2);
  r.log("val/loss", -inf, 3);
  r.log("val/loss", 0.25, 4);
  r.log("val/loss", std::nan(""), 5);
  r.finish();

  auto store = tracker::reader::open(dir.store());
  auto pts = store.points(r.id(), "val/loss");
  REQUIRE(pts.size() == 6);
  CHECK(pts[0].value == 0.5);
  CHECK(std::isnan(pts[1].value));
  CHECK(pts[2].value == inf);
  CHECK(pts[3].value == -inf);
  CHECK(pts[4].value == 0.25);
  CHECK(std::isnan(pts[5].value));

  auto s = store.summary(r.id(), "val/loss");
  REQUIRE(s);
  CHECK(s->count == 6);
  CHECK(s->nonfinite == 4);  // two NaN, +Inf, -Inf
  CHECK(*s->min == 0.25);
  CHECK(*s->max == 0.5);
  CHECK(*s->best() == 0.25);  // "loss" minimizes
  CHECK(std::isnan(s->last)); // last is the value at the highest step, NaN included
  CHECK(s->last_step == 5);
}

TEST_CASE("bucketed reads agree with the raw points they summarise", "[store]") {
  temp_dir dir;
  tracker::options o;
  o.store = dir.store();
  tracker::run r = tracker::init(o);
  auto k = r.key("series");
  const int n = 200000;
  for (int i = 0; i < n; ++i) r.log(k, std::sin(i * 0.001) + (i == 123457 ? 50.0 : 0.0), i);
  r.finish();

  auto store = tracker::reader::open(dir.store());
  auto raw = store.points(r.id(), "series");
  REQUIRE(raw.size() == n);
  for (std::size_t width : {std::size_t{100}, std::size_t{2000}, std::size_t{7}}) {
    auto b = store.buckets(r.id(), "series", 0, n - 1, width);
    REQUIRE(!b.empty());
    CHECK(b.size() <= width);
    std::int64_t total = 0;
    for (auto& bk : b) {
      total += bk.count;
      // Every bucket's min/max equal the raw points in its step range.
      double lo = 1e300, hi = -1e300;
      for (std::int64_t s = bk.step_begin; s <= bk.step_end; ++s) {
        lo = std::min(lo, raw[static_cast<std::size_t>(s)].value);
        hi = std::max(hi, raw[static_cast<std::size_t>(s)].value);
      }
      REQUIRE(bk.min);
      CHECK(*bk.min == lo);
      CHECK(*bk.max == hi);
      CHECK(bk.last == raw[static_cast<std::size_t>(bk.last_step)].value);
    }
    CHECK(total == n);
    // The spike is never hidden.
    double top = -1e300;
    for (auto& bk : b) top = std::max(top, *bk.max);
    CHECK(top > 49.0);
  }
  // A narrow window comes back at full resolution.
  auto fine = store.buckets(r.id(), "series", 1000, 1099, 2000);
  REQUIRE(fine.size() == 100);
  CHECK(fine[0].step_begin == 1000);
  CHECK(fine[0].last == raw[1000].value);
}

TEST_CASE("out-of-order steps update existing pyramid buckets", "[store]") {
  temp_dir dir;
  tracker::options o;
  o.store = dir.store();
  tracker::run r = tracker::init(o);
  for (int i = 0; i < 5000; ++i) r.log("x", 1.0, i);
  r.flush();
  r.log("x", -7.0, 10);    // back in time, into buckets already committed
  r.log("x", 9.0, 4999);   // same step as the last one: the later log wins "last"
  r.finish();
  auto store = tracker::reader::open(dir.store());
  auto b = store.buckets(r.id(), "x", 0, 4999, 1);
  REQUIRE(b.size() == 1);
  CHECK(b[0].count == 5002);
  CHECK(*b[0].min == -7.0);
  CHECK(*b[0].max == 9.0);
  CHECK(b[0].last == 9.0);
  auto s = store.summary(r.id(), "x");
  CHECK(s->last == 9.0);
  CHECK(s->count == 5002);
}
