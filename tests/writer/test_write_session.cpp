// The one write path (write_session.hpp), as a front end other than tracker::run uses it: a
// run opened on behalf of a remote client with that client's process facts, batches with a
// result each, heartbeats the front end vouches for, and close.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "write_session.hpp"

#include "test_support.hpp"

using tracker_test::temp_dir;

namespace {
tracker::detail::run_request remote_request() {
  tracker::detail::run_request req;
  req.record.project = "edge";
  req.record.name = "client-run";
  req.record.host = "edge-7.example";  // not this host: liveness comes from heartbeats
  req.record.pid = 4242;
  req.record.git_commit = "0123456789abcdef0123456789abcdef01234567";
  req.record.heartbeat_interval = 1;
  req.record.created_at = req.record.heartbeat_at = 1'700'000'000;
  req.writer_heartbeats = false;
  req.config = {{"lr", "0.01"}};
  return req;
}
}  // namespace

TEST_CASE("write_session: a remote client's run, with its process facts, batches with a result, heartbeats and close", "[writer][session]") {
  temp_dir dir;
  tracker::set_error_handler([](const std::string&) {});
  auto session = tracker::detail::write_session::open(dir.store(), remote_request());
  const std::string id = session.record().id;

  std::vector<tracker::detail::point_in> batch;
  for (int s = 0; s < 100; ++s) batch.push_back({"train/loss", s, 1.0 / (s + 1), 1'700'000'000.0 + s});
  batch.push_back({"", 0, 1.0, 0});  // a bad key is refused, the rest stored
  auto result = session.log_batch(batch, std::chrono::seconds(10));
  CHECK(result.committed);
  CHECK(result.accepted == 100);
  CHECK(result.rejected == 1);
  CHECK(result.lost == 0);

  auto store = tracker::reader::open(dir.store());
  auto info = store.run(id);
  CHECK(info.host == "edge-7.example");
  CHECK(info.pid == 4242);
  CHECK(info.git_commit == "0123456789abcdef0123456789abcdef01234567");
  CHECK(info.config_json == R"({"lr":0.01})");
  // The heartbeat given at open is ancient, and the writer does not beat for a remote run.
  CHECK(info.status == tracker::run_status::crashed);
  session.heartbeat();
  CHECK(store.run(id).status == tracker::run_status::running);
  auto points = store.points(id, "train/loss");
  REQUIRE(points.size() == 100);
  CHECK(points[7].time == 1'700'000'007.0);  // the client's times, not the arrival time

  CHECK(session.close(tracker::run_status::finished, "", std::chrono::seconds(10)));
  CHECK(store.run(id).status == tracker::run_status::finished);
  CHECK_THROWS_AS(session.heartbeat(), tracker::error);  // run_closed
  tracker::set_error_handler(nullptr);
}
