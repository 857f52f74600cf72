// production_logger.cpp — the calling thread's side: options, the log_* calls, flush(), stats()
// and shutdown. The sender thread's side is sender.cpp.
#include <tracker/production_logger.hpp>
#include <tracker/tracker.hpp>

#include "logger_state.hpp"

#include <algorithm>

namespace tracker {
namespace {

using production_detail::entry;
using production_detail::entry_kind;

void check(const production_logger_options& o) {
  auto bad = [](const std::string& what) { throw error(error_code::invalid_argument, "production_logger: " + what); };
  if (o.url.empty() == o.store.empty()) bad("set exactly one of url (a tracker serve) and store (a local store)");
  if (o.buffer_capacity == 0) bad("buffer_capacity must be at least 1");
  if (o.buffer_capacity > (std::size_t{1} << 24)) bad("buffer_capacity is limited to 16,777,216 records");
  if (o.batch_size == 0) bad("batch_size must be at least 1");
  if (o.max_delay.count() < 0 || o.retry_initial.count() <= 0 || o.retry_max < o.retry_initial ||
      o.request_timeout.count() <= 0 || o.shutdown_timeout.count() < 0)
    bad("max_delay, retry_initial <= retry_max, request_timeout and shutdown_timeout must be positive");
}

// Unix seconds now: the time a prediction was made, not the time it reaches the store (which
// can be seconds later while the server restarts). clock_gettime through the vDSO, ~20 ns.
double now_unix() noexcept {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

production_logger::production_logger(production_logger_options options) {
  check(options);
  auto sink = options.url.empty() ? production_detail::make_store_sink(options)
                                  : production_detail::make_http_sink(options);
  state_ = std::make_shared<state>(std::move(options), std::move(sink));
  state_->thread = std::thread([s = state_] { s->run(); });
}

production_logger::~production_logger() { close(); }

production_logger_stats production_logger::close() noexcept {
  state& s = *state_;
  std::unique_lock lock(s.mu);
  if (s.stop) {  // closed before
    lock.unlock();
    return stats();
  }
  s.stop = true;
  s.closed.store(true);
  s.stop_deadline = state::clock::now() + s.opts.shutdown_timeout;
  s.wake.notify_all();
  // The sender stops by the deadline on its own: its waits and the timeouts of the requests it
  // starts are capped by it. A request that began before the stop (with request_timeout) is cut
  // short by abort() at the deadline.
  if (!s.done.wait_until(lock, s.stop_deadline, [&] { return s.exited; })) {
    lock.unlock();
    s.sink->abort();
    lock.lock();
    if (!s.done.wait_for(lock, std::chrono::milliseconds(200), [&] { return s.exited; })) {
      // Still stuck (a connect() that abort() cannot reach): leave the thread behind rather
      // than hold up the caller; it owns a reference to the state and ends on its own.
      lock.unlock();
      s.thread.detach();
      report_error("production_logger: the sender did not stop within the shutdown timeout; left to finish on its own");
      return stats();
    }
  }
  lock.unlock();
  s.thread.join();
  return stats();
}

// The hot path: a move into the ring, nothing else in the common case.
template <class T>
void production_logger::state::push(production_detail::entry_kind kind, T& value) noexcept {
  if (closed.load(std::memory_order_relaxed)) {  // after close(): nobody would send it
    dropped_newest.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  std::size_t count = 0;
  if (ring.try_push(kind, value, &count)) {
    // Wake the sender once a batch is waiting (one notify per batch_size records; a missed one
    // only delays the batch to the next max_delay tick).
    if (count % opts.batch_size == 0) wake.notify_one();
    return;
  }
  if (opts.on_full == buffer_policy::drop_oldest) {
    // Make room by dropping the oldest; a few attempts, since other threads race for the slot.
    for (int attempt = 0; attempt < 4; ++attempt) {
      entry victim;
      if (ring.try_pop(victim)) dropped_oldest.fetch_add(1, std::memory_order_relaxed);
      if (ring.try_push(kind, value)) return;
    }
  }
  dropped_newest.fetch_add(1, std::memory_order_relaxed);
}

void production_logger::log_prediction(production::record r) noexcept {
  if (r.time == 0) r.time = now_unix();
  state_->push(entry_kind::prediction, r);
}

void production_logger::log_reference(production::record r) noexcept {
  if (r.time == 0) r.time = now_unix();
  state_->push(entry_kind::reference, r);
}

void production_logger::log_feedback(production::feedback f) noexcept {
  if (f.time == 0) f.time = now_unix();
  state_->push(entry_kind::feedback, f);
}

bool production_logger::flush(std::chrono::milliseconds timeout) noexcept {
  try {
    state& s = *state_;
    const std::uint64_t target = s.ring.pushed();
    const auto deadline = state::clock::now() + timeout;
    std::unique_lock lock(s.mu);
    s.flush_target = std::max(s.flush_target, target);
    s.wake.notify_one();
    // The sender notifies `done` after each chunk; a drop_oldest producer that pops the last
    // records does not, hence the short re-checks.
    while (!s.resolved(target)) {
      const auto now = state::clock::now();
      if (now >= deadline) return false;
      s.done.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(10)));
    }
    return true;
  } catch (...) {
    return false;  // std::system_error from a mutex: nothing sensible to do but say "not flushed"
  }
}

production_logger_stats production_logger::stats() const noexcept {
  const state& s = *state_;
  production_logger_stats r;
  // Read the results before the ring's counters, so that `buffered` is never negative.
  r.sent = s.sent.load();
  r.duplicates = s.duplicates.load();
  r.rejected = s.rejected.load();
  r.lost = s.lost.load();
  r.requests = s.requests.load();
  r.retries = s.retries.load();
  const std::uint64_t newest = s.dropped_newest.load();
  r.dropped = newest + s.dropped_oldest.load();
  r.logged = s.ring.pushed() + newest;
  const std::uint64_t resolved = r.sent + r.dropped + r.rejected + r.lost;
  r.buffered = r.logged > resolved ? r.logged - resolved : 0;
  return r;
}

}  // namespace tracker
