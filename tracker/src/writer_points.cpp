// writer_points.cpp — draining the runs' queues into transactions: raw points, series
// summaries and the pyramid, committed together; retries and what a failure costs.
#include "writer_core.hpp"

#include "aggregate.hpp"
#include "key_registry.hpp"

#include <algorithm>

namespace tracker::detail {

namespace {
constexpr std::size_t max_batch = 32768;  // points per transaction
constexpr int max_write_attempts = 3;     // a failing batch is retried, then reported
}  // namespace

void writer_core::drain_all() {
  batch_.clear();
  for (auto& run_ptr : runs_) {
    run_channel& run = *run_ptr;
    // Drain what was queued up to now, not forever: commands behind it must get their turn.
    const std::size_t target = run.queue.pushed();
    bool popped_any = false;
    record r;
    for (;;) {
      if (run.queue.try_pop(r)) {
        batch_.push_back({&run, r});
        popped_any = true;
        if (batch_.size() >= max_batch) {
          make_room(run);
          write_batch();
          batch_.clear();
        }
        continue;
      }
      // Empty, or a producer is between claiming a cell and filling it: wait for it only if
      // that cell is one the caller of flush() may be waiting on.
      if (run.queue.approx_size() == 0 || run.queue.pushed() - run.queue.approx_size() >= target) break;
      std::this_thread::yield();
    }
    if (popped_any) make_room(run);
  }
  if (!batch_.empty()) write_batch();
  batch_.clear();
}

void writer_core::write_batch() {
  for (int attempt = 1;; ++attempt) {
    try {
      store::write_transaction t(*backend_);
      apply_batch();
      t.commit();
      lock_waited_.store(0);
      commits_.fetch_add(1, std::memory_order_relaxed);
      for (auto& [run, n] : pending_written_) run->written.fetch_add(n, std::memory_order_relaxed);
      for (auto& [run, n] : pending_rejected_) run->rejected_queued.fetch_add(n, std::memory_order_relaxed);
      if (!pending_report_.empty()) report_error(pending_report_);
      reported_long_wait_ = false;
      return;
    } catch (const error& e) {
      if (e.code() == error_code::timeout) {
        // Another process holds the lock (reported by on_lock_wait): not a failure of this
        // batch. Keep it and try again; log() meanwhile blocks or drops per run policy.
        --attempt;
        continue;
      }
      if (handle_failure(attempt, e.what())) return;
    } catch (const std::exception& e) {
      if (handle_failure(attempt, e.what())) return;
    }
  }
}

// After a failed attempt: forget caches; true when the batch is given up (counted, reported).
bool writer_core::handle_failure(int attempt, const std::string& what) {
  // The transaction rolled back: forget cached summaries, they may be ahead of the store.
  for (auto& run : runs_) run->by_key.clear();
  touched_.clear();
  if (attempt < max_write_attempts) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    return false;
  }
  errors_.fetch_add(1);
  for (const auto& p : batch_) p.run->failed.fetch_add(1, std::memory_order_relaxed);
  report_error("could not write " + std::to_string(batch_.size()) + " points to " + dir_ + " after " +
               std::to_string(attempt) + " attempts, dropping them (flush() and finish() report it): " + what);
  return true;
}

series_cache* writer_core::series_for(run_channel& run, std::uint32_t key) {
  if (key < run.by_key.size() && run.by_key[key]) return run.by_key[key].get();
  std::string name = key_name(key);
  if (name.empty()) return nullptr;
  auto cache = std::make_unique<series_cache>();
  if (auto existing = backend_->find_series(run.rid, name)) {
    cache->sid = existing->sid;
    cache->summary = existing->summary;
  } else {
    goal g = infer_goal(name);
    cache->sid = backend_->insert_series(run.rid, name, g);
    cache->summary.key = name;
    cache->summary.metric_goal = g;
  }
  if (cache->summary.count > 0) load_pyramid(*cache);
  if (run.by_key.size() <= key) run.by_key.resize(key + 1);
  run.by_key[key] = std::move(cache);
  return run.by_key[key].get();
}

// Builds the rows of one transaction. The counts it gathers (written, rejected) are added to
// the runs' counters only after the commit succeeds, so a retried batch counts once.
void writer_core::apply_batch() {
  rows_.clear();
  buckets_.clear();
  touched_.clear();
  pending_written_.clear();
  pending_rejected_.clear();
  pending_report_.clear();
  // The batch holds each run's points together, so per-run counts are runs of the same pointer.
  auto count = [](std::vector<std::pair<run_channel*, std::uint64_t>>& v, run_channel* run) {
    if (v.empty() || v.back().first != run)
      v.emplace_back(run, 1);
    else
      ++v.back().second;
  };
  for (const auto& [run, r] : batch_) {
    series_cache* s = run->open ? series_for(*run, r.key) : nullptr;
    if (!s) {  // logged after the run was closed, or a key id that was never interned
      count(pending_rejected_, run);
      continue;
    }
    if (run->strict_steps && s->summary.count > 0 && r.step < s->summary.last_step) {
      count(pending_rejected_, run);
      if (pending_report_.empty())
        pending_report_ = "strict_steps: step " + std::to_string(r.step) + " of \"" + s->summary.key + "\" in run " +
                          run->id + " is lower than its last step " + std::to_string(s->summary.last_step) +
                          "; point rejected";
      continue;
    }
    if (!s->touched) {
      s->touched = true;
      touched_.push_back(s);
    }
    add_point(s->summary, r.step, r.time, r.value);
    rows_.push_back(store::point_row{s->sid, r.step, r.time, r.value});
    count(pending_written_, run);
    add_to_pyramid(*s, r.step, r.time, r.value);
  }
  backend_->insert_points(rows_);
  // Buckets: those that late points changed below a stored top, and each series' pending
  // buckets once enough points went into them.
  bucket_rows_.clear();
  for (auto& [k, b] : buckets_) bucket_rows_.push_back(b);
  for (series_cache* s : touched_)
    if (s->pyramid.unwritten_points >= pyramid_write_points) take_pending_buckets(*s);
  backend_->upsert_buckets(bucket_rows_);
  for (series_cache* s : touched_) {
    backend_->update_series_summary(s->sid, s->summary);
    s->touched = false;
  }
  touched_.clear();
}

}  // namespace tracker::detail
