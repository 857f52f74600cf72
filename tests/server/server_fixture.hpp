// server_fixture.hpp — a real `tracker serve` stack for tests: a store in a temp dir with a
// model run (classes recorded), and the HTTP server on 127.0.0.1 with a free port, serving
// from a thread of the test process.
#pragma once

#include "http_server.hpp"
#include "test_support.hpp"

#include <tracker/production.hpp>
#include <tracker/query.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace tracker_server_test {

using nlohmann::json;

// The classes of the test model ("fashion-cnn"), as in Fashion-MNIST.
const std::vector<std::string>& classes();

// Creates a finished training run named `name` in the store and records its classes.
std::string make_model_run(const std::string& store_dir, const std::string& name = "fashion-cnn");

// A prediction record as a client sends it; prefix the id to keep ids unique per test.
json prediction(const std::string& id, const std::string& label = "Shirt", double brightness = 0.5);
// {"schema_version":1,"model":model,"records":records}
std::string batch(const std::string& model, const json& records);

// The stored records of a kind (read through a fresh reader, i.e. what is committed).
tracker::production::dataset stored(const std::string& store_dir, const std::string& model = "fashion-cnn",
                                    tracker::production::record_kind kind = tracker::production::record_kind::prediction);

class test_server {
 public:
  explicit test_server(tracker::server::server_options o = {});
  ~test_server();

  const std::string& store_dir() const { return store_dir_; }
  int port() const { return port_; }
  const std::string& model_id() const { return model_id_; }
  // A keep-alive client of this server (with the token when the server has one).
  std::unique_ptr<httplib::Client> client(const std::string& token = "") const;
  void stop();

 private:
  tracker_test::temp_dir dir_;
  std::string store_dir_;
  std::string model_id_;
  std::unique_ptr<tracker::production::store> store_;
  std::unique_ptr<tracker::server::http_server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tracker_server_test
