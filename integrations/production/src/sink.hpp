// sink.hpp — where the production logger's sender thread delivers a batch: a `tracker serve`
// over HTTP (http_sink.cpp) or a local store (store_sink.cpp). The sender (sender.cpp) owns
// batching, retries, splitting and counting; a sink only makes one attempt and says how it went.
#pragma once

#include "entry_ring.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tracker {
struct production_logger_options;
}

namespace tracker::production_detail {

// Records of one kind, in logging order. The HTTP sink caches each record's JSON in `json` the
// first time it sends it, so a retried or split batch is not serialized again.
struct batch {
  entry_kind kind = entry_kind::prediction;
  std::vector<production::record> records;     // prediction, reference
  std::vector<production::feedback> feedback;  // feedback
  std::vector<std::string> json;
  std::size_t size() const { return kind == entry_kind::feedback ? feedback.size() : records.size(); }
};

enum class outcome {
  ok,         // stored (accepted + duplicates = count)
  retry,      // a passing failure: connection refused/reset, timeout, 5xx, a locked store
  invalid,    // a record is bad (400): never retried as it is
  too_large,  // the request was too large (413): split it
  refused,    // the whole batch can never succeed (401, 404 unknown model): drop and report
};

struct attempt {
  outcome what = outcome::ok;
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::optional<std::size_t> bad_record;  // invalid: the offending record, relative to `first`
  std::string message;                    // for the report: the server's or store's words
};

class sink {
 public:
  virtual ~sink() = default;
  // One attempt at storing records [first, first + count) of `b`, giving up by `deadline`.
  virtual attempt send(batch& b, std::size_t first, std::size_t count,
                       std::chrono::steady_clock::time_point deadline) = 0;
  // Makes a send() in progress on another thread fail at once (the shutdown deadline passed).
  // Thread-safe; the sink need not be usable afterwards.
  virtual void abort() noexcept {}
  // "http://127.0.0.1:8080" or "store tracker-store": names the destination in reports.
  virtual std::string where() const = 0;
};

// Both check their options' format and throw tracker::error(invalid_argument); nothing connects
// or opens until the first send().
std::unique_ptr<sink> make_http_sink(const production_logger_options& o);
std::unique_ptr<sink> make_store_sink(const production_logger_options& o);

}  // namespace tracker::production_detail
