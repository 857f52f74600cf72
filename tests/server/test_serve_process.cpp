// test_serve_process.cpp — the server under load and as a process: concurrent clients, and the
// real `tracker serve` binary (TRACKER_CLI_PATH) stopped with SIGTERM while clients are writing.
#include "server_fixture.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace tracker_server_test;
using tracker_test::child_process;
using tracker_test::run_process;
using tracker_test::temp_dir;

// Starts `tracker serve --port 0` on store and returns the port from its first stdout line.
int wait_for_listening(child_process& p) {
  std::string line;
  REQUIRE(p.read_line(line, 10'000));
  const std::string prefix = "listening on http://127.0.0.1:";
  REQUIRE(line.rfind(prefix, 0) == 0);
  return std::stoi(line.substr(prefix.size()));
}

}  // namespace

TEST_CASE("concurrent clients: every record of every request is stored once", "[server]") {
  test_server srv;
  constexpr int clients = 8, requests = 30, per_request = 25;
  std::atomic<int> ok{0}, accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      auto c = srv.client();
      for (int r = 0; r < requests; ++r) {
        json records = json::array();
        for (int i = 0; i < per_request; ++i)
          records.push_back(prediction("c" + std::to_string(t) + "-" + std::to_string(r) + "-" + std::to_string(i)));
        auto res = c->Post("/v1/predictions", batch("fashion-cnn", records), "application/json");
        if (res && res->status == 200) {
          ++ok;
          accepted += json::parse(res->body)["accepted"].get<int>();
        }
        // Feedback from the same clients at the same time, some of it for these ids.
        json fb{{"schema_version", 1}, {"records", {{{"id", "c" + std::to_string(t) + "-" + std::to_string(r) + "-0"}, {"label", "Coat"}}}}};
        c->Post("/v1/feedback", fb.dump(), "application/json");
      }
    });
  for (auto& t : threads) t.join();
  CHECK(ok == clients * requests);
  CHECK(accepted == clients * requests * per_request);
  auto d = stored(srv.store_dir());
  CHECK(d.size() == static_cast<std::size_t>(clients * requests * per_request));
  std::size_t labeled = 0;
  for (const auto& l : d.label) labeled += l == "Coat";
  CHECK(labeled == static_cast<std::size_t>(clients * requests));
}

TEST_CASE("tracker serve: SIGTERM stops accepting, answers in-flight requests, commits, exits 0", "[server][process]") {
  temp_dir dir;
  make_model_run(dir.store());
  child_process serve(TRACKER_CLI_PATH, {"serve", "--store", dir.store(), "--port", "0"});
  const int port = wait_for_listening(serve);

  // Clients write batches as fast as they can until the server goes away.
  constexpr int clients = 4, per_request = 50;
  std::atomic<long> acknowledged{0};
  std::atomic<int> requests{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t)
    threads.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", port);
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      for (int r = 0; !stop; ++r) {
        json records = json::array();
        for (int i = 0; i < per_request; ++i)
          records.push_back(prediction("s" + std::to_string(t) + "-" + std::to_string(r) + "-" + std::to_string(i)));
        auto res = c.Post("/v1/predictions", batch("fashion-cnn", records), "application/json");
        if (!res) break;  // the server has stopped
        REQUIRE(res->status == 200);
        acknowledged += json::parse(res->body)["accepted"].get<long>();
        ++requests;
      }
    });
  // Let some requests through, then stop the server while the clients are still sending.
  while (requests < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  serve.send_signal(SIGTERM);
  auto result = serve.wait();
  stop = true;
  for (auto& t : threads) t.join();

  CHECK(result.signal == 0);
  CHECK(result.exit_code == 0);
  // Every acknowledged record is committed, and nothing else (no half request).
  CHECK(stored(dir.store()).size() == static_cast<std::size_t>(acknowledged.load()));
  CHECK(acknowledged % per_request == 0);
  // It stopped accepting.
  httplib::Client late("127.0.0.1", port);
  late.set_connection_timeout(std::chrono::seconds(1));
  CHECK_FALSE(late.Get("/v1/health"));
}

TEST_CASE("tracker serve: SIGINT and an idle keep-alive client; $TRACKER_TOKEN", "[server][process]") {
  temp_dir dir;
  make_model_run(dir.store());
  setenv("TRACKER_TOKEN", "from-env", 1);
  child_process serve(TRACKER_CLI_PATH, {"serve", "--store", dir.store(), "--port", "0"});
  unsetenv("TRACKER_TOKEN");
  const int port = wait_for_listening(serve);

  httplib::Client c("127.0.0.1", port);
  c.set_keep_alive(true);
  auto r = c.Get("/v1/health");
  REQUIRE(r);
  CHECK(r->status == 401);
  c.set_bearer_token_auth("from-env");
  r = c.Post("/v1/predictions", batch("fashion-cnn", json::array({prediction("e-1")})), "application/json");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  // The connection stays open (keep-alive) while the server is asked to stop.
  const auto t0 = std::chrono::steady_clock::now();
  serve.send_signal(SIGINT);
  auto result = serve.wait();
  CHECK(result.exit_code == 0);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));
  CHECK(stored(dir.store()).size() == 1);
}

TEST_CASE("tracker serve: bad options and a busy port are exit 2 with one line", "[server][process]") {
  temp_dir dir;
  make_model_run(dir.store());
  auto r = run_process(TRACKER_CLI_PATH, {"serve", "--store", dir.store(), "--port", "70000"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--port") != std::string::npos);
  r = run_process(TRACKER_CLI_PATH, {"serve", "--store", dir.store(), "--max-body", "0"});
  CHECK(r.exit_code == 2);
  r = run_process(TRACKER_CLI_PATH, {"serve", "--store", dir.store(), "extra"});
  CHECK(r.exit_code == 2);
  r = run_process(TRACKER_CLI_PATH, {"serve", "--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("--max-body") != std::string::npos);

  // A port that is taken.
  test_server srv;
  r = run_process(TRACKER_CLI_PATH, {"serve", "--store", dir.store(), "--port", std::to_string(srv.port())});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("cannot listen") != std::string::npos);
}
