// The production logger over HTTP, against the fake server (fake_server.hpp): batching, the
// token, what each error status makes the client do, restarts, overflow and bounded shutdown.
#include "fake_server.hpp"
#include "test_support.hpp"

#include <tracker/production_logger.hpp>

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using tracker::production::feedback;
using tracker::production::record;
using tracker_test::fake_options;
using tracker_test::fake_server;
using tracker_test::fake_store;

namespace {

record make_record(const std::string& id) {
  record r;
  r.id = id;
  r.predicted = "Shirt";
  r.probabilities = {0.25, 0.75};
  r.features = {{"brightness", 0.5}, {"source", std::string("upload")}};
  return r;
}

tracker::production_logger_options http_options(const std::string& url) {
  tracker::production_logger_options o;
  o.url = url;
  o.model = "model-run";
  o.batch_size = 10;
  o.max_delay = 20ms;
  o.retry_initial = 20ms;
  o.retry_max = 100ms;
  return o;
}

// A port nothing listens on: bound, read, closed.
int dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct fixture {
  std::shared_ptr<fake_store> store = std::make_shared<fake_store>();
  std::shared_ptr<fake_options> options = std::make_shared<fake_options>();
};

}  // namespace

TEST_CASE("http: predictions, reference and feedback arrive in batches with the token", "[production_client]") {
  fixture f;
  f.options->token = "s3cret";
  fake_server server(f.store, f.options);
  REQUIRE(server.port() > 0);
  auto o = http_options(server.url());
  o.token = "s3cret";
  tracker::production_logger log(o);
  for (int i = 0; i < 95; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  for (int i = 0; i < 3; ++i) {
    record r = make_record("ref-" + std::to_string(i));
    r.label = "Coat";
    log.log_reference(r);
  }
  log.log_feedback({.id = "p-1", .label = "Coat"});
  log.log_feedback({.id = "p-2", .flag = "incorrect", .reason = "it is a bag"});
  REQUIRE(log.flush(5s));

  CHECK(f.store->count("predictions") == 95);
  CHECK(f.store->count("reference") == 3);
  CHECK(f.store->count("feedback") == 2);
  const auto s = log.stats();
  CHECK(s.logged == 100);
  CHECK(s.sent == 100);
  CHECK(s.buffered == 0);
  CHECK(s.dropped + s.rejected + s.lost + s.duplicates == 0);
  CHECK(s.requests >= 12);  // batches of at most 10
  std::lock_guard lock(f.store->mu);
  for (const auto& a : f.store->authorizations) CHECK(a == "Bearer s3cret");
}

TEST_CASE("http: a bad record is dropped alone, named by the server or found by splitting", "[production_client]") {
  const bool named = GENERATE(true, false);
  fixture f;
  f.options->name_bad_record = named;
  fake_server server(f.store, f.options);
  tracker_test::captured_errors errors;
  auto o = http_options(server.url());
  o.batch_size = 16;
  o.max_delay = 1h;  // one batch, sent by flush()
  tracker::production_logger log(o);
  for (int i = 0; i < 16; ++i) log.log_prediction(make_record((i == 3 || i == 11 ? "bad-" : "p-") + std::to_string(i)));
  REQUIRE(log.flush(5s));
  CHECK(f.store->count("predictions") == 14);
  const auto s = log.stats();
  CHECK(s.sent == 14);
  CHECK(s.rejected == 2);
  CHECK(s.buffered == 0);
  CHECK(errors.any_contains("refused 1 record (dropped, not retried): HTTP 400"));
}

TEST_CASE("http: a record that cannot be serialized (not UTF-8) is dropped alone", "[production_client]") {
  fixture f;
  fake_server server(f.store, f.options);
  auto o = http_options(server.url());
  o.max_delay = 1h;
  tracker::production_logger log(o);
  for (int i = 0; i < 10; ++i) {
    record r = make_record("p-" + std::to_string(i));
    if (i == 6) r.features[1].second = std::string("\xff\xfe");
    log.log_prediction(std::move(r));
  }
  REQUIRE(log.flush(5s));
  CHECK(f.store->count("predictions") == 9);
  CHECK(log.stats().rejected == 1);
}

TEST_CASE("http: a 400 about the request, not a record, drops the batch without splitting", "[production_client]") {
  fixture f;
  f.options->reject_requests = true;
  fake_server server(f.store, f.options);
  auto o = http_options(server.url());
  o.max_delay = 1h;
  tracker::production_logger log(o);
  for (int i = 0; i < 10; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  REQUIRE(log.flush(5s));
  CHECK(log.stats().rejected == 10);
  CHECK(log.stats().requests == 1);
}

TEST_CASE("http: 413 splits the batch until it fits", "[production_client]") {
  fixture f;
  f.options->max_records = 7;
  fake_server server(f.store, f.options);
  auto o = http_options(server.url());
  o.batch_size = 50;
  o.max_delay = 1h;
  tracker::production_logger log(o);
  for (int i = 0; i < 50; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  REQUIRE(log.flush(5s));
  CHECK(f.store->count("predictions") == 50);
  CHECK(log.stats().sent == 50);
  CHECK(log.stats().rejected == 0);
  CHECK(log.stats().requests > 7);
}

TEST_CASE("http: a wrong token or an unknown model drops the batch, counted and reported", "[production_client]") {
  fixture f;
  f.options->token = "right";
  fake_server server(f.store, f.options);
  tracker_test::captured_errors errors;
  auto o = http_options(server.url());
  o.token = GENERATE(std::string("wrong"), std::string("right"));
  if (o.token == "right") o.model = "no-such-model";
  tracker::production_logger log(o);
  for (int i = 0; i < 25; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  REQUIRE(log.flush(5s));
  CHECK(f.store->count("predictions") == 0);
  CHECK(log.stats().rejected == 25);
  CHECK(log.stats().retries == 0);
  CHECK(errors.any_contains(o.token == "wrong" ? "HTTP 401" : "HTTP 404"));
}

TEST_CASE("http: an answer lost after the commit is retried and counted as duplicates", "[production_client]") {
  fixture f;
  f.options->fail_after_commit = 2;
  fake_server server(f.store, f.options);
  auto o = http_options(server.url());
  o.batch_size = 10;
  o.max_delay = 1h;
  tracker::production_logger log(o);
  for (int i = 0; i < 10; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  REQUIRE(log.flush(5s));
  CHECK(f.store->count("predictions") == 10);
  const auto s = log.stats();
  CHECK(s.sent == 10);
  CHECK(s.duplicates == 10);  // the third attempt found all ten stored
  CHECK(s.retries == 2);
  CHECK(f.store->duplicates == 20);
}

TEST_CASE("http: the server stops and comes back mid-stream, nothing is lost", "[production_client]") {
  fixture f;
  auto server = std::make_unique<fake_server>(f.store, f.options);
  const int port = server->port();
  tracker_test::captured_errors errors;
  auto o = http_options(server->url());
  tracker::production_logger log(o);

  // A producer logs 3,000 records over ~1.5 s while the server goes away for 0.5 s.
  std::thread producer([&] {
    for (int i = 0; i < 3000; ++i) {
      log.log_prediction(make_record("p-" + std::to_string(i)));
      if (i % 10 == 0) std::this_thread::sleep_for(5ms);
    }
  });
  std::this_thread::sleep_for(400ms);
  server->stop();
  server.reset();
  std::this_thread::sleep_for(500ms);
  server = std::make_unique<fake_server>(f.store, f.options, port);
  REQUIRE(server->port() == port);
  producer.join();
  REQUIRE(log.flush(10s));

  CHECK(f.store->count("predictions") == 3000);
  const auto s = log.stats();
  CHECK(s.sent == 3000);
  CHECK(s.dropped + s.rejected + s.lost == 0);
  CHECK(s.retries > 0);
  CHECK(errors.any_contains("sending to " + server->url() + " failed ("));
  CHECK(errors.any_contains("works again after"));
}

TEST_CASE("http: many threads log at once", "[production_client]") {
  fixture f;
  fake_server server(f.store, f.options);
  auto o = http_options(server.url());
  o.batch_size = 500;
  tracker::production_logger log(o);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) log.log_prediction(make_record(std::to_string(t) + "-" + std::to_string(i)));
    });
  for (auto& t : threads) t.join();
  REQUIRE(log.flush(10s));
  CHECK(f.store->count("predictions") == 20000);
  CHECK(log.stats().sent == 20000);
}

TEST_CASE("buffer overflow: the policy decides which records stay, every drop is counted", "[production_client]") {
  const auto policy = GENERATE(tracker::buffer_policy::drop_newest, tracker::buffer_policy::drop_oldest);
  fixture f;
  fake_server server(f.store, f.options);
  tracker_test::captured_errors errors;
  auto o = http_options(server.url());
  o.buffer_capacity = 10;
  o.batch_size = 1000;  // the sender stays asleep until flush(): the ring fills
  o.max_delay = 1h;
  o.on_full = policy;
  tracker::production_logger log(o);
  for (int i = 0; i < 25; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  auto s = log.stats();
  CHECK(s.logged == 25);
  CHECK(s.dropped == 15);
  CHECK(s.buffered == 10);
  REQUIRE(log.flush(5s));
  std::set<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.insert("p-" + std::to_string(policy == tracker::buffer_policy::drop_newest ? i : 15 + i));
  CHECK(f.store->ids_of("predictions") == expected);
  s = log.stats();
  CHECK(s.sent == 10);
  CHECK(s.logged == s.sent + s.dropped);
  CHECK(errors.eventually_contains("dropped 15 records"));
}

TEST_CASE("flush() gives up at its timeout while the server is down, and keeps the records", "[production_client]") {
  const int port = dead_port();
  tracker_test::captured_errors errors;
  auto o = http_options("http://127.0.0.1:" + std::to_string(port));
  o.shutdown_timeout = 200ms;
  tracker::production_logger log(o);
  for (int i = 0; i < 5; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(log.flush(300ms));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(log.stats().buffered == 5);
  CHECK(errors.any_contains("failed (could not connect)"));
}

TEST_CASE("close() and destruction are bounded by shutdown_timeout when the server never answers", "[production_client]") {
  // Down (connection refused), or up but silent: a socket that listens and never accepts, so
  // the connection is made and the answer never comes.
  const bool silent = GENERATE(false, true);
  int listener = -1;
  int port = 0;
  if (silent) {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener, 16) == 0);
    socklen_t len = sizeof a;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  } else {
    port = dead_port();
  }
  tracker_test::captured_errors errors;
  auto o = http_options("http://127.0.0.1:" + std::to_string(port));
  o.shutdown_timeout = 500ms;
  o.request_timeout = 30s;  // longer than the shutdown timeout: the deadline must cap it
  o.buffer_capacity = 1000;  // (making and freeing a large ring is not what is timed here)
  tracker::production_logger log(o);
  for (int i = 0; i < 100; ++i) log.log_prediction(make_record("p-" + std::to_string(i)));
  const auto t0 = std::chrono::steady_clock::now();
  const auto s = log.close();  // what the destructor does
  const auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= 450ms);
  CHECK(took < 1500ms);
  CHECK(s.lost == 100);
  CHECK(s.sent == 0);
  CHECK(s.logged == 100);
  CHECK(errors.any_contains("100 records were not sent"));
  log.log_prediction(make_record("late"));  // after close(): dropped and counted, never queued
  CHECK(log.stats().dropped == 1);
  const auto t1 = std::chrono::steady_clock::now();
  {
    tracker::production_logger other(o);  // and the destructor alone is bounded the same way
    for (int i = 0; i < 10; ++i) other.log_prediction(make_record("q-" + std::to_string(i)));
  }
  CHECK(std::chrono::steady_clock::now() - t1 < 1500ms);
  if (listener >= 0) ::close(listener);
}

TEST_CASE("options are checked when the logger is made", "[production_client]") {
  tracker::production_logger_options o;
  CHECK_THROWS_AS(tracker::production_logger(o), tracker::error);  // neither url nor store
  o.url = "ftp://x";
  CHECK_THROWS_AS(tracker::production_logger(o), tracker::error);
  o.url = "http://127.0.0.1:1";
  o.buffer_capacity = 0;
  CHECK_THROWS_AS(tracker::production_logger(o), tracker::error);
  o.buffer_capacity = 10;
  o.store = "somewhere";
  CHECK_THROWS_AS(tracker::production_logger(o), tracker::error);  // both
}
