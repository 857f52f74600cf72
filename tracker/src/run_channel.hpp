// run_channel.hpp — one run's lane into the writer: its own bounded queue, its own
// backpressure policy and its own counters.
//
// Why one queue per run and not per store: a policy is a promise about *this* run's points.
// With a shared queue, a drop_oldest run flooding the store popped the queued points of a
// block run beside it ("nothing is ever lost" broken), and the first run's queue_capacity
// silently applied to every later run. A run's policy now only ever touches its own queue.
//
// Threads: the producer half (push, counters) is used by any thread that logs to the run; the
// writer half (rid, series caches, open flag) only by the writer thread.
#pragma once

#include <tracker/tracker.hpp>

#include "aggregate.hpp"
#include "bounded_queue.hpp"
#include "store/backend.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tracker::detail {

// One queued metric point: 32 bytes, trivially copyable.
struct record {
  std::uint32_t key;  // interned key id
  std::uint32_t unused = 0;
  std::int64_t step;
  double value;
  double time;  // unix seconds
};
static_assert(sizeof(record) == 32);

// Sleeps while word == expected, at most timeout (a futex: no CPU while blocked). Spurious
// wake-ups are possible; callers re-check their condition.
void wait_on(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::milliseconds timeout) noexcept;
void wake_all(std::atomic<std::uint32_t>& word) noexcept;

// One series' pyramid as the writer keeps it (writer_pyramid.cpp). Its buckets are not stored
// by every commit but in batches, every pyramid_write_points points and when the run closes:
// per level, the buckets below the stored top are exact in the store, the rest live here.
// A reader covers the steps from the top up with finer levels and raw points (query.cpp).
struct pyramid_state {
  std::optional<std::int64_t> stored_top[pyramid_levels + 1];  // highest index stored, per level
  // Per level, the exact buckets from the stored top up (index -> row). The one at the top
  // may differ from its stored row: it was still open when written.
  std::map<std::int64_t, store::bucket_row> pending[pyramid_levels + 1];
  store::bucket_row* current[pyramid_levels + 1] = {};  // last pending bucket touched, per level
  std::int64_t unwritten_points = 0;                     // points added since the last write
};

// A cached series of a run: its summary and its pyramid, kept by the writer.
struct series_cache {
  std::int64_t sid = 0;
  metric_summary summary;
  pyramid_state pyramid;
  bool touched = false;
};

class run_channel {
 public:
  run_channel(std::size_t capacity, backpressure policy, std::chrono::milliseconds max_block,
              std::chrono::milliseconds setup_timeout)
      : queue(capacity), policy(policy), max_block(max_block), setup_timeout(setup_timeout) {}

  bounded_queue<record> queue;
  const backpressure policy;
  const std::chrono::milliseconds max_block;      // longest a blocked log() waits before dropping
  const std::chrono::milliseconds setup_timeout;  // longest a setup call waits for the writer

  // ---- producer-side counters (any thread) ---------------------------------------------
  std::atomic<std::uint64_t> dropped_unqueued{0};  // drop_newest, or block that timed out
  std::atomic<std::uint64_t> dropped_queued{0};    // drop_oldest victims (were pushed)
  std::atomic<std::uint64_t> rejected_unqueued{0}; // bad key, log after finish
  std::atomic<std::uint64_t> blocked{0};           // log() calls that waited for room
  std::atomic<std::uint64_t> block_timeouts{0};    // of those, gave up after max_block
  // Blocked producers sleep on space_epoch; the writer bumps it after making room.
  std::atomic<std::uint32_t> space_epoch{0};
  std::atomic<std::uint32_t> waiters{0};
  // Set when a blocked log() gave up: until space_epoch moves past shed_epoch, drop at once.
  std::atomic<bool> shedding{false};
  std::atomic<std::uint32_t> shed_epoch{0};

  // ---- writer-side counters (written by the writer thread, read by anyone) -------------
  std::atomic<std::uint64_t> written{0};
  std::atomic<std::uint64_t> rejected_queued{0};  // strict-step violations, unknown keys
  std::atomic<std::uint64_t> failed{0};           // lost to write errors after retries
  std::atomic<bool> closed{false};                // the end of the run is being recorded
  std::atomic<std::uint64_t> lost_reported{0};    // lost points the front end was told about

  // Points this run lost against its policy's promise: write failures, and block waits that
  // gave up. flush() and finish() report these (drops under drop_* policies are by choice).
  std::uint64_t lost() const noexcept { return failed.load() + block_timeouts.load(); }

  writer_stats stats() const noexcept {
    writer_stats s;
    s.enqueued = queue.pushed() + dropped_unqueued.load() + rejected_unqueued.load();
    s.written = written.load();
    s.dropped = dropped_unqueued.load() + dropped_queued.load();
    s.rejected = rejected_unqueued.load() + rejected_queued.load();
    s.failed = failed.load();
    s.blocked = blocked.load();
    return s;
  }

  // ---- writer thread only ---------------------------------------------------------------
  std::int64_t rid = 0;
  std::string id;
  bool open = true;
  bool strict_steps = false;
  double heartbeat_interval = 10;
  bool writer_heartbeats = true;  // false: the front end calls heartbeat() (a remote client)
  std::vector<std::unique_ptr<series_cache>> by_key;  // indexed by interned key id
  // Overload reporting: what was already reported.
  std::uint64_t reported_dropped = 0;
  std::uint64_t reported_rejected = 0;
};

}  // namespace tracker::detail
