// fake_server.hpp — a small cpp-httplib server that speaks the ingest contract of `tracker
// serve` (docs/http.md) and can misbehave on request: the client tests use it to make 400s,
// 413s, 500s and lost answers happen exactly when they want. test_real_server.cpp runs the
// real `tracker serve` for the kill-and-restart test.
//
// Contract kept here: POST /v1/predictions, /v1/reference {"schema_version":1,"model":M,
// "records":[...]}, /v1/feedback {"schema_version":1,"records":[...]}; 200 {"accepted":N,
// "duplicates":D} (an id stored before is a duplicate); 400 {"error","record","field"} for a
// record whose id starts with "bad"; 401 without the right bearer token; 404 for a model other
// than the expected one; 413 above max_records records. A request is all or nothing.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tracker_test {

// What the fake has "stored"; shared by the servers of a restart, like a store directory.
struct fake_store {
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> ids;  // endpoint ("predictions") -> ids in order
  std::map<std::string, std::set<std::string>> unique;
  std::size_t requests = 0;
  std::size_t duplicates = 0;
  std::vector<std::string> authorizations;

  std::size_t count(const std::string& endpoint) {
    std::lock_guard lock(mu);
    return unique[endpoint].size();
  }
  std::set<std::string> ids_of(const std::string& endpoint) {
    std::lock_guard lock(mu);
    return unique[endpoint];
  }
};

struct fake_options {
  std::string token;                     // required bearer token ("" = none)
  std::string model = "model-run";       // the only model it knows (404 for others)
  std::size_t max_records = 1u << 30;    // more per request: 413
  bool name_bad_record = true;           // 400 bodies say which record ("record": i, "field")
  std::atomic<int> fail_after_commit{0}; // the next N requests are stored, then answered 500
  bool reject_requests = false;          // every request: 400 {"error", "field": "model"}
};

class fake_server {
 public:
  // port 0: any free port. A restart passes the old port and the same store.
  explicit fake_server(std::shared_ptr<fake_store> store, std::shared_ptr<fake_options> options, int port = 0)
      : store_(std::move(store)), options_(std::move(options)) {
    for (const char* endpoint : {"predictions", "reference", "feedback"})
      server_.Post(std::string("/v1/") + endpoint, [this, endpoint = std::string(endpoint)](
                                                       const httplib::Request& req, httplib::Response& res) {
        handle(endpoint, req, res);
      });
    server_.set_tcp_nodelay(true);
    port_ = port == 0 ? server_.bind_to_any_port("127.0.0.1") : (server_.bind_to_port("127.0.0.1", port) ? port : -1);
    if (port_ > 0) thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~fake_server() { stop(); }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void handle(const std::string& endpoint, const httplib::Request& req, httplib::Response& res) {
    using nlohmann::json;
    auto answer = [&](int status, json body) { res.status = status; res.set_content(body.dump(), "application/json"); };
    {
      std::lock_guard lock(store_->mu);
      ++store_->requests;
      store_->authorizations.push_back(req.get_header_value("Authorization"));
    }
    if (!options_->token.empty() && req.get_header_value("Authorization") != "Bearer " + options_->token)
      return answer(401, {{"error", "missing or wrong token"}});
    json body;
    try {
      body = json::parse(req.body);
    } catch (const std::exception& e) {
      return answer(400, {{"error", std::string("malformed JSON: ") + e.what()}});
    }
    if (options_->reject_requests) return answer(400, {{"error", "model: rejected (test)"}, {"field", "model"}});
    if (body.value("schema_version", 0) != 1) return answer(400, {{"error", "schema_version"}, {"field", "schema_version"}});
    if (endpoint != "feedback" && body.value("model", "") != options_->model)
      return answer(404, {{"error", "unknown model " + body.value("model", "")}});
    const json& records = body["records"];
    if (records.size() > options_->max_records) return answer(413, {{"error", "too large"}});
    for (std::size_t i = 0; i < records.size(); ++i) {
      const std::string id = records[i].value("id", "");
      if (id.rfind("bad", 0) == 0 || id.empty()) {
        json err = {{"error", "record " + std::to_string(i) + ": id: is bad"}};
        if (options_->name_bad_record) {
          err["record"] = i;
          err["field"] = "id";
        }
        return answer(400, err);
      }
      if (endpoint != "feedback" && !records[i].contains("prediction")) return answer(400, {{"error", "no prediction"}});
    }
    std::size_t accepted = 0, duplicates = 0;
    {
      std::lock_guard lock(store_->mu);
      for (const auto& r : records) {
        const std::string id = r["id"];
        if (store_->unique[endpoint].insert(id).second) {
          store_->ids[endpoint].push_back(id);
          ++accepted;
        } else {
          ++duplicates;
        }
      }
      store_->duplicates += duplicates;
    }
    // Stored, but the client hears a failure: it must retry, and the retry is all duplicates.
    if (options_->fail_after_commit.load() > 0) {
      --options_->fail_after_commit;
      return answer(500, {{"error", "failed after commit (test)"}});
    }
    answer(200, {{"accepted", accepted}, {"duplicates", duplicates}});
  }

  std::shared_ptr<fake_store> store_;
  std::shared_ptr<fake_options> options_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

}  // namespace tracker_test
