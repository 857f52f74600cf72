// ingest.hpp — the ingest endpoints' request bodies, read in the stages the benchmark times
// apart (bench/bench_ingest.cpp): parse (the body's text straight to production::records,
// production_parse.hpp), validate (production::detail::record_rules, against the cached
// model), then the store.
//
//   {"schema_version": 1, "model": "<run id or name>", "records": [ {...}, ... ]}
//
// A body the text parser does not take (any error, or an unusual but valid body) goes the DOM
// way: parse (JSON text to a DOM), envelope (schema_version, model, records), records
// (production::record_from_json on each, which validates). That path gives every documented
// error, so the fast one never has to; feedback always goes that way.
//
// Every function throws http_error (router.hpp) or production::record_error; nothing here
// writes. The endpoint functions at the bottom are what the router calls.
#pragma once

#include "router.hpp"

#include <tracker/production.hpp>

#include "production_rules.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

namespace tracker::server {

// The version of the request and response bodies this server speaks ("schema_version").
constexpr int api_schema_version = 1;

// JSON text to a DOM; 400 "malformed JSON ..." when it is not JSON.
nlohmann::json parse_body(std::string_view body);

struct envelope {
  std::optional<std::string> model;             // "model", when given
  const nlohmann::json* records = nullptr;      // the "records" array, inside the parsed body
};

// Checks the envelope: an object, schema_version exactly 1, "model" a string (required when
// need_model), "records" an array. Unknown keys are ignored (newer clients may add some).
envelope read_envelope(const nlohmann::json& body, bool need_model);

// Each element through production::record_from_json / feedback_from_json (record_error names
// the first bad one).
std::vector<production::record> records_from_json(const nlohmann::json& records, production::record_kind kind,
                                                  const production::model_info& model);
std::vector<production::feedback> feedback_from_json(const nlohmann::json& records,
                                                     const production::model_info* model);

// A model as the server holds it: its info and the rules with its classes indexed, built once
// per cache entry rather than per request. Shared: a request keeps it while the cache moves on.
struct cached_model {
  explicit cached_model(production::model_info m) : info(std::move(m)), rules(info) {}
  const production::model_info info;
  const production::detail::record_rules rules;  // refers to info
};

// The models requests name, cached: store::model() resolves the run and reads its classes
// under the store's lock (the one commits take), which at thousands of single-record requests
// per second is worth skipping. An entry lives `ttl`, so a model's newly recorded classes or a
// deleted run are seen within that time. Unknown models are not cached. Thread-safe.
class model_cache {
 public:
  explicit model_cache(production::store& store, std::chrono::milliseconds ttl = std::chrono::seconds(1));
  std::shared_ptr<const cached_model> get(const std::string& ref);  // throws as store::model() does

 private:
  struct entry {
    std::chrono::steady_clock::time_point expires;
    std::shared_ptr<const cached_model> model;
  };
  production::store& store_;
  std::chrono::milliseconds ttl_;
  std::mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
};

// {"accepted": N, "duplicates": D}
std::string result_body(const production::write_result& r);

// The endpoints: the response body of a 200. POST /v1/predictions and /v1/reference (kind),
// POST /v1/feedback, GET /v1/health.
std::string post_records(production::store& store, model_cache& models, std::string_view body,
                         production::record_kind kind);
std::string post_feedback(production::store& store, model_cache& models, std::string_view body);
std::string get_health(const production::store& store);

}  // namespace tracker::server
