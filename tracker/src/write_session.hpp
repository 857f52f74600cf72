// write_session.hpp — the one write path. Every front end writes a run through a
// write_session: tracker::run (a training loop in this process) today; the HTTP ingest
// server, `tracker import` and the production client next. A session opens (or resumes) a
// run with the process facts its caller gives (host, pid, git — the caller's, not
// necessarily this process's), takes points, objects and media, heartbeats and closes.
// Values are validated by validate.hpp before they get here; the store is reached only
// through the store's writer (writer.hpp) and store::open.
//
// Lifecycle
//   1. open(location, request): opens the store's writer in this process (one per store) and
//      opens or resumes the run. Throws tracker::error.
//   2. enqueue() (hot path: no I/O, no lock) or log_batch() (a batch with a result, for a
//      front end that answers a client per request); log_object(), log_media().
//   3. heartbeat() for runs whose liveness the caller vouches for (request.writer_heartbeats
//      = false: a remote client); otherwise the writer beats while the session is open.
//   4. close(status, reason).
//
// Thread safety: as tracker::run — any thread may log; setup calls are synchronous.
#pragma once

#include "writer.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::detail {

// One point as a front end hands it over (the key as text; time in unix seconds).
struct point_in {
  std::string_view key;
  std::int64_t step = 0;
  double value = 0;
  double time = 0;
};

// What happened to one log_batch().
struct batch_result {
  bool committed = false;      // every accepted point of the batch is committed
  std::uint64_t accepted = 0;  // points queued
  std::uint64_t rejected = 0;  // points refused (invalid key)
  std::uint64_t lost = 0;      // points of the run lost since the previous result (write errors)
};

class write_session {
 public:
  static write_session open(const std::string& location, const run_request& request);

  const store::run_record& record() const noexcept { return record_; }
  std::int64_t max_step() const noexcept { return max_step_; }  // when opened; -1: none
  const std::string& store_dir() const noexcept { return writer_->store_dir(); }

  // ---- logging path: never throws ----------------------------------------------------------
  void enqueue(std::uint32_t key, std::int64_t step, double value, double time) noexcept {
    writer_->enqueue(*channel_, detail::record{key, 0, step, value, time});
  }
  void count_rejected(std::uint64_t n = 1) noexcept { channel_->rejected_unqueued.fetch_add(n, std::memory_order_relaxed); }
  batch_result log_batch(std::span<const point_in> points, std::chrono::milliseconds timeout) noexcept;
  void log_object(object_record object, nlohmann::json body) noexcept;
  void log_media(std::string relative_path, std::vector<std::uint8_t> bytes) noexcept;
  flush_outcome flush(std::chrono::milliseconds timeout) noexcept { return writer_->flush(*channel_, timeout); }
  // Lost points not yet told to the front end: returns how many were lost since the last call.
  std::uint64_t take_lost_news(std::uint64_t lost_now) noexcept {
    std::uint64_t before = channel_->lost_reported.exchange(lost_now);
    return lost_now > before ? lost_now - before : 0;
  }
  writer_stats stats() const noexcept { return writer_->stats(*channel_); }
  std::uint64_t lost() const noexcept { return channel_->lost(); }
  void mark_closing() noexcept { channel_->closed.store(true); }

  // ---- setup path: synchronous, throws tracker::error --------------------------------------
  void set_config(const std::vector<std::pair<std::string, std::string>>& config) { writer_->set_config(channel_, config); }
  void define_metric(const std::string& key, goal g) { writer_->define_metric(channel_, key, g); }
  void change_tags(const std::vector<std::string>& add, const std::vector<std::string>& remove) {
    writer_->change_tags(channel_, add, remove);
  }
  void set_note(const std::string& note) { writer_->set_note(channel_, note); }
  std::vector<metric_summary> summaries() { return writer_->summaries(channel_); }
  void heartbeat() { writer_->heartbeat(channel_); }

  // Records the end of the run; see writer::close_run.
  bool close(run_status status, const std::string& reason, std::chrono::milliseconds timeout) noexcept {
    return writer_->close_run(channel_, status, reason, timeout);
  }

 private:
  std::shared_ptr<writer> writer_;
  std::shared_ptr<run_channel> channel_;
  store::run_record record_;
  std::int64_t max_step_ = -1;
};

}  // namespace tracker::detail
