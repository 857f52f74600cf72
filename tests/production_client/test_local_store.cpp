// The production logger writing straight into a local store (no server): end to end through
// production::store, read back with production::read.
#include "test_support.hpp"

#include <tracker/production_logger.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>

using namespace std::chrono_literals;
namespace prod = tracker::production;
using tracker_test::temp_dir;

namespace {

// A finished training run named "model" with three classes recorded: the model in production.
std::string make_model(const temp_dir& dir) {
  return tracker_test::make_model_run(dir.store(), "model", {"T-shirt", "Trouser", "Coat"});
}

prod::record make_record(const std::string& id, double brightness, const std::string& predicted) {
  prod::record r;
  r.id = id;
  r.predicted = predicted;
  r.probabilities = {0.1, 0.2, 0.7};
  r.features = {{"brightness", brightness}, {"source", std::string("upload")}};
  r.latency_ms = 3.5;
  return r;
}

tracker::production_logger_options local_options(const temp_dir& dir, const std::string& model) {
  tracker::production_logger_options o;
  o.store = dir.store();
  o.model = model;
  o.batch_size = 64;
  o.max_delay = 20ms;
  return o;
}

}  // namespace

TEST_CASE("local store: predictions, reference and feedback end to end", "[production_client]") {
  temp_dir dir;
  const std::string run_id = make_model(dir);
  {
    tracker::production_logger log(local_options(dir, "model"));  // by name
    // Feedback first for p-0: it must join when its prediction arrives.
    log.log_feedback({.id = "p-0", .label = "Coat"});
    for (int i = 0; i < 200; ++i) log.log_prediction(make_record("p-" + std::to_string(i), i / 200.0, "Coat"));
    log.log_prediction(make_record("p-5", 0.5, "Coat"));  // the same id again: a duplicate
    for (int i = 0; i < 30; ++i) {
      prod::record r = make_record("ref-" + std::to_string(i), 0.2, "T-shirt");
      r.label = i % 3 == 0 ? "Trouser" : "T-shirt";
      log.log_reference(r);
    }
    log.log_feedback({.id = "p-7", .flag = "incorrect", .reason = "it is a bag"});
    log.log_feedback({.id = "p-8", .label = "Trouser"});
    REQUIRE(log.flush(10s));
    const auto s = log.stats();
    CHECK(s.logged == 234);
    CHECK(s.sent == 234);
    CHECK(s.duplicates == 1);
    CHECK(s.dropped + s.rejected + s.lost == 0);
    CHECK(s.buffered == 0);
  }

  auto reader = tracker::reader::open(dir.store());
  const prod::dataset cur = prod::read(reader, run_id, prod::record_kind::prediction);
  REQUIRE(cur.size() == 200);
  const auto at = [&](const std::string& id) {
    return static_cast<std::size_t>(std::find(cur.ids.begin(), cur.ids.end(), id) - cur.ids.begin());
  };
  CHECK(cur.label[at("p-0")] == "Coat");
  CHECK(cur.flag[at("p-7")] == "incorrect");
  CHECK(cur.reason[at("p-7")] == "it is a bag");
  CHECK(cur.label[at("p-8")] == "Trouser");
  CHECK(cur.label[at("p-9")].empty());
  CHECK(cur.confidence[at("p-3")] == Approx(0.7));
  CHECK(cur.latency_ms[at("p-3")] == Approx(3.5));
  // Times were taken when log_prediction() was called: now, within a minute.
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(std::abs(cur.times[0] - now) < 60);

  const prod::dataset ref = prod::read(reader, run_id, prod::record_kind::reference);
  REQUIRE(ref.size() == 30);
  CHECK(std::count(ref.label.begin(), ref.label.end(), "Trouser") == 10);
}

TEST_CASE("local store: a bad record is dropped alone, an unknown model drops its batch", "[production_client]") {
  temp_dir dir;
  make_model(dir);
  tracker_test::captured_errors errors;
  {
    tracker::production_logger log(local_options(dir, "model"));
    for (int i = 0; i < 10; ++i) log.log_prediction(make_record("p-" + std::to_string(i), 0.5, i == 4 ? "Sock" : "Coat"));
    REQUIRE(log.flush(10s));
    CHECK(log.stats().sent == 9);
    CHECK(log.stats().rejected == 1);
    CHECK(errors.any_contains("unknown class 'Sock'"));
  }
  {
    tracker::production_logger log(local_options(dir, "no-such-run"));
    for (int i = 0; i < 10; ++i) log.log_prediction(make_record("q-" + std::to_string(i), 0.5, "Coat"));
    log.log_feedback({.id = "p-1", .label = "Coat"});  // feedback needs no model: stored
    REQUIRE(log.flush(10s));
    CHECK(log.stats().rejected == 10);
    CHECK(log.stats().sent == 1);
  }
}

TEST_CASE("local store: a model run made after the logger started is found", "[production_client]") {
  temp_dir dir;
  tracker_test::captured_errors errors;
  auto o = local_options(dir, "model");
  o.retry_initial = 20ms;
  o.retry_max = 50ms;
  tracker::production_logger log(o);
  for (int i = 0; i < 5; ++i) log.log_prediction(make_record("p-" + std::to_string(i), 0.5, "Coat"));
  // No run named "model" yet: the batch is refused (run_not_found), like a 404.
  REQUIRE(log.flush(10s));
  CHECK(log.stats().rejected == 5);
  // Once the run exists, the same logger finds it.
  make_model(dir);
  for (int i = 5; i < 10; ++i) log.log_prediction(make_record("p-" + std::to_string(i), 0.5, "Coat"));
  REQUIRE(log.flush(10s));
  CHECK(log.stats().sent == 5);
}
