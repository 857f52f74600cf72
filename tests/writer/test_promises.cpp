// The header's promises under faults and bad input: per-run backpressure, flush()/finish()
// that tell about loss, counters that add up, refusals after finish, bounded waits on a
// locked store, validation of capacities, config, names and steps.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "test_support.hpp"

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>

using tracker_test::captured_errors;
using tracker_test::exec_sql;
using tracker_test::quiet;
using tracker_test::temp_dir;
using namespace std::chrono_literals;

namespace {

// Holds the store's write lock from a child process (so /proc/locks can name it) until
// destroyed: a stopped or hung writer, as another user's process would be.
class locking_child {
 public:
  explicit locking_child(const std::string& store) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      sqlite3* db = nullptr;
      if (sqlite3_open((store + "/tracker.db").c_str(), &db) != SQLITE_OK) _exit(1);
      if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) _exit(2);
      char ok = 'L';
      if (write(fds[1], &ok, 1) != 1) _exit(3);
      pause();  // hold the lock until killed
      _exit(0);
    }
    close(fds[1]);
    char c = 0;
    REQUIRE(read(fds[0], &c, 1) == 1);
    close(fds[0]);
  }
  ~locking_child() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  int pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

void check_adds_up(const tracker::writer_stats& s) {
  INFO("enqueued " << s.enqueued << " written " << s.written << " dropped " << s.dropped << " rejected "
                   << s.rejected << " failed " << s.failed);
  CHECK(s.enqueued == s.written + s.dropped + s.rejected + s.failed);
}

}  // namespace

