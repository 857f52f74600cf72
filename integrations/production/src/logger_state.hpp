// logger_state.hpp — what a production_logger shares between the threads that log (producers)
// and its one sender thread.
//
//   producers: ring.try_push (one CAS and a move), the drop counters on overflow, and a wake-up
//              of the sender once per batch_size records. Nothing else: no lock, no I/O.
//   sender:    sender.cpp — wakes on that signal, every max_delay, on flush() or on destruction;
//              pops up to batch_size entries (a "chunk"), splits them by kind and delivers each
//              kind through the sink, retrying; then updates the counters and wakes flush().
#pragma once

#include <tracker/production_logger.hpp>

#include "entry_ring.hpp"
#include "sink.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <mutex>
#include <thread>

namespace tracker {

struct production_logger::state {
  using clock = std::chrono::steady_clock;

  state(production_logger_options o, std::unique_ptr<production_detail::sink> s)
      : opts(std::move(o)), ring(opts.buffer_capacity), sink(std::move(s)) {}

  const production_logger_options opts;
  production_detail::entry_ring ring;
  const std::unique_ptr<production_detail::sink> sink;

  // ---- producers (any thread) -------------------------------------------------------------
  std::atomic<std::uint64_t> dropped_newest{0};  // never entered the ring
  std::atomic<std::uint64_t> dropped_oldest{0};  // popped out of the ring to make room
  std::atomic<bool> closed{false};               // close() was called: drop, do not queue

  // ---- the sender's results (written by the sender, read by anyone) -----------------------
  std::atomic<std::uint64_t> sent{0}, duplicates{0}, rejected{0}, lost{0}, requests{0}, retries{0};

  // ---- coordination (under mu) ------------------------------------------------------------
  std::mutex mu;
  std::condition_variable wake;  // the sender sleeps on it
  std::condition_variable done;  // flush() sleeps on it; notified after every chunk
  bool stop = false;             // set by close()
  clock::time_point stop_deadline{};
  std::uint64_t flush_target = 0;  // a flush() waits for every ring position below this
  // The ring position of the oldest entry the sender holds (popped, not yet resolved); max when
  // it holds none. Set under mu *before* the sender pops, so a flush() that sees the ring's head
  // move past its records also sees that the sender still holds them.
  std::uint64_t held_from = std::numeric_limits<std::uint64_t>::max();
  bool exited = false;  // the sender thread has finished (notified on `done`)

  std::thread thread;

  // production_logger.cpp: the log_* calls' common part (T: record or feedback).
  template <class T>
  void push(production_detail::entry_kind kind, T& value) noexcept;
  void run() noexcept;  // sender.cpp: the sender thread's body

  // Everything logged before ring position `target` is resolved (sent, dropped or rejected).
  bool resolved(std::uint64_t target) const noexcept { return ring.popped() >= target && held_from >= target; }
};

}  // namespace tracker
