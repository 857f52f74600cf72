// writer.hpp — the one thread per store (per process) that owns the write connection.
//
// Producers (run::log on any thread) push fixed-size records into their run's bounded
// lock-free queue (run_channel.hpp). The writer thread wakes at least every 100 ms — sooner
// when a queue is a quarter full or a command arrives — drains every run's queue in bulk and
// commits each drain in one transaction, updating summaries and the pyramid in that same
// transaction. Everything else (create/resume a run, config, tags, objects, media, finish) is
// a command: a closure queued under a mutex and executed on the writer thread *after* the
// points queued before it, so "flush" is simply a command that the caller waits for.
//
// Ownership: runs hold a shared_ptr<writer>; the registry holds weak pointers, so the writer
// stops (draining everything) when the last run of its store goes away. The thread itself
// holds the shared core, so a shutdown that times out can detach it safely.
//
// Files: writer_core.hpp (the core's state), writer_thread.cpp (thread loop, backpressure,
// reporting), writer_points.cpp (draining points), writer_commands.cpp (commands), writer.cpp
// (this handle and the process-wide registry).
#pragma once

#include <tracker/tracker.hpp>

#include "run_channel.hpp"
#include "store/backend.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tracker::detail {

// What init() asks for; the writer resolves it against the store.
struct run_request {
  store::run_record record;  // id (may be empty), project, name (may be empty), process facts
  std::vector<std::pair<std::string, std::string>> config;  // flattened key -> JSON text
  std::vector<std::string> tags;
  resume_mode resume = resume_mode::never;
  bool strict_steps = false;
  std::size_t queue_capacity = 1u << 16;
  backpressure on_full = backpressure::block;
  std::chrono::milliseconds max_block{30000};
  std::chrono::milliseconds lock_timeout{30000};  // bound of this and later setup calls
  // true: the writer beats for the run while it is open (the run lives in this process);
  // false: the front end calls heartbeat() when its client shows signs of life.
  bool writer_heartbeats = true;
};

struct opened_run {
  std::shared_ptr<run_channel> channel;
  store::run_record record;
  std::int64_t max_step = -1;  // highest step already stored (resume), -1 for none
};

// The outcome of flush(): whether it completed, and how many of the run's points were lost
// (write errors, blocked waits that gave up) since the run started.
struct flush_outcome {
  bool completed = false;
  std::uint64_t lost = 0;
};

class writer_core;

class writer {
 public:
  // The writer of the store in dir, starting it if needed. Opens (creating or migrating) the
  // store on the caller's thread so that problems throw here.
  // Opening waits at most lock_timeout for another process's write lock.
  static std::shared_ptr<writer> for_store(const std::string& dir, std::chrono::milliseconds lock_timeout);
  // Every live writer of this process (for signal and exit handling).
  static std::vector<std::shared_ptr<writer>> live_writers();

  explicit writer(std::shared_ptr<writer_core> core) : core_(std::move(core)) {}
  ~writer();  // drains and stops the thread, waiting at most a few seconds
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;

  // ---- logging path (any thread, never throws) -------------------------------------------
  void enqueue(run_channel& run, const record& r) noexcept;
  flush_outcome flush(run_channel& run, std::chrono::milliseconds timeout) noexcept;
  writer_stats stats(const run_channel& run) const noexcept;
  void post_object(const std::shared_ptr<run_channel>& run, object_record object, nlohmann::json body) noexcept;
  void post_media(const std::shared_ptr<run_channel>& run, std::string relative_path,
                  std::vector<std::uint8_t> bytes) noexcept;

  // ---- setup path (synchronous; throws tracker::error) -----------------------------------
  opened_run open_run(const run_request& request);
  void set_config(const std::shared_ptr<run_channel>& run,
                  const std::vector<std::pair<std::string, std::string>>& config);
  void define_metric(const std::shared_ptr<run_channel>& run, const std::string& key, goal g);
  void change_tags(const std::shared_ptr<run_channel>& run, const std::vector<std::string>& add,
                   const std::vector<std::string>& remove);
  void set_note(const std::shared_ptr<run_channel>& run, const std::string& note);
  std::vector<metric_summary> summaries(const std::shared_ptr<run_channel>& run);
  void heartbeat(const std::shared_ptr<run_channel>& run);

  // Records the end of a run after draining its points; later points of the run are rejected.
  // False if that was not committed within the timeout (it still happens later, when the
  // store is free) or failed.
  bool close_run(const std::shared_ptr<run_channel>& run, run_status status, const std::string& reason,
                 std::chrono::milliseconds timeout) noexcept;
  // Closes every open run of this writer (process exit: finished; signal: killed).
  void close_all(run_status status, const std::string& reason, std::chrono::milliseconds timeout) noexcept;

  const std::string& store_dir() const noexcept;

 private:
  std::shared_ptr<writer_core> core_;
};

}  // namespace tracker::detail