TEST_CASE("a drop_oldest run flooding the store never takes points of a block run beside it", "[promises]") {
  temp_dir dir;
  captured_errors errors;
  auto a = tracker::init(quiet(dir));  // default: block, 65536
  auto ob = quiet(dir);
  ob.on_full = tracker::backpressure::drop_oldest;
  ob.queue_capacity = 1024;
  auto b = tracker::init(ob);
  std::thread flood([&] {
    auto k = b.key("noise");
    for (int i = 0; i < 3'000'000; ++i) b.log(k, i, i);
  });
  auto k = a.key("signal");
  for (int i = 0; i < 20'000; ++i) a.log(k, i, i);
  flood.join();
  CHECK(a.flush());
  REQUIRE(b.flush());
  auto store = tracker::reader::open(dir.store());
  CHECK(store.summary(a.id(), "signal")->count == 20'000);
  auto sa = a.stats(), sb = b.stats();
  CHECK(sa.dropped == 0);
  CHECK(sa.written == 20'000);
  CHECK(sb.dropped > 0);  // b's own policy did its work on b's own points
  CHECK(static_cast<std::uint64_t>(store.summary(b.id(), "noise")->count) == sb.written);
  check_adds_up(sa);
  check_adds_up(sb);
  CHECK(errors.eventually_contains("drop_oldest"));  // reported by the writer, not per point
}

TEST_CASE("flush() and finish() report points lost to write errors; the counters add up", "[promises]") {
  temp_dir dir;
  captured_errors errors;
  auto run = tracker::init(quiet(dir));
  run.log("v", 1.0, 0);
  REQUIRE(run.flush());
  // Every insert into points now fails, as a full disk or an I/O error would make it.
  exec_sql(tracker_test::store_db(dir.store()), "CREATE TRIGGER broken BEFORE INSERT ON points BEGIN SELECT RAISE(ABORT, 'injected'); END");
  for (int s = 1; s <= 100; ++s) run.log("v", s, s);
  CHECK_FALSE(run.flush());  // something was lost: say so
  auto st = run.stats();
  CHECK(st.failed == 100);
  CHECK(st.written == 1);
  check_adds_up(st);
  CHECK(errors.any_contains("could not write 100 points"));
  CHECK(run.flush());  // nothing new was lost since
  exec_sql(tracker_test::store_db(dir.store()), "DROP TRIGGER broken");
  run.log("v", 7.0, 101);
  CHECK(run.flush());
  CHECK(tracker::reader::open(dir.store()).summary(run.id(), "v")->count == 2);
  CHECK_FALSE(run.finish());  // the run lost points: finish() says so too
  CHECK(tracker::reader::open(dir.store()).run(run.id()).status == tracker::run_status::finished);
}

TEST_CASE("setup calls on a finished run throw run_closed; logging after finish is counted and reported", "[promises]") {
  temp_dir dir;
  captured_errors errors;
  auto run = tracker::init(quiet(dir));
  run.log("a", 1.0);
  CHECK(run.finish());
  auto closed = [](const tracker::error& e) { return e.code() == tracker::error_code::run_closed; };
  CHECK_THROWS_MATCHES(run.add_tags({"x"}), tracker::error, Catch::Predicate<tracker::error>(closed));
  CHECK_THROWS_MATCHES(run.remove_tags({"x"}), tracker::error, Catch::Predicate<tracker::error>(closed));
  CHECK_THROWS_MATCHES(run.set_note("n"), tracker::error, Catch::Predicate<tracker::error>(closed));
  CHECK_THROWS_MATCHES(run.define_metric("a", tracker::goal::maximize), tracker::error,
                       Catch::Predicate<tracker::error>(closed));
  CHECK_THROWS_MATCHES(run.set_config({{"k", 1}}), tracker::error, Catch::Predicate<tracker::error>(closed));
  for (int i = 0; i < 1000; ++i) run.log({{"a", 2.0}, {"b", 3.0}});
  auto st = run.stats();
  CHECK(st.rejected == 2000);
  check_adds_up(st);
  CHECK(errors.eventually_contains("2000 values refused (logged after finish())"));
  auto info = tracker::reader::open(dir.store()).run(run.id());
  CHECK(info.tags.empty());
  CHECK(info.note.empty());
}

TEST_CASE("block gives up after max_block on a store another process keeps locked, and says who", "[promises]") {
  temp_dir dir;
  captured_errors errors;
  auto o = quiet(dir);
  o.queue_capacity = 1024;
  o.max_block = 200ms;
  auto run = tracker::init(o);
  run.log("v", 0.0, 0);
  REQUIRE(run.flush());
  {
    locking_child holder(dir.store());
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 1; i <= 3000; ++i) run.log("v", i, i);  // far more than the queue holds
    auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited < 20s);  // bounded: a few max_block waits, not forever
    CHECK(run.stats().dropped > 0);
    // The writer names the process that holds the lock (it reports a wait after 2 s).
    CHECK(errors.eventually_contains("held by process " + std::to_string(holder.pid()), 8s));
  }
  CHECK_FALSE(run.flush());  // points were lost to the block timeout: flush says so
  auto st = run.stats();
  check_adds_up(st);
  CHECK(st.written + st.dropped == 3001);
}

TEST_CASE("init() and tracker::delete_run wait a bounded time for a locked store and name the holder", "[promises]") {
  temp_dir dir;
  std::string id;
  {
    auto r = tracker::init(quiet(dir));
    id = r.id();
  }
  locking_child holder(dir.store());
  auto o = quiet(dir);
  o.lock_timeout = 300ms;
  auto timed_out = [&](const tracker::error& e) {
    return e.code() == tracker::error_code::timeout &&
           std::string(e.what()).find("process " + std::to_string(holder.pid())) != std::string::npos;
  };
  auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, Catch::Predicate<tracker::error>(timed_out));
  CHECK(std::chrono::steady_clock::now() - t0 < 15s);
  CHECK_THROWS_MATCHES(tracker::delete_run(dir.store(), id, 300ms), tracker::error,
                       Catch::Predicate<tracker::error>(timed_out));
  CHECK_THROWS_MATCHES(tracker::gc(dir.store(), 300ms), tracker::error, Catch::Predicate<tracker::error>(timed_out));
}

TEST_CASE("queue_capacity out of range is refused at init, never a hang or bad_alloc", "[promises]") {
  temp_dir dir;
  auto invalid = [](const tracker::error& e) { return e.code() == tracker::error_code::invalid_argument; };
  for (std::size_t cap : {std::size_t{0}, (std::size_t{1} << 63) + 1, std::size_t{1'000'000'000},
                          tracker::max_queue_capacity + 1}) {
    auto o = quiet(dir);
    o.queue_capacity = cap;
    CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, Catch::Predicate<tracker::error>(invalid));
  }
  auto o = quiet(dir);
  o.queue_capacity = 1;  // rounded up, fine
  CHECK(tracker::init(o));
}

