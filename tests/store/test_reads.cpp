// Reads a live viewer polls: exact buckets with time ranges, a cheap change check, snapshots,
// incremental reads by cursor, summaries of many runs, the object index, and the migration
// that brought bucket times to stores written by schema 1.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "old_points_layout.hpp"
#include "test_support.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

using tracker_test::quiet;
using tracker_test::temp_dir;

namespace {


// What a bucket over [b, e] must say, computed from the raw points.
struct expected_bucket {
  std::int64_t count = 0;
  double min = INFINITY, max = -INFINITY, first_time = INFINITY, last_time = -INFINITY;
};
expected_bucket brute_force(const std::vector<tracker::point>& pts, std::int64_t b, std::int64_t e) {
  expected_bucket x;
  for (auto& p : pts)
    if (p.step >= b && p.step <= e) {
      ++x.count;
      x.min = std::min(x.min, p.value);
      x.max = std::max(x.max, p.value);
      x.first_time = std::min(x.first_time, p.time);
      x.last_time = std::max(x.last_time, p.time);
    }
  return x;
}

}  // namespace

TEST_CASE("buckets are exact at the edges of the range: a spike outside it never leaks in", "[reads]") {
  temp_dir dir;
  auto run = tracker::init(quiet(dir));
  const std::int64_t n = 300'000;  // deep enough for pyramid levels 1..4
  auto k = run.key("v");
  for (std::int64_t s = 0; s < n; ++s) run.log(k, s == 150'000 ? 1e9 : std::sin(s * 0.001), s);
  REQUIRE(run.flush());
  auto store = tracker::reader::open(dir.store());

  // The spike sits one step left of the range: the old code reported 1e9 for the first bucket.
  for (std::size_t width : {1u, 10u, 1000u}) {
    auto right = store.buckets(run.id(), "v", 150'001, n - 1, width);
    REQUIRE_FALSE(right.empty());
    for (auto& b : right) CHECK(*b.max <= 1.0);
    auto left = store.buckets(run.id(), "v", 0, 149'999, width);
    for (auto& b : left) CHECK(*b.max <= 1.0);
    auto with = store.buckets(run.id(), "v", 149'000, 151'000, width);
    double top = -1;
    for (auto& b : with) top = std::max(top, *b.max);
    CHECK(top == 1e9);
  }

  // Property: every bucket of random ranges and widths agrees with the raw points it covers.
  auto raw = store.points(run.id(), "v");
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 40; ++trial) {
    std::int64_t a = static_cast<std::int64_t>(rng() % n), b = static_cast<std::int64_t>(rng() % n);
    if (a > b) std::swap(a, b);
    std::size_t width = 1 + rng() % 3000;
    auto buckets = store.buckets(run.id(), "v", a, b, width);
    CHECK(buckets.size() <= width);
    std::int64_t total = 0;
    for (auto& bk : buckets) {
      auto x = brute_force(raw, bk.step_begin, bk.step_end);
      INFO("range " << a << ".." << b << " width " << width << " bucket " << bk.step_begin << ".." << bk.step_end);
      CHECK(bk.count == x.count);
      CHECK(*bk.min == x.min);
      CHECK(*bk.max == x.max);
      CHECK(bk.first_time == x.first_time);
      CHECK(bk.last_time == x.last_time);
      CHECK(bk.step_begin >= a);
      CHECK(bk.step_end <= b);
      total += bk.count;
    }
    CHECK(total == b - a + 1);  // the buckets cover the range, each point once
  }
}

TEST_CASE("data_version changes when another connection commits, and only then", "[reads]") {
  temp_dir dir;
  auto run = tracker::init(quiet(dir));
  run.log("v", 1.0, 0);
  REQUIRE(run.flush());
  auto store = tracker::reader::open(dir.store());
  auto v0 = store.data_version();
  store.runs();
  store.summaries(run.id());
  CHECK(store.data_version() == v0);  // our own reads change nothing
  run.log("v", 2.0, 1);
  REQUIRE(run.flush());
  CHECK(store.data_version() != v0);
}

TEST_CASE("a read snapshot sees one state while the writer goes on committing", "[reads]") {
  temp_dir dir;
  auto run = tracker::init(quiet(dir));
  for (int s = 0; s < 10; ++s) run.log("v", s, s);
  REQUIRE(run.flush());
  auto store = tracker::reader::open(dir.store());
  {
    auto snap = store.begin_snapshot();
    CHECK(store.summary(run.id(), "v")->count == 10);
    for (int s = 10; s < 20; ++s) run.log("v", s, s);
    REQUIRE(run.flush());
    CHECK(store.summary(run.id(), "v")->count == 10);
    CHECK(store.points(run.id(), "v").size() == 10);
  }
  CHECK(store.summary(run.id(), "v")->count == 20);
}

TEST_CASE("points_after reads only what is new, including a late point for an old step", "[reads]") {
  temp_dir dir;
  auto run = tracker::init(quiet(dir));
  for (int s = 0; s < 1000; ++s) run.log("v", s, s);
  REQUIRE(run.flush());
  auto store = tracker::reader::open(dir.store());
  auto first = store.points_after(run.id(), "v", 0);
  CHECK(first.points.size() == 1000);
  CHECK_FALSE(first.more);
  auto idle = store.points_after(run.id(), "v", first.cursor);
  CHECK(idle.points.empty());
  CHECK(idle.cursor == first.cursor);

  run.log("v", 1000.0, 1000);
  run.log("v", -5.0, 3);  // out of order: a poll by "steps after the last one" would miss it
  REQUIRE(run.flush());
  auto second = store.points_after(run.id(), "v", first.cursor);
  REQUIRE(second.points.size() == 2);
  CHECK(second.points[0].step == 1000);
  CHECK(second.points[1].step == 3);
  CHECK(second.points[1].value == -5.0);

  auto limited = store.points_after(run.id(), "v", 0, 600);
  CHECK(limited.points.size() == 600);
  CHECK(limited.more);
  auto rest = store.points_after(run.id(), "v", limited.cursor, 600);
  CHECK(rest.points.size() == 402);
  CHECK(store.points_after(run.id(), "missing-key", 0).points.empty());
}

TEST_CASE("summaries_of reads many runs in one call, keys optional", "[reads]") {
  temp_dir dir;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto run = tracker::init(quiet(dir));
    run.log({{"a", 1.0 * i}, {"b", 10.0 * i}}, 0);
    ids.push_back(run.id());
  }
  auto store = tracker::reader::open(dir.store());
  auto all = store.summaries_of({ids[0], "no-such-run", ids[4]});
  REQUIRE(all.size() == 3);
  CHECK(all[0].size() == 2);
  CHECK(all[1].empty());
  REQUIRE(all[2].size() == 2);
  CHECK(all[2][1].key == "b");
  CHECK(all[2][1].last == 40.0);
  auto only_b = store.summaries_of(ids, {"b"});
  for (std::size_t i = 0; i < ids.size(); ++i) {
    REQUIRE(only_b[i].size() == 1);
    CHECK(only_b[i][0].last == 10.0 * static_cast<double>(i));
  }
}

TEST_CASE("the object index lists objects without bodies; one body is read by step", "[reads]") {
  temp_dir dir;
  auto run = tracker::init(quiet(dir));
  for (int s = 0; s < 3; ++s) run.log_object("val/cm", "confusion_matrix", {{"step", s}, {"pad", std::string(100 * (s + 1), 'x')}}, s);
  run.log_object("other", "table", {{"x", 1}}, 1);
  REQUIRE(run.flush());
  auto store = tracker::reader::open(dir.store());
  auto index = store.object_index(run.id(), "val/cm");
  REQUIRE(index.size() == 3);
  CHECK(index[2].step == 2);
  CHECK(index[2].kind == "confusion_matrix");
  CHECK(index[2].size > index[0].size);
  CHECK(store.object_index(run.id()).size() == 4);
  CHECK(store.object_index(run.id(), "", "table").size() == 1);
  auto one = store.object(run.id(), "val/cm", 1);
  REQUIRE(one);
  CHECK(one->body_json.find("\"step\":1") != std::string::npos);
  CHECK(store.object(run.id(), "val/cm")->step == 2);  // latest
  CHECK_FALSE(store.object(run.id(), "val/cm", 7));
}

TEST_CASE("runs() reads a project through its index and answers conditions in bulk", "[reads]") {
  temp_dir dir;
  for (int i = 0; i < 6; ++i) {
    auto o = quiet(dir);
    o.project = i % 2 ? "odd" : "even";
    o.config = {{"lr", 0.1 * i}};
    o.tags = {i % 3 == 0 ? "three" : "other"};
    auto run = tracker::init(o);
    run.log("val/acc", 0.5 + 0.05 * i, 0);
  }
  auto store = tracker::reader::open(dir.store());
  tracker::run_filter f;
  f.project = "odd";
  CHECK(store.runs(f).size() == 3);
  f.where = {tracker::parse_condition("val/acc>=0.7")};
  auto hits = store.runs(f);  // odd runs have val/acc 0.55, 0.65, 0.75
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].config_json.find("0.5") != std::string::npos);  // lr = 0.1 * 5
  f.project.reset();
  f.tags = {"three"};
  f.where = {tracker::parse_condition("val/acc>0.6")};
  REQUIRE(store.runs(f).size() == 1);  // i = 3 (0.65); i = 0 has 0.5
  CHECK(store.runs(f)[0].config_json.find("\"lr\"") != std::string::npos);
}

