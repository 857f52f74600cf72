// server_fixture.cpp — see server_fixture.hpp.
#include "server_fixture.hpp"

#include <tracker/tracker.hpp>

namespace tracker_server_test {

const std::vector<std::string>& classes() {
  static const std::vector<std::string> c{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return c;
}

std::string make_model_run(const std::string& store_dir, const std::string& name) {
  return tracker_test::make_model_run(store_dir, name, classes());
}

json prediction(const std::string& id, const std::string& label, double brightness) {
  return json{{"id", id},
              {"timestamp", "2026-11-22T10:00:00Z"},
              {"features", {{"brightness", brightness}, {"source", "upload"}}},
              {"prediction", {{"label", label}}},
              {"latency_ms", 12.5},
              {"tags", {{"env", "test"}}}};
}

std::string batch(const std::string& model, const json& records) {
  return json{{"schema_version", 1}, {"model", model}, {"records", records}}.dump();
}

tracker::production::dataset stored(const std::string& store_dir, const std::string& model,
                                    tracker::production::record_kind kind) {
  return tracker::production::read(tracker::reader::open(store_dir), model, kind);
}

test_server::test_server(tracker::server::server_options o) : store_dir_(dir_.store()) {
  model_id_ = make_model_run(store_dir_);
  store_ = std::make_unique<tracker::production::store>(tracker::production::store::open(store_dir_));
  o.host = "127.0.0.1";
  o.port = 0;
  server_ = std::make_unique<tracker::server::http_server>(*store_, o);
  port_ = server_->bind();
  thread_ = std::thread([this] { server_->serve(); });
}

test_server::~test_server() { stop(); }

void test_server::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

std::unique_ptr<httplib::Client> test_server::client(const std::string& token) const {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);
  c->set_read_timeout(std::chrono::seconds(30));
  if (!token.empty()) c->set_bearer_token_auth(token.c_str());
  return c;
}

}  // namespace tracker_server_test
