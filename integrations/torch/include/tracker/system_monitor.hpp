// tracker/system_monitor.hpp — process and system metrics sampled in the background.
//
//   tracker::run run = tracker::init({.project = "fashion"});
//   std::atomic<std::int64_t> step{0};
//   tracker::system_monitor monitor(run, {.interval = std::chrono::seconds(10),
//                                         .step = [&] { return step.load(); }});
//   ... training; the monitor logs every 10 s ...
//   // the destructor stops the thread (declare the monitor after the run, so it goes first)
//
// Keys (at each sample, all with the same step):
//   system/cpu_percent     CPU time of this process over the last interval, in percent of one
//                          core (so 2 busy threads read 200, like top and psutil)
//   system/rss_mb          resident memory of this process, MiB (VmRSS)
//   system/memory_percent  memory in use on the machine: (MemTotal - MemAvailable) / MemTotal,
//                          in percent (psutil's virtual_memory().percent)
//   system/threads         threads of this process
// Read from /proc (Linux). Where /proc is missing a value, that key is skipped.
//
// Steps: by default the sample number (0, 1, 2, ...). Pass options::step to log at the training
// step instead, so that system charts line up with the loss on a step axis; on a wall-time
// axis both line up anyway.
//
// Thread safety: the monitor owns one thread, which only calls run::log (thread-safe). The run
// must outlive the monitor. stop() and the destructor may be called from any one thread.
#pragma once

#include <tracker/tracker.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace tracker {

struct system_monitor_options {
  std::chrono::milliseconds interval{10000};  // time between samples; the first comes after one
  std::function<std::int64_t()> step{};       // empty: the sample number. Called on the monitor
                                              // thread, so it must be thread-safe (an atomic).
  std::string prefix = "system";              // keys are <prefix>/cpu_percent, ...
};

// One reading. cpu_percent needs two readings: see system_sampler.
struct system_sample {
  std::optional<double> cpu_percent;
  std::optional<double> rss_mb;
  std::optional<double> memory_percent;
  std::optional<double> threads;
};

// Takes readings from /proc; each one's cpu_percent covers the time since the previous one
// (the first covers the time since the sampler was created). No thread, no run: testable alone.
class system_sampler {
 public:
  system_sampler();
  system_sample sample();

 private:
  std::optional<double> last_cpu_seconds_;
  std::chrono::steady_clock::time_point last_time_;
};

class system_monitor {
 public:
  system_monitor(run& r, system_monitor_options options = {});
  system_monitor(run& r, std::chrono::milliseconds interval);
  system_monitor(const system_monitor&) = delete;
  system_monitor& operator=(const system_monitor&) = delete;
  ~system_monitor();  // stop()

  void stop() noexcept;  // wakes and joins the thread; idempotent; logs nothing more
  std::int64_t samples() const noexcept;  // samples logged so far

 private:
  void loop();

  run* run_;
  system_monitor_options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::int64_t samples_ = 0;
  std::thread thread_;  // last: started once everything above is initialised
};

}  // namespace tracker