TEST_CASE("a store written by schema 1 migrates in place: bucket times back-filled, data intact", "[reads][migration]") {
  temp_dir dir;
  std::string id;
  {
    auto run = tracker::init(quiet(dir));
    for (int s = 0; s < 5000; ++s) run.log("v", s * 0.5, s);
    run.finish();
    id = run.id();
  }
  // Turn it into exactly what schema 1 wrote: points one row each, no bucket times, no
  // runs_by_created index, no production tables.
  tracker_test::downgrade_points_layout(dir.store());
  tracker_test::exec_sql(tracker_test::store_db(dir.store()),
           "ALTER TABLE buckets DROP COLUMN first_time; ALTER TABLE buckets DROP COLUMN last_time;"
           " DROP INDEX runs_by_created; DROP TABLE production_blocks; DROP TABLE production_ids;"
           " DROP TABLE production_feedback; DROP TABLE production_models; PRAGMA user_version = 1");
  // A reader never migrates: it asks for a writer, and changes nothing.
  CHECK_THROWS_MATCHES(tracker::reader::open(dir.store()), tracker::error,
                       Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::store_open_failed &&
                                std::string(e.what()).find("open it once for writing") != std::string::npos;
                       }));
  {
    auto o = quiet(dir);
    auto writer = tracker::init(o);  // migrates to the current schema under the write lock
  }
  auto store = tracker::reader::open(dir.store());
  auto raw = store.points(id, "v");
  REQUIRE(raw.size() == 5000);
  CHECK(store.summary(id, "v")->last == 4999 * 0.5);
  auto buckets = store.buckets(id, "v", 0, 4999, 10);  // from the back-filled pyramid rows
  REQUIRE_FALSE(buckets.empty());
  for (auto& b : buckets) {
    auto x = brute_force(raw, b.step_begin, b.step_end);
    CHECK(b.count == x.count);
    CHECK(b.first_time == x.first_time);
    CHECK(b.last_time == x.last_time);
  }
  CHECK(store.run("latest").id != id);  // the index created by the migration answers "latest"
}

