// router.hpp — the HTTP API of `tracker serve` without the sockets: one request in, one
// response out. Every endpoint, authentication and error mapping lives here, so tests and the
// fuzz target drive exactly what the network does (http_server.hpp only moves bytes).
//
//   tracker::production::store s = tracker::production::store::open("tracker-store");
//   tracker::server::router r(s, {.token = "secret"});
//   tracker::server::response out = r.handle({.method = "POST", .path = "/v1/predictions",
//                                             .authorization = "Bearer secret", .body = body});
//
// Endpoints (docs/http.md): POST /v1/predictions, POST /v1/reference, POST /v1/feedback,
// GET /v1/health, GET /v1/models/<run>/drift. Later endpoints (run logging, reads) are rows
// of the route table in router.cpp; they get auth and error mapping from handle() for free.
#pragma once

#include <tracker/production.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracker::server {

struct request {
  std::string_view method;         // "GET", "POST", ... (HEAD is answered as GET by the transport)
  std::string_view path;           // "/v1/predictions", decoded, without the query string
  std::string_view authorization;  // the Authorization header ("" when absent)
  std::string_view body;
  std::vector<std::pair<std::string, std::string>> query;  // decoded query parameters
};

struct response {
  int status = 200;
  std::string body;   // JSON: the result, or {"error": ..., "record": i, "field": ...}
  std::string allow;  // 405 only: the methods the path accepts ("POST")
};

struct router_options {
  // Non-empty: every request needs "Authorization: Bearer <token>" (else 401).
  std::string token;
  // Body size limit; the transport enforces it before the body is read (413). Only reported
  // here (in the 413 message).
  std::size_t max_body = std::size_t{16} << 20;
};

// A failed request: the HTTP status and what the error body says. Endpoints throw it; handle()
// turns it (and record_error, tracker::error, JSON errors) into a response.
struct http_error {
  int status;
  std::string message;
  std::optional<std::size_t> record;  // the index in "records" of the offending record
  std::string field;                  // "schema_version", "prediction.label", ...
};

// The JSON error body {"error": message[, "record": i][, "field": f]}.
std::string error_body(const std::string& message, std::optional<std::size_t> record = std::nullopt,
                       const std::string& field = {});

class model_cache;

class router {
 public:
  router(production::store& store, router_options options = {});
  ~router();

  // Answers one request; never throws (anything unexpected is a 500 with a message).
  // Thread-safe: the transport calls it from many threads at once.
  response handle(const request& req) const;

  const router_options& options() const { return options_; }

 private:
  bool authorized(std::string_view authorization) const;

  production::store& store_;
  std::unique_ptr<model_cache> models_;  // ingest.hpp
  router_options options_;
  std::string expected_authorization_;  // "Bearer <token>"
};

// Compares two strings in time that depends only on their lengths, not on where they differ
// (a token check must not tell an attacker how many leading bytes were right).
bool equal_constant_time(std::string_view a, std::string_view b) noexcept;

}  // namespace tracker::server
