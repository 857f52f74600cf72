// Schema 4: points stored in blocks. Raw reads in step order (ties in logging order), late
// points, NaN and infinities, cursors across block boundaries, damage detection, and the
// migration of a store written by schema 3 (one row per point), which must read back exactly.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "old_points_layout.hpp"
#include "store/backend.hpp"
#include "test_support.hpp"

#include <sqlite3.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <random>

using tracker_test::exec_sql;
using tracker_test::quiet;
using tracker_test::temp_dir;

namespace {


// Exactly equal, NaN included (a NaN reads back as NaN).
bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }
bool same(const tracker::point& a, const tracker::point& b) {
  return a.step == b.step && same(a.time, b.time) && same(a.value, b.value);
}
void check_same(const std::vector<tracker::point>& a, const std::vector<tracker::point>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("point " << i << ": step " << a[i].step << " vs " << b[i].step);
    CHECK(same(a[i], b[i]));
  }
}

int user_version(const std::string& db_path) {
  return static_cast<int>(tracker_test::query_int(db_path, "PRAGMA user_version"));
}

// What a series must read back as: its points in logging order.
using logged = std::map<std::string, std::vector<tracker::point>>;

std::vector<tracker::point> in_step_order(std::vector<tracker::point> v) {
  std::stable_sort(v.begin(), v.end(), [](const tracker::point& a, const tracker::point& b) { return a.step < b.step; });
  return v;
}

// Logs a mix of the hard cases into two keys of one run, with commits of varied sizes.
logged log_hard_cases(tracker::run& run, int n, unsigned seed) {
  logged want;
  std::mt19937 rng(seed);
  auto put = [&](const std::string& key, double v, std::int64_t step) {
    run.log(key, v, step);
    want[key].push_back(tracker::point{step, 0, v});
  };
  for (int s = 0; s < n; ++s) {
    double v = std::sin(s * 0.01) + static_cast<double>(rng() % 1000) * 1e-6;
    if (s % 97 == 0) v = std::numeric_limits<double>::quiet_NaN();
    if (s % 211 == 0) v = (s % 2 ? 1 : -1) * std::numeric_limits<double>::infinity();
    put("train/loss", v, s);
    if (s % 3 == 0) put("val/acc", s * 1e-4, s);
    if (s % 500 == 250) put("train/loss", -1.0 * s, s / 2);  // late, for an old step
    if (s % 700 == 10) put("train/loss", 42.0, s);           // the same step twice: logging order
    if (rng() % 50 == 0) REQUIRE(run.flush());                // commits of varied sizes
  }
  REQUIRE(run.flush());
  return want;
}

// Times are stamped by the writer; take them from the store for the comparison, in logging order.
void check_series(const tracker::reader& store, const std::string& id, const std::string& key,
                  const std::vector<tracker::point>& want_logged) {
  // Logging order through the cursor, in small pages across block boundaries.
  std::vector<tracker::point> by_cursor;
  std::int64_t cursor = 0;
  for (;;) {
    auto b = store.points_after(id, key, cursor, 37);
    by_cursor.insert(by_cursor.end(), b.points.begin(), b.points.end());
    if (b.points.empty()) break;
    CHECK(b.cursor > cursor);
    cursor = b.cursor;
  }
  REQUIRE(by_cursor.size() == want_logged.size());
  for (std::size_t i = 0; i < by_cursor.size(); ++i) {
    INFO(key << " point " << i);
    CHECK(by_cursor[i].step == want_logged[i].step);
    CHECK(same(by_cursor[i].value, want_logged[i].value));
  }
  // Step order, ties in logging order: a stable sort of the logging order.
  check_same(store.points(id, key), in_step_order(by_cursor));
  // Ranges: exactly the points inside, still in order.
  for (auto [from, to] : std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 0}, {5, 700}, {511, 513}, {1000, 1000}, {2500, 9000}, {-5, -1}}) {
    std::vector<tracker::point> want;
    for (auto& p : in_step_order(by_cursor))
      if (p.step >= from && p.step <= to) want.push_back(p);
    INFO(key << " range " << from << ".." << to);
    check_same(store.points(id, key, from, to), want);
  }
}

}  // namespace

TEST_CASE("point blocks read back in step order and by cursor, with late points, ties, NaN and Inf", "[store][blocks]") {
  temp_dir dir;
  auto run = tracker::init(quiet(dir));
  logged want = log_hard_cases(run, 3000, 1);
  auto store = tracker::reader::open(dir.store());
  for (auto& [key, pts] : want) check_series(store, run.id(), key, pts);
  auto s = store.summary(run.id(), "train/loss");
  REQUIRE(s);
  CHECK(s->count == static_cast<std::int64_t>(want["train/loss"].size()));
  // points_since pages through everything, in insertion order, nothing twice, nothing missed.
  std::map<std::string, std::vector<tracker::point>> got;
  std::int64_t cursor = 0;
  for (;;) {
    auto c = store.points_since(cursor, 101);
    for (auto& series : c.series) got[series.key].insert(got[series.key].end(), series.points.begin(), series.points.end());
    if (c.series.empty()) break;
    CHECK(c.cursor > cursor);
    cursor = c.cursor;
  }
  CHECK(cursor == store.cursor_now());
  for (auto& [key, pts] : want) {
    REQUIRE(got[key].size() == pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i) CHECK(got[key][i].step == pts[i].step);
  }
  // New points after a cursor: exactly those, the late one included.
  auto before = store.cursor_now();
  run.log("train/loss", 7.0, 3);  // late
  run.log("val/acc", 8.0, 5000);
  REQUIRE(run.flush());
  auto c = store.points_since(before);
  std::size_t n = 0;
  for (auto& series : c.series) n += series.points.size();
  CHECK(n == 2);
  auto late = store.points_after(run.id(), "train/loss", before);
  REQUIRE(late.points.size() == 1);
  CHECK(late.points[0].step == 3);
  CHECK(late.points[0].value == 7.0);
}