TEST_CASE("points_since reads every new point of every series in one call, grouped by series", "[reads]") {
  temp_dir dir;
  auto a = tracker::init(quiet(dir));
  auto b = tracker::init(quiet(dir));
  a.log("x", 1.0, 0);
  REQUIRE(a.flush());
  auto store = tracker::reader::open(dir.store());
  auto start = store.cursor_now();
  CHECK(store.points_since(start).series.empty());
  for (int s = 1; s <= 5; ++s) {
    a.log({{"x", s * 1.0}, {"y", -s * 1.0}}, s);
    b.log("x", s * 10.0, s);
  }
  a.log("x", 99.0, 0);  // late, for an old step
  REQUIRE(a.flush());
  REQUIRE(b.flush());
  auto changes = store.points_since(start);
  CHECK_FALSE(changes.more);
  std::map<std::pair<std::string, std::string>, std::vector<tracker::point>> got;
  for (auto& s : changes.series) got[{s.run_id, s.key}] = s.points;
  REQUIRE(got.size() == 3);
  CHECK(got[{a.id(), "x"}].size() == 6);
  CHECK(got[{a.id(), "x"}].back().value == 99.0);  // insertion order: the late point comes last
  CHECK(got[{a.id(), "y"}].size() == 5);
  CHECK(got[{b.id(), "x"}].size() == 5);
  CHECK(got[{b.id(), "x"}][4].value == 50.0);
  CHECK(store.points_since(changes.cursor).series.empty());
  auto limited = store.points_since(start, 4);
  CHECK(limited.more);
  std::size_t n = 0;
  for (auto& s : limited.series) n += s.points.size();
  CHECK(n == 4);
}
