// The writer: backpressure policies against a deliberately slow store, several processes at
// once, a process killed mid-logging, signals, heartbeats.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "test_support.hpp"

#include <sqlite3.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

using tracker_test::temp_dir;
using namespace std::chrono_literals;

namespace {

// Holds the store's write lock from another connection: the slowest store there is.
class write_lock_holder {
 public:
  explicit write_lock_holder(const std::string& store) {
    REQUIRE(sqlite3_open((store + "/tracker.db").c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  void release() {
    if (db_) {
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
      sqlite3_close(db_);
      db_ = nullptr;
    }
  }
  ~write_lock_holder() { release(); }

 private:
  sqlite3* db_ = nullptr;
};


tracker::options small_queue(const temp_dir& dir, tracker::backpressure policy) {
  tracker::options o;
  o.store = dir.store();
  o.queue_capacity = 1024;
  o.on_full = policy;
  return o;
}

std::int64_t count_of(const std::string& store, const std::string& run_id, const std::string& key) {
  auto s = tracker::reader::open(store).summary(run_id, key);
  return s ? s->count : 0;
}

}  // namespace

TEST_CASE("policy block: a stalled store makes log() wait, and loses nothing", "[writer]") {
  temp_dir dir;
  tracker::set_error_handler([](const std::string&) {});
  auto run = tracker::init(small_queue(dir, tracker::backpressure::block));
  const int n = 20000;  // far more than the queue holds
  std::atomic<bool> logging_done{false};
  {
    write_lock_holder lock(dir.store());
    std::thread producer([&] {
      auto k = run.key("v");
      for (int i = 0; i < n; ++i) run.log(k, i, i);
      logging_done = true;
    });
    std::this_thread::sleep_for(300ms);
    CHECK_FALSE(logging_done.load());  // the queue is full and nothing can drain it
    lock.release();
    producer.join();
  }
  run.finish();
  auto st = run.stats();
  CHECK(st.blocked > 0);
  CHECK(st.busy_retries > 0);
  CHECK(st.dropped == 0);
  CHECK(st.written == static_cast<std::uint64_t>(n));
  CHECK(count_of(dir.store(), run.id(), "v") == n);
  tracker::set_error_handler(nullptr);
}

TEST_CASE("policy drop_newest: a stalled store drops and counts, never blocks", "[writer]") {
  temp_dir dir;
  tracker::set_error_handler([](const std::string&) {});
  auto run = tracker::init(small_queue(dir, tracker::backpressure::drop_newest));
  const int n = 20000;
  {
    write_lock_holder lock(dir.store());
    auto k = run.key("v");
    for (int i = 0; i < n; ++i) run.log(k, i, i);  // returns although nothing drains
  }
  run.finish();
  auto st = run.stats();
  CHECK(st.dropped > 0);
  CHECK(st.blocked == 0);
  CHECK(st.written + st.dropped == static_cast<std::uint64_t>(n));
  CHECK(count_of(dir.store(), run.id(), "v") == static_cast<std::int64_t>(st.written));
  // drop_newest keeps the oldest points: step 0 made it.
  CHECK(tracker::reader::open(dir.store()).points(run.id(), "v", 0, 0).size() == 1);
  tracker::set_error_handler(nullptr);
}

TEST_CASE("policy drop_oldest: the newest points survive a stall", "[writer]") {
  temp_dir dir;
  tracker::set_error_handler([](const std::string&) {});
  auto run = tracker::init(small_queue(dir, tracker::backpressure::drop_oldest));
  const int n = 20000;
  {
    write_lock_holder lock(dir.store());
    auto k = run.key("v");
    for (int i = 0; i < n; ++i) run.log(k, i, i);
  }
  run.finish();
  auto st = run.stats();
  CHECK(st.dropped > 0);
  CHECK(st.written + st.dropped == static_cast<std::uint64_t>(n));
  CHECK(tracker::reader::open(dir.store()).points(run.id(), "v", n - 1, n - 1).size() == 1);
  tracker::set_error_handler(nullptr);
}

TEST_CASE("flush() makes points visible to another connection within its return", "[writer]") {
  temp_dir dir;
  tracker::options o;
  o.store = dir.store();
  auto run = tracker::init(o);
  auto store = tracker::reader::open(dir.store());
  for (int round = 1; round <= 5; ++round) {
    for (int i = 0; i < 1000; ++i) run.log("v", i);
    REQUIRE(run.flush());
    CHECK(store.summary(run.id(), "v")->count == round * 1000);
  }
}

TEST_CASE("two processes logging into one store at once both succeed and lose nothing", "[writer][process]") {
  temp_dir dir;
  const std::string points = "60000";
  std::vector<std::thread> kids;
  tracker_test::process_result results[2];
  for (int i = 0; i < 2; ++i)
    kids.emplace_back([&, i] {
      results[i] = tracker_test::run_process(TRACKER_TEST_LOGGER_PATH,
                                             {dir.store(), "proc" + std::to_string(i), points, "--report-every", "1000000"});
    });
  for (auto& k : kids) k.join();
  auto store = tracker::reader::open(dir.store());
  for (int i = 0; i < 2; ++i) {
    INFO("stderr of child " << i << ": " << results[i].err);
    CHECK(results[i].exit_code == 0);
    CHECK(results[i].err.find("locked") == std::string::npos);
    CHECK(count_of(dir.store(), "proc" + std::to_string(i), "value") == 60000);
    CHECK(store.run("proc" + std::to_string(i)).status == tracker::run_status::finished);
  }
}

TEST_CASE("SIGKILL mid-logging: the store opens, the run reads crashed, committed points stay", "[writer][process]") {
  temp_dir dir;
  tracker_test::child_process child(TRACKER_TEST_LOGGER_PATH,
                                    {dir.store(), "victim", "100000000", "--report-every", "100", "--sleep-us", "20"});
  using clock = std::chrono::steady_clock;
  std::vector<std::pair<clock::time_point, long>> progress;
  std::string line;
  auto start = clock::now();
  while (clock::now() - start < 10s && child.read_line(line, 5000)) {
    if (line.rfind("logged ", 0) == 0) progress.emplace_back(clock::now(), std::stol(line.substr(7)));
    if (!progress.empty() && progress.back().second >= 3000 && clock::now() - progress.front().first > 600ms) break;
  }
  REQUIRE(progress.size() > 10);
  auto killed_at = clock::now();
  child.send_signal(SIGKILL);
  auto result = child.wait();
  CHECK(result.signal == SIGKILL);

  // Every point the child had logged 150 ms before the kill must be there (the writer commits
  // at least every 100 ms).
  long required = 0;
  for (auto& [t, n] : progress)
    if (t <= killed_at - 150ms) required = std::max(required, n);
  REQUIRE(required > 0);
  auto store = tracker::reader::open(dir.store());
  auto info = store.run("victim");
  CHECK(info.status == tracker::run_status::crashed);
  CHECK(info.stored_status == tracker::run_status::running);
  auto s = store.summary("victim", "value");
  REQUIRE(s);
  INFO("required " << required << " points, found " << s->count);
  CHECK(s->count >= required);
  CHECK(static_cast<long>(store.points("victim", "value", 0, required - 1).size()) == required);

  // And a new writer can use the store right away.
  tracker::options o;
  o.store = dir.store();
  auto next = tracker::init(o);
  next.log("ok", 1);
  next.finish();
  CHECK(count_of(dir.store(), next.id(), "ok") == 1);
}

TEST_CASE("SIGTERM marks the run killed, and the process still dies of SIGTERM", "[writer][process]") {
  temp_dir dir;
  tracker_test::child_process child(TRACKER_TEST_LOGGER_PATH, {dir.store(), "term", "500", "--no-finish"});
  std::string line;
  while (child.read_line(line, 10000) && line != "waiting") {
  }
  REQUIRE(line == "waiting");
  child.send_signal(SIGTERM);
  auto result = child.wait();
  CHECK(result.signal == SIGTERM);
  auto store = tracker::reader::open(dir.store());
  auto info = store.run("term");
  CHECK(info.status == tracker::run_status::killed);
  CHECK(info.status_reason == "SIGTERM");
  CHECK(store.summary("term", "value")->count == 500);
}

TEST_CASE("a running run on another host with a stale heartbeat reads as crashed", "[writer]") {
  temp_dir dir;
  tracker::options o;
  o.store = dir.store();
  o.id = "remote";
  {
    auto run = tracker::init(o);
    run.log("v", 1);
    run.flush();
    // Simulate a writer elsewhere that went silent: still "running", last beat long ago.
    tracker_test::exec_sql(tracker_test::store_db(dir.store()), "UPDATE runs SET host = 'elsewhere', heartbeat_at = heartbeat_at - 3600 WHERE id = 'remote'");
    auto info = tracker::reader::open(dir.store()).run("remote");
    CHECK(info.status == tracker::run_status::crashed);
    CHECK_THAT(info.status_reason, Catch::Contains("no heartbeat"));
    tracker_test::exec_sql(tracker_test::store_db(dir.store()), "UPDATE runs SET heartbeat_at = heartbeat_at + 3600 WHERE id = 'remote'");
    CHECK(tracker::reader::open(dir.store()).run("remote").status == tracker::run_status::running);
  }
}

TEST_CASE("normal process exit without finish() drains the queue and records the end", "[writer][process]") {
  temp_dir dir;
  // std::exit() skips the run's destructor: only the atexit hook can drain and close it.
  auto r = tracker_test::run_process(TRACKER_TEST_LOGGER_PATH, {dir.store(), "exit", "70000", "--exit-without-finish"});
  CHECK(r.exit_code == 0);
  auto store = tracker::reader::open(dir.store());
  CHECK(store.summary("exit", "value")->count == 70000);
  auto info = store.run("exit");
  CHECK(info.status == tracker::run_status::finished);
  CHECK(info.status_reason == "process exited before finish()");
}

TEST_CASE("regression: processes creating a new store at the same moment all succeed", "[writer][process]") {
  // Found by CI: a second process could read the first one's schema version without its
  // application_id and refuse the store as "not a tracker store".
  for (int round = 0; round < 5; ++round) {
    temp_dir dir;
    std::vector<std::thread> kids;
    tracker_test::process_result results[4];
    for (int i = 0; i < 4; ++i)
      kids.emplace_back([&, i] {
        results[i] = tracker_test::run_process(TRACKER_TEST_LOGGER_PATH, {dir.store(), "p" + std::to_string(i), "10"});
      });
    for (auto& k : kids) k.join();
    for (int i = 0; i < 4; ++i) {
      INFO("round " << round << ", child " << i << ": " << results[i].err);
      CHECK(results[i].exit_code == 0);
      CHECK(count_of(dir.store(), "p" + std::to_string(i), "value") == 10);
    }
  }
}
