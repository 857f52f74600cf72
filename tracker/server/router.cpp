// router.cpp — the route table, the token check and the mapping of every error to a status and
// a JSON body. See router.hpp.
#include "router.hpp"

#include "ingest.hpp"
#include "reports.hpp"

#include <tracker/types.hpp>

#include <nlohmann/json.hpp>

#include <exception>
#include <new>

namespace tracker::server {

namespace {

using nlohmann::json;

// Messages can quote client input (a JSON parse error shows what it read): keep them short.
constexpr std::size_t max_message_bytes = 512;

// What an endpoint may use: the store, and the cache of the models requests name.
struct services {
  production::store& store;
  model_cache& models;
};

// A path pattern: literal segments, and "*" matching one non-empty segment (a run reference).
// Captured segments are handed to the endpoint.
struct route {
  std::string_view method;
  std::string_view pattern;  // "/v1/models/*/drift"
  response (*handler)(const services&, const request&, const std::vector<std::string_view>& captures);
};

response ok(std::string body) { return response{200, std::move(body), {}}; }

response predictions(const services& s, const request& r, const std::vector<std::string_view>&) {
  return ok(post_records(s.store, s.models, r.body, production::record_kind::prediction));
}
response reference(const services& s, const request& r, const std::vector<std::string_view>&) {
  return ok(post_records(s.store, s.models, r.body, production::record_kind::reference));
}
response feedback(const services& s, const request& r, const std::vector<std::string_view>&) {
  return ok(post_feedback(s.store, s.models, r.body));
}
response health(const services& s, const request&, const std::vector<std::string_view>&) {
  return ok(get_health(s.store));
}
response drift(const services& s, const request& r, const std::vector<std::string_view>& captures) {
  return ok(get_drift(s.store, captures[0], r.query));
}

// The whole API. A path that matches a pattern with another method is a 405, not a 404.
const route routes[] = {
    {"POST", "/v1/predictions", predictions},
    {"POST", "/v1/reference", reference},
    {"POST", "/v1/feedback", feedback},
    {"GET", "/v1/health", health},
    {"GET", "/v1/models/*/drift", drift},
};

// Matches path against pattern segment by segment, collecting the "*" segments.
bool match(std::string_view pattern, std::string_view path, std::vector<std::string_view>& captures) {
  captures.clear();
  while (!pattern.empty() && !path.empty()) {
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const std::string_view p = pattern.substr(0, pattern.find('/'));
    const std::string_view s = path.substr(0, path.find('/'));
    if (p == "*") {
      if (s.empty()) return false;
      captures.push_back(s);
    } else if (p != s) {
      return false;
    }
    pattern.remove_prefix(p.size());
    path.remove_prefix(s.size());
  }
  return pattern.empty() && path.empty();
}

response error_response(int status, const std::string& message, std::optional<std::size_t> record = std::nullopt,
                        const std::string& field = {}) {
  return response{status, error_body(message, record, field), {}};
}

int status_of(error_code code) {
  switch (code) {
    case error_code::run_not_found:
      return 404;
    case error_code::invalid_argument:
    case error_code::run_ambiguous:
    case error_code::config_conflict:
      return 400;
    case error_code::timeout:  // another process holds the store's write lock: retry later
      return 503;
    default:
      return 500;
  }
}

// The core's messages name the store directory for a local user ("no run ... in /srv/store");
// a remote client should not learn the server's file layout.
std::string without_store_path(std::string message, const std::string& location) {
  if (location.empty()) return message;
  for (auto at = message.find(location); at != std::string::npos; at = message.find(location, at))
    message.replace(at, location.size(), "the store");
  return message;
}

// Calls the endpoint and maps whatever it throws. Only here: endpoints just throw.
response call(const route& r, const services& s, const request& req,
              const std::vector<std::string_view>& captures) {
  try {
    return r.handler(s, req, captures);
  } catch (const http_error& e) {
    return error_response(e.status, e.message, e.record, e.field);
  } catch (const production::record_error& e) {
    return error_response(400, e.what(), e.index(), e.field());  // "record 3: prediction.label: ..."
  } catch (const tracker::error& e) {
    return error_response(status_of(e.code()), without_store_path(e.what(), s.store.location()));
  } catch (const json::exception& e) {
    // A JSON value of an unexpected type that a converter did not check: the client's fault.
    return error_response(400, std::string("invalid request: ") + e.what());
  } catch (const std::bad_alloc&) {
    return error_response(500, "out of memory");
  } catch (const std::exception& e) {
    return error_response(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return error_response(500, "internal error");
  }
}

}  // namespace

std::string error_body(const std::string& message, std::optional<std::size_t> record, const std::string& field) {
  json j{{"error", message.size() > max_message_bytes ? message.substr(0, max_message_bytes) + "..." : message}};
  if (record) j["record"] = *record;
  if (!field.empty()) j["field"] = field;
  // The message may quote invalid UTF-8 the client sent: replace it rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

bool equal_constant_time(std::string_view a, std::string_view b) noexcept {
  // Walk the expected value (b) whatever a holds; the only thing timing reveals is b's length,
  // which a token of the documented form does not hide anyway.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ static_cast<unsigned char>(b[i]));
  }
  // Keep the compiler from turning the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

router::router(production::store& store, router_options options)
    : store_(store), models_(std::make_unique<model_cache>(store)), options_(std::move(options)) {
  if (!options_.token.empty()) expected_authorization_ = "Bearer " + options_.token;
}

router::~router() = default;

bool router::authorized(std::string_view authorization) const {
  return expected_authorization_.empty() || equal_constant_time(authorization, expected_authorization_);
}

response router::handle(const request& req) const {
  try {
    // Auth first: without the token a client learns nothing, not even which paths exist.
    if (!authorized(req.authorization))
      return error_response(401, req.authorization.empty() ? "missing Authorization: Bearer token"
                                                            : "wrong token");
    std::vector<std::string_view> captures;
    std::string allowed;  // methods of the routes whose pattern matches the path
    for (const route& r : routes) {
      if (!match(r.pattern, req.path, captures)) continue;
      if (r.method == req.method) return call(r, services{store_, *models_}, req, captures);
      if (!allowed.empty()) allowed += ", ";
      allowed += r.method;
    }
    if (!allowed.empty()) {
      response res = error_response(405, std::string(req.method) + " is not allowed on " + std::string(req.path) +
                                             " (allowed: " + allowed + ")");
      res.allow = allowed;
      return res;
    }
    return error_response(404, "no such endpoint: " + std::string(req.path) + " (see docs/http.md)");
  } catch (...) {
    // Only allocation can fail above; never let it escape into the transport.
    return response{500, R"({"error":"internal error"})", {}};
  }
}

}  // namespace tracker::server
