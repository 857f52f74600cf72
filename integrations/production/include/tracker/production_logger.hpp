// tracker/production_logger.hpp — log a deployed model's predictions and its users' feedback
// from a serving process, without ever making a request wait on saving.
//
//   tracker::production_logger_options o;
//   o.url = "http://127.0.0.1:8080";   // a `tracker serve` (or o.store = "tracker-store")
//   o.model = "fashion-cnn";           // the training run that made the model
//   tracker::production_logger log(o);
//
//   tracker::production::record r;     // in the request handler
//   r.id = request_id; r.predicted = "Shirt"; r.probabilities = probs;
//   r.features = {{"brightness", 0.71}};
//   log.log_prediction(std::move(r));  // returns at once: a move into a bounded buffer
//   ...
//   log.log_feedback({.id = request_id, .label = "Coat"});   // when the user says so
//
// How it works: the log_* calls move the record into a fixed-size lock-free ring and return
// (no I/O, no lock, no allocation of their own; about 0.1 µs, see docs/performance.md). One
// background thread takes records out in batches (batch_size, or whatever arrived within
// max_delay) and sends them: over HTTP to `tracker serve` (POST /v1/predictions, /v1/reference,
// /v1/feedback; keep-alive, TCP_NODELAY), or straight into a local store with
// production::store. While the server is down or restarting it retries with exponential
// backoff; records are retried whole, and the server ignores ids it already has, so a batch
// whose answer was lost is not stored twice.
//
// Nothing on the logging path throws. Problems (server unreachable, records rejected, buffer
// overflow, records lost at shutdown) go to tracker::report_error (see set_error_handler in
// tracker.hpp) and are counted in stats().
#pragma once

#include <tracker/production.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tracker {

// What to do with a record logged while the buffer is full.
enum class buffer_policy : std::uint8_t {
  drop_oldest,  // make room by dropping the oldest buffered record (recent traffic matters most)
  drop_newest,  // drop the record being logged
};

struct production_logger_options {
  // Where records go: exactly one of url and store.
  std::string url;    // "http://host:port" of a `tracker serve` (an optional path prefix is kept)
  std::string store;  // a local store directory, written with production::store (no server)
  std::string model;  // the model's training run: id, name or "latest" (predictions, reference)
  std::string token;  // bearer token for the server; empty: $TRACKER_TOKEN if set

  // Buffer: records logged but not yet handed to the sender. Memory is about 300 bytes per slot,
  // allocated up front (19 MB at the default), plus what the buffered records themselves hold.
  // The sender holds at most one more batch while it is being sent.
  std::size_t buffer_capacity = 65'536;
  buffer_policy on_full = buffer_policy::drop_oldest;

  // Batching: a batch goes out when batch_size records are waiting or max_delay after the last
  // send, whichever comes first.
  std::size_t batch_size = 1000;
  std::chrono::milliseconds max_delay{200};

  // Retries of a request that failed for a passing reason (connection refused or reset,
  // timeout, 5xx, a locked store): wait retry_initial, doubling up to retry_max, with jitter.
  std::chrono::milliseconds retry_initial{100};
  std::chrono::milliseconds retry_max{5000};
  std::chrono::milliseconds request_timeout{10'000};  // connect, send and wait for the answer

  // close() (and the destructor) sends what is buffered for at most this long, then drops the
  // rest (counted in stats().lost, reported) — a process exit is never held up by a server that
  // does not answer.
  std::chrono::milliseconds shutdown_timeout{3000};
};

struct production_logger_stats {
  std::uint64_t logged = 0;      // log_* calls
  std::uint64_t sent = 0;        // accepted by the server or store (duplicates included)
  std::uint64_t duplicates = 0;  // of those, ids the store already had (a retried batch)
  std::uint64_t dropped = 0;     // buffer full, by the policy
  std::uint64_t rejected = 0;    // refused as invalid (400, 413 alone, 401, 404), not retried
  std::uint64_t lost = 0;        // still unsent when close()'s shutdown timeout ran out
  std::uint64_t requests = 0;    // requests (or store writes) made, retries included
  std::uint64_t retries = 0;     // of those, repeats after a passing failure
  std::uint64_t buffered = 0;    // logged, not yet sent, dropped or rejected
  // After flush() returns true: logged = sent + dropped + rejected; after close(): + lost.
};

class production_logger {
 public:
  // Starts the sender thread. Throws tracker::error(invalid_argument) for bad options (neither
  // or both of url and store, a zero capacity or batch size, a url that is not http(s)://).
  // Connecting, opening the store and resolving the model happen in the background: their
  // failures are reported and retried (or, for an unknown model, counted as rejected), never
  // thrown. Without a model, only feedback can be sent; predictions are rejected.
  explicit production_logger(production_logger_options options);
  // close(), if not called before.
  ~production_logger();
  production_logger(const production_logger&) = delete;
  production_logger& operator=(const production_logger&) = delete;

  // A prediction the model made in production. time 0 becomes "now" (taken here, not when
  // the record reaches the store).
  void log_prediction(production::record r) noexcept;
  // A reference record: what the model saw and answered in validation (label required).
  void log_reference(production::record r) noexcept;
  // A user's label and/or flag for a prediction id; it may come before the prediction.
  void log_feedback(production::feedback f) noexcept;

  // Waits until everything logged before the call has been sent (or dropped or rejected).
  // False if that did not happen within timeout (the records stay buffered and are retried).
  bool flush(std::chrono::milliseconds timeout = std::chrono::seconds(5)) noexcept;

  production_logger_stats stats() const noexcept;

  // Sends what is buffered, for at most options.shutdown_timeout, stops the sender and returns
  // the final counts (what could not be sent by then is in `lost`). Later log_* calls are
  // dropped and counted. Call it once the serving threads have stopped logging.
  production_logger_stats close() noexcept;

  struct state;  // the buffer, counters and sender thread (src/logger_state.hpp)

 private:
  std::shared_ptr<state> state_;  // shared with the sender thread (see close())
};

}  // namespace tracker
