// writer_thread.cpp — the writer thread's loop, backpressure on the producer side, and the
// periodic duties: heartbeats, overload reports, forgetting runs nobody references.
#include "writer_core.hpp"

#include "system_info.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <ctime>
#include <limits>

namespace tracker::detail {
using namespace std::chrono_literals;

namespace {
// The writer commits at least this often while points arrive. 100 ms keeps a SIGKILL's loss
// small and the commit rate (and its CPU) low at training rates; a waiting flush(), a command
// or a quarter-full queue wakes the writer at once.
constexpr auto commit_interval = 100ms;
constexpr auto overload_report_interval = 1s;
}  // namespace

void wait_on(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::milliseconds timeout) noexcept {
  timespec ts{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1000000};
  // std::atomic<uint32_t> is a plain 32-bit word on Linux: the futex operates on it directly.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, expected, &ts, nullptr, 0);
}

void wake_all(std::atomic<std::uint32_t>& word) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0);
}

writer_core::writer_core(std::string dir, std::unique_ptr<store::backend> backend)
    : dir_(std::move(dir)), backend_(std::move(backend)) {
  backend_->set_wait_observer([this](double waited, std::uint64_t) { on_lock_wait(waited); });
  // The thread never waits long inside SQLite: a batch that meets a held lock is retried
  // (points stay in memory), and setup calls are bounded by their callers' timeouts.
  backend_->set_lock_timeout(writer_lock_poll);
}

void writer_core::start() {
  auto self = shared_from_this();  // the thread keeps the core alive even if detached
  thread_ = std::thread([self] { self->thread_main(); });
}

bool writer_core::stop(std::chrono::milliseconds timeout) noexcept {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  bool exited;
  {
    std::unique_lock lock(exit_mu_);
    exited = exit_cv_.wait_for(lock, timeout, [&] { return exited_; });
  }
  if (thread_.joinable()) {
    if (exited)
      thread_.join();
    else
      thread_.detach();
  }
  return exited;
}

bool writer_core::post(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    if (!accepting_.load()) return false;
    commands_.push_back(std::move(work));
  }
  cv_.notify_one();
  return true;
}

writer_stats writer_core::store_stats() const noexcept {
  writer_stats s;
  s.commits = commits_.load();
  s.busy_retries = busy_retries_.load();
  s.errors = errors_.load();
  return s;
}

// ---- producer side: the run's own queue and the run's own policy ------------------------------

