// http_sink.cpp — delivers a batch to `tracker serve` (docs/http.md): one POST per attempt on a
// kept-alive connection, the status mapped to what the sender should do next.
#include "sink.hpp"

#include <tracker/production_logger.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

namespace tracker::production_detail {
namespace {

using clock = std::chrono::steady_clock;

std::string describe(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "could not connect";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::Read: return "no answer: the connection closed or the read timed out";
    case httplib::Error::Write: return "could not send the request";
    case httplib::Error::Canceled: return "cancelled";
    default: return "httplib error " + httplib::to_string(e);
  }
}

class http_sink final : public sink {
 public:
  http_sink(const std::string& url, std::string model, std::string token, std::chrono::milliseconds request_timeout)
      : model_json_(nlohmann::json(model).dump()), request_timeout_(request_timeout) {
    // "http://host:port/prefix": httplib wants the scheme, host and port; the path prefix (a
    // server behind a reverse proxy) goes in front of every endpoint.
    const auto scheme_end = url.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https")
      throw error(error_code::invalid_argument,
                  "production_logger: url '" + url + "' must start with http:// or https://");
    const auto path_start = url.find('/', scheme_end + 3);
    origin_ = url.substr(0, path_start);
    if (path_start != std::string::npos) prefix_ = url.substr(path_start);
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    if (origin_.size() <= scheme.size() + 3)
      throw error(error_code::invalid_argument, "production_logger: url '" + url + "' names no host");

    client_ = std::make_unique<httplib::Client>(origin_);
    if (!client_->is_valid())
      throw error(error_code::invalid_argument, "production_logger: url '" + url + "' is not usable");
    // One connection, kept alive between batches; TCP_NODELAY because a small POST otherwise
    // waits on Nagle + delayed ACK (~40 ms per request on Linux).
    client_->set_keep_alive(true);
    client_->set_tcp_nodelay(true);
    if (token.empty())
      if (const char* env = std::getenv("TRACKER_TOKEN")) token = env;
    if (!token.empty()) headers_.emplace("Authorization", "Bearer " + token);
  }

  std::string where() const override { return origin_ + prefix_; }

  // httplib's stop() is made for this: it shuts the socket of a request in flight down, so the
  // read or write in the sender thread fails at once.
  void abort() noexcept override { client_->stop(); }

  attempt send(batch& b, std::size_t first, std::size_t count, clock::time_point deadline) override {
    const std::string body = make_body(b, first, count);
    // Never wait past the deadline (close()'s shutdown timeout): cap every timeout by
    // what is left of it.
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    left = std::clamp(left, std::chrono::milliseconds(1), request_timeout_);
    client_->set_connection_timeout(left);
    client_->set_read_timeout(left);
    client_->set_write_timeout(left);

    const char* endpoint = b.kind == entry_kind::feedback    ? "/v1/feedback"
                           : b.kind == entry_kind::reference ? "/v1/reference"
                                                             : "/v1/predictions";
    auto res = client_->Post(prefix_ + endpoint, headers_, body, "application/json");
    attempt a;
    if (!res) {
      a.what = outcome::retry;
      a.message = describe(res.error());
      return a;
    }
    const int status = res->status;
    a.message = "HTTP " + std::to_string(status) + ": " + res->body.substr(0, 500);
    if (status == 200) {
      a.what = outcome::ok;
      a.accepted = count;  // unless the answer says otherwise
      try {
        const auto j = nlohmann::json::parse(res->body);
        a.accepted = j.value("accepted", count);
        a.duplicates = j.value("duplicates", std::size_t{0});
      } catch (const std::exception&) {
        // A 200 without the usual body still means stored.
      }
    } else if (status == 400) {
      a.what = outcome::invalid;
      a.bad_record = record_index(res->body, count);
      // {"error":..., "field":"model"} without a record: the request itself is wrong (schema
      // version, model), and no part of it can succeed either.
      if (!a.bad_record && names_field(res->body)) a.what = outcome::refused;
    } else if (status == 413) {
      a.what = outcome::too_large;
    } else if (status >= 500 || status == 408 || status == 429) {
      a.what = outcome::retry;
    } else {
      a.what = outcome::refused;  // 401 (token), 404 (unknown model), 405, ...
    }
    return a;
  }

 private:
  // {"schema_version":1,"model":"...","records":[...]} from the cached JSON of each record.
  std::string make_body(batch& b, std::size_t first, std::size_t count) {
    if (b.json.size() != b.size()) b.json.assign(b.size(), std::string());
    std::size_t bytes = 64 + model_json_.size();
    for (std::size_t i = first; i < first + count; ++i) {
      std::string& j = b.json[i];
      if (j.empty())
        j = (b.kind == entry_kind::feedback ? production::to_json(b.feedback[i]) : production::to_json(b.records[i])).dump();
      bytes += j.size() + 1;
    }
    std::string body;
    body.reserve(bytes);
    body += "{\"schema_version\":1,";
    if (b.kind != entry_kind::feedback) body += "\"model\":" + model_json_ + ",";
    body += "\"records\":[";
    for (std::size_t i = first; i < first + count; ++i) {
      if (i != first) body += ',';
      body += b.json[i];
    }
    body += "]}";
    return body;
  }

  // The index of the bad record when the 400 body names one: {"record": 3, ...} or
  // {"error": {"record": 3, ...}}. Absent or out of range: the sender bisects instead.
  static std::optional<std::size_t> record_index(const std::string& body, std::size_t count) {
    try {
      const auto j = nlohmann::json::parse(body);
      for (const auto* o : {&j, j.contains("error") ? &j["error"] : nullptr}) {
        if (!o || !o->is_object()) continue;
        for (const char* key : {"record", "index"}) {
          auto it = o->find(key);
          if (it != o->end() && it->is_number_unsigned() && it->get<std::size_t>() < count) return it->get<std::size_t>();
        }
      }
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  static bool names_field(const std::string& body) {
    try {
      const auto j = nlohmann::json::parse(body);
      return j.is_object() && j.contains("field");
    } catch (const std::exception&) {
      return false;
    }
  }

  std::string origin_, prefix_;
  std::string model_json_;  // the model reference as a JSON string, quotes included
  std::chrono::milliseconds request_timeout_;
  httplib::Headers headers_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace

std::unique_ptr<sink> make_http_sink(const production_logger_options& o) {
  return std::make_unique<http_sink>(o.url, o.model, o.token, o.request_timeout);
}

}  // namespace tracker::production_detail
