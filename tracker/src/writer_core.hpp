// writer_core.hpp — the state of a store's writer thread, shared by the writer_*.cpp files.
//
// [SECTION] command replies: results and errors handed back to the calling thread
// [SECTION] writer_core
#pragma once

#include "writer.hpp"

#include "error_report.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <variant>

namespace tracker::detail {

// How long one write of the writer thread waits for another process's lock before it looks
// up again (retrying a batch, failing a setup command with a message that names the holder).
constexpr std::chrono::milliseconds writer_lock_poll{5000};

// =============================================================================================
// [SECTION] command replies
// =============================================================================================

// A command's result travels back as a value or as (code, message), and the caller throws a
// fresh tracker::error: no exception object is shared between threads (which is also what
// keeps ThreadSanitizer quiet about libstdc++'s uninstrumented exception reference counts).
template <class T>
struct reply {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::optional<T> value;
  std::atomic<bool> abandoned{false};  // the caller gave up waiting: do not run the command
  error_code code = error_code::io_error;
  std::string message;

  void set_value(T v) {
    std::lock_guard lock(mu);
    value = std::move(v);
    done = true;
    cv.notify_all();
  }
  void set_error(error_code c, std::string m) {
    std::lock_guard lock(mu);
    code = c;
    message = std::move(m);
    done = true;
    cv.notify_all();
  }
  // False on timeout.
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    if (timeout == std::chrono::milliseconds::max()) {
      cv.wait(lock, [&] { return done; });
      return true;
    }
    return cv.wait_for(lock, timeout, [&] { return done; });
  }
};

// =============================================================================================
// [SECTION] writer_core
// =============================================================================================

class writer_core : public std::enable_shared_from_this<writer_core> {
 public:
  writer_core(std::string dir, std::unique_ptr<store::backend> backend);

  void start();
  // Asks the thread to drain and exit; false if it did not exit within the timeout (then it
  // is detached and finishes on its own).
  bool stop(std::chrono::milliseconds timeout) noexcept;
  const std::string& dir() const noexcept { return dir_; }

  // ---- producer side (writer_thread.cpp) -------------------------------------------------
  void enqueue(run_channel& run, const record& r) noexcept;
  writer_stats store_stats() const noexcept;

  // ---- commands --------------------------------------------------------------------------
  // Queues work for the writer thread; false once the writer has stopped accepting.
  bool post(std::function<void()> work);

  // Runs f on the writer thread after everything queued before, and returns its result.
  // Throws tracker::error: f's error, run_closed when the writer has stopped, timeout.
  template <class F>
  auto call(F f, std::chrono::milliseconds timeout = std::chrono::milliseconds::max()) -> decltype(f()) {
    using result = decltype(f());
    using stored = std::conditional_t<std::is_void_v<result>, std::monostate, result>;
    auto r = std::make_shared<reply<stored>>();
    bool posted = post([r, f]() mutable {
      if (r->abandoned.load()) return;
      try {
        if constexpr (std::is_void_v<result>) {
          f();
          r->set_value(std::monostate{});
        } else {
          r->set_value(f());
        }
      } catch (const error& e) {
        r->set_error(e.code(), e.what());
      } catch (const std::exception& e) {
        r->set_error(error_code::io_error, e.what());
      }
    });
    if (!posted) throw error(error_code::run_closed, "the writer of " + dir_ + " has stopped (the process is exiting)");
    if (!r->wait(timeout)) {
      r->abandoned.store(true);
      throw error(error_code::timeout, "the writer of " + dir_ + " did not answer within " +
                                           std::to_string(timeout.count()) + " ms" + busy_hint());
    }
    if (!r->value) throw error(r->code, r->message);
    if constexpr (!std::is_void_v<result>) return std::move(*r->value);
  }

  // Commands (writer_commands.cpp); they run on the writer thread.
  opened_run open_run(const run_request& req);
  void set_config(run_channel& run, const std::vector<std::pair<std::string, std::string>>& config);
  void define_metric(run_channel& run, const std::string& key, goal g);
  void change_tags(run_channel& run, const std::vector<std::string>& add, const std::vector<std::string>& remove);
  void set_note(run_channel& run, const std::string& note);
  std::vector<metric_summary> summaries(run_channel& run);
  void heartbeat(run_channel& run);
  void close_run(run_channel& run, run_status status, const std::string& reason);
  void close_all_runs(run_status status, const std::string& reason);
  void insert_object(run_channel& run, object_record& o, const nlohmann::json& body);
  void write_media(run_channel& run, const std::string& relative_path, const std::vector<std::uint8_t>& bytes);

  // " (the store's write lock is held by process N (name))", or "" when nobody is waiting.
  std::string busy_hint() const;

 private:
  // writer_thread.cpp
  void thread_main();
  void on_lock_wait(double waited);
  void heartbeat_if_due();
  void report_overload_if_due();
  void make_room(run_channel& run) noexcept;
  void forget_finished_runs();

  // writer_points.cpp
  void drain_all();
  void write_batch();
  bool handle_failure(int attempt, const std::string& what);
  void apply_batch();
  series_cache* series_for(run_channel& run, std::uint32_t key);

  // writer_pyramid.cpp
  void load_pyramid(series_cache& s);
  void add_to_pyramid(series_cache& s, std::int64_t step, double time, double value);
  void take_pending_buckets(series_cache& s);
  void write_pyramid_of(const run_channel& run);

  // writer_commands.cpp
  void check_config(std::int64_t rid, const std::string& run_id,
                    const std::vector<std::pair<std::string, std::string>>& config);
  void require_open(const run_channel& run) const;

  std::string dir_;
  std::unique_ptr<store::backend> backend_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> commands_;
  bool stop_ = false;
  std::atomic<bool> accepting_{true};
  std::atomic<bool> idle_{false};
  std::mutex exit_mu_;
  std::condition_variable exit_cv_;
  bool exited_ = false;
  std::thread thread_;

  std::atomic<std::uint64_t> commits_{0}, busy_retries_{0}, errors_{0};
  std::atomic<double> lock_waited_{0};  // seconds the current write has waited for the lock
  std::atomic<std::int64_t> last_lock_wait_ns_{0};  // steady clock of the last wait observed

  // Writer-thread-only state.
  struct pending_point {
    run_channel* run;
    record r;
  };
  std::vector<std::shared_ptr<run_channel>> runs_;  // open runs, and closed ones still referenced
  std::vector<pending_point> batch_;
  std::vector<std::pair<run_channel*, std::uint64_t>> pending_written_, pending_rejected_;
  std::string pending_report_;
  std::vector<store::point_row> rows_;
  struct bucket_key {
    std::int64_t sid;
    std::int64_t index;
    int level;
    bool operator==(const bucket_key&) const = default;
  };
  struct bucket_key_hash {
    std::size_t operator()(const bucket_key& k) const noexcept {
      return std::hash<std::int64_t>{}(k.sid * 1000003 + k.index * 31 + k.level);
    }
  };
  std::unordered_map<bucket_key, store::bucket_row, bucket_key_hash> buckets_;
  std::vector<series_cache*> touched_;
  std::vector<store::bucket_row> bucket_rows_;  // this transaction's bucket writes
  std::chrono::steady_clock::time_point last_heartbeat_;
  std::chrono::steady_clock::time_point last_overload_report_{};
  bool reported_long_wait_ = false;
};

}  // namespace tracker::detail
