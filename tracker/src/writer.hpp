// writer.hpp — the one thread per store (per process) that owns the write connection.
//
// Producers (run::log on any thread) push fixed-size records into a bounded lock-free queue.
// The writer thread wakes at least every 10 ms, drains the queue in bulk and commits each drain
// in one transaction, updating summaries and the pyramid in that same transaction. Everything
// else (create/resume a run, config, tags, objects, media, finish) is a command: a closure
// queued under a mutex and executed on the writer thread *after* the points queued before it,
// so "flush" is simply an empty command that the caller waits for.
//
// Ownership: runs hold a shared_ptr<writer>; the registry holds weak pointers, so the writer
// stops (draining everything) when the last run of its store goes away. The thread itself
// holds the shared core, so a shutdown that times out can detach it safely.
#pragma once

#include <tracker/tracker.hpp>

#include "store/backend.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tracker::detail {

// One queued metric point: 32 bytes, trivially copyable.
struct record {
  std::uint32_t slot;  // the run, as numbered by this writer
  std::uint32_t key;   // interned key id
  std::int64_t step;
  double value;
  double time;  // unix seconds
};

// What init() asks for; the writer resolves it against the store.
struct run_request {
  store::run_record record;  // id (may be empty), project, name (may be empty), process facts
  std::vector<std::pair<std::string, std::string>> config;  // flattened key -> JSON text
  std::vector<std::string> tags;
  resume_mode resume = resume_mode::never;
  bool strict_steps = false;
};

struct opened_run {
  std::uint32_t slot = 0;
  store::run_record record;
  std::int64_t max_step = -1;  // highest step already stored (resume), -1 for none
};

class writer_core;

class writer {
 public:
  // The writer of the store in dir, starting it if needed. Opens (creating or migrating) the
  // store on the caller's thread so that problems throw here. queue_capacity applies when
  // this call starts the writer.
  static std::shared_ptr<writer> for_store(const std::string& dir, std::size_t queue_capacity);
  // Every live writer of this process (for signal and exit handling).
  static std::vector<std::shared_ptr<writer>> live_writers();

  explicit writer(std::shared_ptr<writer_core> core) : core_(std::move(core)) {}
  ~writer();  // drains and stops the thread, waiting at most a few seconds
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // ---- logging path (any thread, never throws) -------------------------------------------
  void enqueue(const record& r, backpressure policy) noexcept;
  void count_rejected() noexcept;
  bool flush(std::chrono::milliseconds timeout) noexcept;
  writer_stats stats() const noexcept;
  void post_object(std::uint32_t slot, object_record object, nlohmann::json body) noexcept;
  void post_media(std::uint32_t slot, std::string relative_path, std::vector<std::uint8_t> bytes) noexcept;

  // ---- setup path (synchronous; throws tracker::error) -----------------------------------
  opened_run open_run(const run_request& request);
  void set_config(std::uint32_t slot, const std::vector<std::pair<std::string, std::string>>& config);
  void define_metric(std::uint32_t slot, const std::string& key, goal g);
  void change_tags(std::uint32_t slot, const std::vector<std::string>& add,
                   const std::vector<std::string>& remove);
  void set_note(std::uint32_t slot, const std::string& note);
  std::vector<metric_summary> summaries(std::uint32_t slot);

  // Records the end of a run after draining its points; later points of the slot are rejected.
  // Returns false if it could not be committed within the timeout.
  bool close_run(std::uint32_t slot, run_status status, const std::string& reason,
                 std::chrono::milliseconds timeout) noexcept;
  // Closes every open run of this writer (process exit: finished; signal: killed).
  void close_all(run_status status, const std::string& reason, std::chrono::milliseconds timeout) noexcept;

  const std::string& store_dir() const noexcept;

 private:
  std::shared_ptr<writer_core> core_;
};

}  // namespace tracker::detail