TEST_CASE("the open block is one points_tail row per commit, a block of points when full or closed, also across writers",
          "[store][blocks]") {
  temp_dir dir;
  const std::string db = dir.store() + "/tracker.db";
  auto rows = [&](const std::string& table, const std::string& where) {
    return tracker_test::query_int(
        db, "SELECT count(*) FROM " + table + " WHERE sid = (SELECT sid FROM series WHERE key = 'x') AND " + where);
  };
  std::vector<tracker::point> want;
  auto put = [&](tracker::run& run, int n) {
    for (int i = 0; i < n; ++i) {
      const auto step = static_cast<std::int64_t>(want.size());
      run.log("x", 0.5 * static_cast<double>(step), step);
      want.push_back(tracker::point{step, 0, 0.5 * static_cast<double>(step)});
    }
    REQUIRE(run.flush());
  };
  tracker::options o = quiet(dir);
  o.id = "tail";
  o.resume = tracker::resume_mode::allow;
  // A writer that dies without closing the run: its tail stays in points_tail.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto run = tracker::init(o);
    for (int c = 0; c < 3; ++c) put(run, 100);
    kill(getpid(), SIGKILL);
    _exit(3);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  for (int i = 0; i < 300; ++i) want.push_back(tracker::point{i, 0, 0.5 * i});
  CHECK(rows("points_tail", "n = 100") == 3);  // three commits: three rows, nothing rewritten
  CHECK(rows("points", "1") == 0);
  {
    // A new writer continues that tail.
    auto run = tracker::init(o);
    put(run, 150);
    CHECK(rows("points_tail", "1") == 4);
    put(run, 300);  // 300 + 150 + 300 = 750: one full block of 512 in points, 238 left in the tail
    CHECK(rows("points", "n = 512") == 1);
    CHECK(rows("points_tail", "n = 238") == 1);
    CHECK(rows("points_tail", "1") == 1);
    run.log("x", -1.0, 3);  // a late point: a tail row of its own, marked unordered
    want.insert(want.begin() + 4, tracker::point{3, 0, -1.0});
    REQUIRE(run.flush());
    CHECK(rows("points_tail", "ordered = 0") == 1);
    // Reads see the tail while the run is live, the late point in step order.
    auto live = tracker::reader::open(dir.store()).points("tail", "x");
    REQUIRE(live.size() == want.size());
    CHECK(live[4].value == -1.0);
    run.finish();
  }
  // Closed: the tail became a block of points.
  CHECK(rows("points_tail", "1") == 0);
  CHECK(rows("points", "n = 239 AND ordered = 0") == 1);
  auto store = tracker::reader::open(dir.store());
  auto got = store.points("tail", "x");
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("point " << i);
    CHECK(got[i].step == want[i].step);
    CHECK(got[i].value == want[i].value);
  }
  CHECK(store.points("tail", "x", 3, 3).size() == 2);
}

TEST_CASE("a store of schema 5 (no points_tail) migrates in place, and a writer continues its series exactly",
          "[store][blocks][migration]") {
  temp_dir dir;
  const std::string db = dir.store() + "/tracker.db";
  tracker::options o = quiet(dir);
  o.id = "m";
  o.resume = tracker::resume_mode::must;
  logged want;
  {
    tracker::options first = o;
    first.resume = tracker::resume_mode::never;
    auto run = tracker::init(first);
    want = log_hard_cases(run, 2000, 5);
    run.finish();  // each series' last, partial block is now a row of points, as schema 5 kept it
  }
  tracker_test::exec_sql(db, "DROP INDEX points_tail_by_sid; DROP TABLE points_tail; PRAGMA user_version = 5");
  {
    auto run = tracker::init(o);  // migrates to 6
    CHECK(user_version(db) == tracker::store::schema_version);
    for (int i = 0; i < 77; ++i) {
      run.log("train/loss", 0.25 * i, 5000 + i);
      want["train/loss"].push_back(tracker::point{5000 + i, 0, 0.25 * i});
    }
    run.log("train/loss", 9.0, 7);  // late
    want["train/loss"].push_back(tracker::point{7, 0, 9.0});
    REQUIRE(run.flush());
    CHECK(tracker_test::query_int(db, "SELECT count(*) FROM points_tail") > 0);
    auto live = tracker::reader::open(dir.store());
    for (auto& [key, pts] : want) check_series(live, "m", key, pts);
    run.finish();
  }
  CHECK(tracker_test::query_int(db, "SELECT count(*) FROM points_tail") == 0);
  auto store = tracker::reader::open(dir.store());
  for (auto& [key, pts] : want) check_series(store, "m", key, pts);
}

