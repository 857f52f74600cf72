// The production logger against the real `tracker serve` (TRACKER_CLI_PATH), killed with
// SIGKILL mid-stream and restarted on the same port: the records of the batches in flight are
// retried, none is lost (the buffer is large enough), and none is stored twice (record ids).
#include "test_support.hpp"

#include <tracker/production_logger.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>

#include <csignal>
#include <set>
#include <thread>

using namespace std::chrono_literals;
namespace prod = tracker::production;
using tracker_test::child_process;
using tracker_test::temp_dir;

namespace {

// `tracker serve --store S --port P` and the port from its "listening on" line.
int start_serve(std::unique_ptr<child_process>& p, const std::string& store, int port) {
  p = std::make_unique<child_process>(TRACKER_CLI_PATH,
                                      std::vector<std::string>{"serve", "--store", store, "--port", std::to_string(port)});
  std::string line;
  REQUIRE(p->read_line(line, 15'000));
  const std::string prefix = "listening on http://127.0.0.1:";
  REQUIRE(line.rfind(prefix, 0) == 0);
  return std::stoi(line.substr(prefix.size()));
}

}  // namespace

TEST_CASE("real server: tracker serve killed and restarted mid-stream, every record stored once", "[production_client][process]") {
  temp_dir dir;
  std::string run_id;
  {
    tracker::options o;
    o.store = dir.store();
    o.capture_git = false;
    o.name = "model";
    auto run = tracker::init(o);
    run_id = run.id();
    run.finish();
    prod::store::open(dir.store()).set_classes(run_id, {"T-shirt", "Shirt", "Coat"});
  }
  std::unique_ptr<child_process> serve;
  const int port = start_serve(serve, dir.store(), 0);

  tracker_test::captured_errors errors;
  tracker::production_logger_options o;
  o.url = "http://127.0.0.1:" + std::to_string(port);
  o.model = "model";
  o.batch_size = 50;
  o.max_delay = 20ms;
  o.retry_initial = 20ms;
  o.retry_max = 200ms;
  tracker::production_logger log(o);

  constexpr int n = 3000;
  std::thread producer([&] {
    for (int i = 0; i < n; ++i) {
      prod::record r;
      r.id = "req-" + std::to_string(i);
      r.predicted = i % 2 ? "Shirt" : "Coat";
      r.probabilities = {0.1, 0.6, 0.3};
      r.features = {{"brightness", i / double(n)}};
      log.log_prediction(std::move(r));
      if (i % 10 == 0) std::this_thread::sleep_for(3ms);
      if (i % 100 == 0) log.log_feedback({.id = "req-" + std::to_string(i), .label = "Coat"});
    }
  });
  std::this_thread::sleep_for(400ms);
  serve->send_signal(SIGKILL);  // a crash: no goodbye, batches in flight get no answer
  serve->wait();
  std::this_thread::sleep_for(400ms);
  REQUIRE(start_serve(serve, dir.store(), port) == port);
  producer.join();
  REQUIRE(log.flush(30s));

  const auto s = log.stats();
  CHECK(s.logged == n + n / 100);
  CHECK(s.sent == s.logged);
  CHECK(s.dropped + s.rejected + s.lost == 0);
  CHECK(s.retries > 0);
  CHECK(errors.any_contains("works again after"));

  serve->send_signal(SIGTERM);
  CHECK(serve->wait().exit_code == 0);
  auto reader = tracker::reader::open(dir.store());
  const prod::dataset d = prod::read(reader, run_id, prod::record_kind::prediction);
  CHECK(d.size() == static_cast<std::size_t>(n));
  CHECK(std::set<std::string>(d.ids.begin(), d.ids.end()).size() == static_cast<std::size_t>(n));
  std::size_t labeled = 0;
  for (const auto& l : d.label) labeled += l == "Coat";
  CHECK(labeled == static_cast<std::size_t>(n / 100));
}