void writer_core::enqueue(run_channel& run, const record& r) noexcept {
  if (run.queue.try_push(r)) {
    // Wake a sleeping writer when a quarter of the queue has filled, not on every push.
    // (Best effort, without the mutex: a missed wake-up costs at most one commit interval.)
    if ((run.queue.pushed() & (run.queue.capacity() / 4 - 1)) == 0 && idle_.load(std::memory_order_relaxed) &&
        idle_.exchange(false))
      cv_.notify_one();
    return;
  }
  switch (run.policy) {
    case backpressure::drop_newest:
      run.dropped_unqueued.fetch_add(1, std::memory_order_relaxed);  // reported by the writer
      return;
    case backpressure::drop_oldest: {
      record victim;
      while (!run.queue.try_push(r))
        if (run.queue.try_pop(victim)) run.dropped_queued.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    case backpressure::block:
      break;
  }
  // Block: sleep on the run's futex (no CPU taken from the writer) until the writer made room,
  // at most max_block in total; then drop the point, count it as lost and let it be reported.
  run.blocked.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);  // so the wake-up cannot slip between the writer's check and sleep
    idle_.store(false);
  }
  cv_.notify_one();
  // After one wait gave up, later points drop at once until the writer makes room again: a
  // locked store costs the training loop one max_block, not one per point.
  if (run.shedding.load() && run.space_epoch.load() == run.shed_epoch.load()) {
    run.dropped_unqueued.fetch_add(1, std::memory_order_relaxed);
    run.block_timeouts.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  run.shedding.store(false);
  const auto deadline = std::chrono::steady_clock::now() + run.max_block;
  for (;;) {
    run.waiters.fetch_add(1);
    std::uint32_t epoch = run.space_epoch.load();
    if (run.queue.try_push(r)) {
      run.waiters.fetch_sub(1);
      return;
    }
    auto now = std::chrono::steady_clock::now();
    if (!accepting_.load() || now >= deadline) {
      // The writer is gone (process exit), or the store stayed blocked for max_block.
      run.waiters.fetch_sub(1);
      run.dropped_unqueued.fetch_add(1, std::memory_order_relaxed);
      run.block_timeouts.fetch_add(1, std::memory_order_relaxed);
      run.shed_epoch.store(epoch);
      run.shedding.store(true);
      return;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms;
    wait_on(run.space_epoch, epoch, std::min<std::chrono::milliseconds>(left, 100ms));
    run.waiters.fetch_sub(1);
  }
}

// After the writer popped points of a run: let its blocked producers retry. The order (pop,
// then bump the epoch, then read waiters) pairs with the producer's (count itself a waiter,
// then read the epoch, then try): either the writer sees the waiter, or the waiter sees room.
void writer_core::make_room(run_channel& run) noexcept {
  run.space_epoch.fetch_add(1);
  if (run.waiters.load() > 0) wake_all(run.space_epoch);
}

// ---- the loop ---------------------------------------------------------------------------------

void writer_core::thread_main() {
  last_heartbeat_ = std::chrono::steady_clock::now();
  for (;;) {
    std::deque<std::function<void()>> todo;
    bool stopping;
    {
      std::unique_lock lock(mu_);
      idle_.store(true);
      cv_.wait_for(lock, commit_interval, [&] { return stop_ || !commands_.empty() || !idle_.load(); });
      idle_.store(false);
      todo.swap(commands_);
      stopping = stop_;
    }
    // Points first: every point logged before a command was queued is written before it.
    drain_all();
    for (auto& work : todo) work();
    heartbeat_if_due();
    report_overload_if_due();
    forget_finished_runs();
    if (stopping) {
      drain_all();
      std::lock_guard lock(mu_);
      if (commands_.empty()) {
        accepting_.store(false);
        break;
      }
    }
  }
  report_overload_if_due();
  // Blocked producers of any run: the writer is gone, stop waiting.
  for (auto& run : runs_) make_room(*run);
  std::lock_guard lock(exit_mu_);
  exited_ = true;
  exit_cv_.notify_all();
}

void writer_core::on_lock_wait(double waited) {
  busy_retries_.fetch_add(1, std::memory_order_relaxed);
  lock_waited_.store(waited);
  last_lock_wait_ns_.store(std::chrono::steady_clock::now().time_since_epoch().count());
  if (waited > 2.0 && !reported_long_wait_) {
    reported_long_wait_ = true;
    report_error("waiting " + std::to_string(static_cast<int>(waited)) + " s for the write lock of " + dir_ +
                 busy_hint() + "; points stay queued meanwhile");
  }
}

std::string writer_core::busy_hint() const {
  // Only while the writer is (or was a moment ago) waiting for another process's lock.
  auto since = std::chrono::steady_clock::now().time_since_epoch().count() - last_lock_wait_ns_.load();
  if (last_lock_wait_ns_.load() == 0 || since > std::chrono::nanoseconds(1s).count()) return "";
  std::string holders = describe_lock_holders(store::database_path(dir_));
  return " (the store's write lock is held by " + (holders.empty() ? std::string("another process") : holders) + ")";
}

// Runs on every wake-up: decide cheaply, allocate only when a beat is due.
void writer_core::heartbeat_if_due() {
  double interval = std::numeric_limits<double>::infinity();
  for (auto& run : runs_)
    if (run->open && run->writer_heartbeats) interval = std::min(interval, run->heartbeat_interval);
  auto now = std::chrono::steady_clock::now();
  if (std::isinf(interval) || now - last_heartbeat_ < std::chrono::duration<double>(interval)) return;
  last_heartbeat_ = now;
  std::vector<std::int64_t> rids;
  for (auto& run : runs_)
    if (run->open && run->writer_heartbeats) rids.push_back(run->rid);
  try {
    store::write_transaction t(*backend_);
    backend_->touch_heartbeats(rids, now_seconds());
    t.commit();
  } catch (const std::exception& e) {
    errors_.fetch_add(1);
    report_error(std::string("heartbeat failed: ") + e.what());
  }
}

// Producers only count drops and rejections (no lock, no string on the logging path); the
// writer turns the counts into at most one message per second.
void writer_core::report_overload_if_due() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_overload_report_ < overload_report_interval) return;
  std::string message;
  for (auto& run : runs_) {
    std::uint64_t dropped = run->dropped_unqueued.load() + run->dropped_queued.load();
    std::uint64_t rejected = run->rejected_unqueued.load();
    if (dropped > run->reported_dropped) {
      std::uint64_t timeouts = run->block_timeouts.load();
      message += (message.empty() ? "" : "; ") + std::string("run ") + run->id + ": " +
                 std::to_string(dropped - run->reported_dropped) + " points dropped (policy " +
                 (run->policy == backpressure::block ? "block, waited longer than max_block"
                  : run->policy == backpressure::drop_newest ? "drop_newest"
                                                             : "drop_oldest") +
                 (timeouts ? ", " + std::to_string(timeouts) + " lost in total" : std::string()) + ")";
      run->reported_dropped = dropped;
    }
    if (rejected > run->reported_rejected) {
      message += (message.empty() ? "" : "; ") + std::string("run ") + run->id + ": " +
                 std::to_string(rejected - run->reported_rejected) + " values refused (" +
                 (run->closed.load() ? "logged after finish()" : "invalid key") + ")";
      run->reported_rejected = rejected;
    }
  }
  if (message.empty()) return;
  last_overload_report_ = now;
  report_error(message + "; see run::stats()");
}

// A run that is closed, drained, and referenced by nobody else is forgotten, so a long-lived
// process (a server) does not accumulate every run it ever wrote.
void writer_core::forget_finished_runs() {
  std::erase_if(runs_, [](const std::shared_ptr<run_channel>& run) {
    return !run->open && run.use_count() == 1 && run->queue.approx_size() == 0;
  });
}

}  // namespace tracker::detail
