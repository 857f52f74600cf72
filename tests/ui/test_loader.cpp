// test_loader.cpp — the store adapter and the background loader against real stores written
// with the tracker API: live refresh reads only new rows, an idle store costs no reads, bad
// stores give clear errors.
#include "fixture.hpp"
#include "model/loader.hpp"
#include "model/store_source.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <test_support.hpp>
#include <tracker/tracker.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace tracker::ui;
namespace fs = std::filesystem;

namespace {

tracker::options live_options(const std::string& store) {
  tracker::options o;
  o.store = store;
  o.project = "live";
  o.name = "growing";
  o.capture_git = false;
  o.handle_signals = false;
  o.heartbeat_interval = std::chrono::milliseconds(600000);  // no heartbeat commits mid-test
  return o;
}

std::shared_ptr<const snapshot> wait_settled(
    loader& l, std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto s = l.latest();
    if ((s->loaded && s->settled) || std::chrono::steady_clock::now() > until) return s;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

TEST_CASE("live refresh: a growing run's second poll reads only the new rows") {
  tracker_test::temp_dir dir;
  tracker::run run = tracker::init(live_options(dir.store()));
  for (int i = 0; i < 1000; ++i) run.log("train/loss", 1.0 / (i + 1), i);
  run.flush();

  sync_feed feed(store_source::open(dir.store()));
  feed.want({series_want{run.id(), "train/loss"}});
  feed.pump();
  auto s1 = feed.latest()->find(run.id(), "train/loss");
  REQUIRE(s1);
  CHECK(s1->count == 1000);
  CHECK(s1->last_step == 999);
  const source_stats before = feed.core().source().stats();
  CHECK(before.points_read == 1000);

  for (int i = 1000; i < 1010; ++i) run.log("train/loss", 0.5, i);
  run.flush();
  REQUIRE(feed.pump());
  const source_stats after = feed.core().source().stats();
  CHECK(after.points_read - before.points_read == 10);  // only the new rows
  CHECK(after.buckets_read == before.buckets_read);
  auto s2 = feed.latest()->find(run.id(), "train/loss");
  CHECK(s2->count == 1010);
  CHECK(s2->last_step == 1009);
  CHECK(s1->count == 1000);  // the snapshot the frame held is unchanged (copy on write)
  run.finish();
}

TEST_CASE("live refresh: a long series grows by its new points, not by re-reading its length") {
  tracker_test::temp_dir dir;
  tracker::run run = tracker::init(live_options(dir.store()));
  for (int i = 0; i < 50000; ++i) run.log("train/loss", (i == 31337) ? 100.0 : 1.0, i);
  run.flush();
  sync_feed feed(store_source::open(dir.store()));
  feed.want({series_want{run.id(), "train/loss"}});
  feed.pump();
  auto s1 = feed.latest()->find(run.id(), "train/loss");
  REQUIRE(s1);
  CHECK(s1->overview.buckets.size() <= 2 * overview_target);
  CHECK(feed.core().source().stats().points_read < 10);  // the pyramid, not 50,000 points
  double max = 0;
  for (const auto& b : s1->overview.buckets) max = std::max(max, b.max);
  CHECK(max == 100.0);  // the spike is in the overview

  const auto before = feed.core().source().stats();
  for (int i = 50000; i < 51000; ++i) run.log("train/loss", 2.0, i);
  run.flush();
  feed.pump();
  const auto after = feed.core().source().stats();
  CHECK(after.points_read - before.points_read == 1000);
  CHECK(after.buckets_read == before.buckets_read);
  auto s2 = feed.latest()->find(run.id(), "train/loss");
  CHECK(s2->last_step == 50999);
  CHECK(s2->overview.buckets.back().last == 2.0);

  // A point logged late for an old step of the long series (> 4,096 points, so loaded from
  // buckets): the global insertion-order cursor sees it; following by step would not.
  run.log("train/loss", -7.0, 1234);
  run.flush();
  REQUIRE(feed.pump());
  CHECK(feed.core().source().stats().points_read - after.points_read == 1);
  auto s3 = feed.latest()->find(run.id(), "train/loss");
  CHECK(s3->last_step == 50999);
  CHECK(s3->count == s2->count + 1);
  double min = 0;
  bool in_place = false;
  for (const auto& b : s3->overview.buckets) {
    min = std::min(min, b.min);
    if (b.min == -7.0) in_place = b.step_begin <= 1234 && 1234 <= b.step_end;
  }
  CHECK(min == -7.0);
  CHECK(in_place);

  // A series nobody shows grows nothing in the cache, and costs no extra query.
  run.log("train/other", 1.0, 0);
  run.flush();
  feed.pump();
  CHECK_FALSE(feed.latest()->find(run.id(), "train/other"));
  run.finish();
}

TEST_CASE(
    "live refresh: a run that finishes, or whose process is killed, changes its status in place") {
  tracker_test::temp_dir dir;
  tracker::run run = tracker::init(live_options(dir.store()));
  run.log("train/loss", 1.0, 0);
  run.flush();
  tracker_test::child_process child(
      TRACKER_TEST_LOGGER_PATH,
      {dir.store(), "victim", "50", "--key", "train/loss", "--report-every", "50", "--no-finish"});
  std::string line;
  REQUIRE(child.read_line(line, 20000));  // "logged 50": committed, still live

  sync_feed feed(store_source::open(dir.store()));
  feed.core().set_live_recheck(std::chrono::milliseconds(0));
  feed.pump();
  auto status = [&](const std::string& id) { return feed.latest()->cat->find(id)->info.status; };
  CHECK(status(run.id()) == tracker::run_status::running);
  CHECK(status("victim") == tracker::run_status::running);
  CHECK(feed.latest()->cat->find(run.id())->live());

  run.finish();
  feed.pump();
  CHECK(status(run.id()) == tracker::run_status::finished);

  child.send_signal(SIGKILL);
  child.wait();
  feed.pump();  // no commit happened: the live re-check notices the dead writer
  CHECK(status("victim") == tracker::run_status::crashed);
  CHECK(feed.latest()->cat->find("victim")->info.status_reason.find("ended") != std::string::npos);
}

TEST_CASE("loader: equal wants are equal, whole-range (NaN) ones included") {
  series_want a{"r", "k"};
  series_want b = a;
  CHECK(a == b);
  b.x0 = 10;
  CHECK_FALSE(a == b);
  tracker_test::temp_dir dir;
  tracker_ui_test::make_fixture_store(dir.store());
  loader_core core(store_source::open(dir.store()));
  CHECK(core.set_wants({a}));
  CHECK_FALSE(core.set_wants({a}));
}

TEST_CASE(
    "loader: a series no chart wants any more is dropped after a while (memory follows the "
    "screen)") {
  tracker_test::temp_dir dir;
  auto runs = tracker_ui_test::make_fixture_store(dir.store());
  sync_feed feed(store_source::open(dir.store()));
  feed.want({series_want{runs[0].id, "train/loss"}});
  feed.pump();
  REQUIRE(feed.latest()->find(runs[0].id, "train/loss"));
  feed.want({series_want{runs[1].id, "train/loss"}});
  for (int i = 0; i < 10; ++i) feed.pump();
  CHECK(feed.latest()->find(runs[0].id, "train/loss"));  // still cached: scrolling back is free
  for (int i = 0; i < 30; ++i) feed.pump();
  CHECK_FALSE(feed.latest()->find(runs[0].id, "train/loss"));
  CHECK(feed.latest()->find(runs[1].id, "train/loss"));
}

TEST_CASE("live refresh: an idle store costs one data_version check and no reads") {
  tracker_test::temp_dir dir;
  tracker_ui_test::make_fixture_store(dir.store());
  sync_feed feed(store_source::open(dir.store()));
  feed.pump();
  REQUIRE(feed.latest()->loaded);
  const auto queries = feed.core().source().stats().queries;
  const auto gen = feed.latest()->generation;
  for (int i = 0; i < 5; ++i) CHECK_FALSE(feed.pump());
  CHECK(feed.core().source().stats().queries == queries);
  CHECK(feed.latest()->generation == gen);
}

TEST_CASE("loader thread: publishes the catalog and the wanted series of the fixture store") {
  tracker_test::temp_dir dir;
  auto runs = tracker_ui_test::make_fixture_store(dir.store());
  loader l(dir.store(), std::chrono::milliseconds(50));
  auto s = wait_settled(l);
  REQUIRE(s->loaded);
  CHECK(s->error.empty());
  CHECK(s->cat->runs.size() == 6);
  CHECK(s->cat->runs.front().info.name == "ramp");  // newest first
  l.want({series_want{runs[4].id, "train/loss"}, series_want{runs[5].id, "test/ramp"}});
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((!l.latest()->find(runs[5].id, "test/ramp") || !l.latest()->settled) &&
         std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto ramp = l.latest()->find(runs[5].id, "test/ramp");
  REQUIRE(ramp);
  CHECK(ramp->count == 1001);
  CHECK(ramp->overview.buckets.back().last == 1.0);
  auto loss = l.latest()->find(runs[4].id, "train/loss");
  REQUIRE(loss);
  double max = 0;
  for (const auto& b : loss->overview.buckets) max = std::max(max, b.max);
  CHECK(max == 25.0);  // the fixture's spike
}

// ---- bad stores
// ----------------------------------------------------------------------------------

namespace {

void set_user_version(const std::string& db, int v) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  REQUIRE(sqlite3_exec(h, ("PRAGMA user_version=" + std::to_string(v)).c_str(), nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(h);
}

std::string open_error(const std::string& store) {
  try {
    (void)store_source::open(store);
  } catch (const tracker::error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("non-tracker exception: ") + e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("bad stores: missing, empty, newer and damaged stores give a clear tracker::error") {
  tracker_test::temp_dir dir;
  CHECK(open_error(dir.path() + "/nope").find("does not exist") != std::string::npos);
  fs::create_directories(dir.path() + "/empty");
  CHECK(open_error(dir.path() + "/empty").find("no tracker.db") != std::string::npos);

  tracker_ui_test::make_fixture_store(dir.path() + "/newer");
  set_user_version(dir.path() + "/newer/tracker.db", 999);
  std::string newer = open_error(dir.path() + "/newer");
  CHECK(newer.find("newer") != std::string::npos);

  fs::create_directories(dir.path() + "/corrupt");
  {
    std::ofstream f(dir.path() + "/corrupt/tracker.db", std::ios::binary);
    for (int i = 0; i < 512; ++i) f << "this is not an SQLite database ";
  }
  std::string corrupt = open_error(dir.path() + "/corrupt");
  CHECK_FALSE(corrupt.empty());
  CHECK(corrupt.find("non-tracker exception") == std::string::npos);
}