TEST_CASE("a damaged points block is reported, never read as other numbers", "[store][blocks]") {
  temp_dir dir;
  std::string id;
  {
    auto run = tracker::init(quiet(dir));
    for (int s = 0; s < 100; ++s) run.log("v", s, s);
    run.finish();
    id = run.id();
  }
  exec_sql(tracker_test::store_db(dir.store()), "UPDATE points SET data = substr(data, 1, length(data) - 3)");
  auto store = tracker::reader::open(dir.store());
  CHECK_THROWS_MATCHES(store.points(id, "v"), tracker::error, Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::store_corrupt;
                       }));
}

TEST_CASE("a store written by schema 3 migrates to point blocks in place and reads back exactly", "[store][blocks][migration]") {
  temp_dir dir;
  std::string a_id, b_id;
  logged want_a;
  {
    auto a = tracker::init(quiet(dir));
    auto b = tracker::init(quiet(dir));
    want_a = log_hard_cases(a, 2500, 2);
    for (int s = 0; s < 700; ++s) b.log("x", s * 2.0, s);
    REQUIRE(b.flush());
    a_id = a.id();
    b_id = b.id();
  }
  // What the store says before: every read a user or the viewer makes.
  std::vector<tracker::store::sequenced_point> order_before = tracker_test::all_points_in_order(dir.store());
  std::map<std::string, std::vector<tracker::point>> raw_before;
  std::map<std::string, std::vector<tracker::bucket>> buckets_before;
  std::int64_t cursor_before = 0, mid_cursor = order_before[order_before.size() / 2].seq;
  tracker::point_changes since_mid_before;
  {
    auto store = tracker::reader::open(dir.store());
    for (auto& [key, pts] : want_a) {
      raw_before[key] = store.points(a_id, key);
      buckets_before[key] = store.buckets(a_id, key, INT64_MIN, INT64_MAX, 20);
    }
    raw_before["b/x"] = store.points(b_id, "x");
    cursor_before = store.cursor_now();
    since_mid_before = store.points_since(mid_cursor);
  }
  // Make it exactly what schema 3 wrote: one row per point, rowid = seq.
  tracker_test::downgrade_points_layout(dir.store());
  exec_sql(tracker_test::store_db(dir.store()), "PRAGMA user_version = 3");
  // A reader does not migrate: it asks for a writer and changes nothing.
  CHECK_THROWS_MATCHES(tracker::reader::open(dir.store()), tracker::error,
                       Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::store_open_failed &&
                                std::string(e.what()).find("open it once for writing") != std::string::npos;
                       }));
  CHECK(user_version(tracker_test::store_db(dir.store())) == 3);
  auto c = tracker::init(quiet(dir));  // migrates under the write lock, in one transaction
  CHECK(user_version(tracker_test::store_db(dir.store())) == tracker::store::schema_version);

  auto order_after = tracker_test::all_points_in_order(dir.store());
  REQUIRE(order_after.size() == order_before.size());
  for (std::size_t i = 0; i < order_after.size(); ++i) {
    INFO("point " << i);
    CHECK(order_after[i].seq == order_before[i].seq);  // cursors held before stay valid
    CHECK(order_after[i].sid == order_before[i].sid);
    CHECK(same(order_after[i].value, order_before[i].value));
  }
  auto store = tracker::reader::open(dir.store());
  CHECK(store.cursor_now() == cursor_before);
  for (auto& [key, pts] : want_a) {
    INFO(key);
    check_same(store.points(a_id, key), raw_before[key]);
    check_series(store, a_id, key, pts);
    auto b = store.buckets(a_id, key, INT64_MIN, INT64_MAX, 20);
    REQUIRE(b.size() == buckets_before[key].size());
    for (std::size_t i = 0; i < b.size(); ++i) {
      CHECK(b[i].count == buckets_before[key][i].count);
      CHECK(b[i].min == buckets_before[key][i].min);
      CHECK(b[i].first_time == buckets_before[key][i].first_time);
    }
  }
  check_same(store.points(b_id, "x"), raw_before["b/x"]);
  auto since_mid = store.points_since(mid_cursor);
  CHECK(since_mid.cursor == since_mid_before.cursor);
  REQUIRE(since_mid.series.size() == since_mid_before.series.size());
  for (std::size_t i = 0; i < since_mid.series.size(); ++i) check_same(since_mid.series[i].points, since_mid_before.series[i].points);

  // Writing goes on after the migration: new points come after every old cursor.
  c.log("new", 1.0, 0);
  c.log("new", 2.0, 1);
  REQUIRE(c.flush());
  auto fresh = store.points_since(cursor_before);
  REQUIRE(fresh.series.size() == 1);
  CHECK(fresh.series[0].key == "new");
  CHECK(fresh.series[0].points.size() == 2);
}