TEST_CASE("config keys follow the metric-key rules, and one key given twice is a conflict", "[promises]") {
  temp_dir dir;
  auto code_is = [](tracker::error_code c) {
    return Catch::Predicate<tracker::error>([c](const tracker::error& e) { return e.code() == c; });
  };
  auto o = quiet(dir);
  o.config = nlohmann::json::parse(R"({"a":{"b":1},"a.b":2})");
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, code_is(tracker::error_code::config_conflict));
  o.config = nlohmann::json::parse(R"({"":1})");
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, code_is(tracker::error_code::invalid_argument));
  o.config = {{std::string("nul\0key", 7), 1}};
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, code_is(tracker::error_code::invalid_argument));
  o.config = {{"new\nline", 1}};
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, code_is(tracker::error_code::invalid_argument));
  o.config = {{"a", {{"", 1}}}};
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, code_is(tracker::error_code::invalid_argument));
  o.config = {{std::string(300, 'k'), 1}};
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, code_is(tracker::error_code::invalid_argument));
  // Nothing of the refused runs was stored.
  CHECK_THROWS(tracker::reader::open(dir.store()).run("latest"));
}

TEST_CASE("names, projects and tags that would break the runs table, and the name latest, are refused", "[promises]") {
  temp_dir dir;
  auto bad = [&](auto&& change) {
    auto o = quiet(dir);
    change(o);
    CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, Catch::Predicate<tracker::error>([](const tracker::error& e) {
                           return e.code() == tracker::error_code::invalid_argument &&
                                  std::string(e.what()).find('\n') == std::string::npos;  // one line
                         }));
  };
  bad([](tracker::options& o) { o.name = "two\nlines"; });
  bad([](tracker::options& o) { o.name = "a|b"; });
  bad([](tracker::options& o) { o.name = "latest"; });
  bad([](tracker::options& o) { o.project = "p\tq"; });
  bad([](tracker::options& o) { o.project = "p|q"; });
  bad([](tracker::options& o) { o.tags = {"a,b"}; });
  bad([](tracker::options& o) { o.tags = {"x\ny"}; });
  auto run = tracker::init(quiet(dir));
  CHECK_THROWS_AS(run.add_tags({"c,d"}), tracker::error);
}

TEST_CASE("the automatic step saturates at INT64_MAX instead of overflowing", "[promises]") {
  temp_dir dir;
  auto run = tracker::init(quiet(dir));
  constexpr auto top = std::numeric_limits<std::int64_t>::max();
  run.log("v", 1.0, top);
  CHECK(run.take_step() == top);
  run.log("v", 2.0);
  CHECK(run.take_step() == top);
  REQUIRE(run.flush());
  auto s = tracker::reader::open(dir.store()).summary(run.id(), "v");
  CHECK(s->last_step == top);
  CHECK(s->count == 2);
}

TEST_CASE("the key registry is bounded: a process inventing keys without end is told, not grown", "[promises]") {
  // In a child process: the cap is per process, and this binary's later tests need new keys.
  temp_dir dir;
  auto r = tracker_test::run_process(TRACKER_TEST_LOGGER_PATH,
                                     {dir.store(), "capped", "1", "--invent-keys", std::to_string((1 << 20) + 10)});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  const auto at = r.out.find("valid ");
  REQUIRE(at != std::string::npos);
  const long valid = std::stol(r.out.substr(at + 6));
  CHECK(valid < (1L << 20));  // the cap (2^20 per process, the logger's own key among them)
  CHECK(valid > (1L << 20) - 1000);
  CHECK(r.err.find("distinct metric keys in this process") != std::string::npos);
  // Known keys keep working: the point logged after the flood under the first key is stored.
  auto s = tracker::reader::open(dir.store()).summary("capped", "value");
  REQUIRE(s);
  CHECK(s->count == 1);
}
