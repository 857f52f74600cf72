// tracker/tracker.hpp — log metrics from a training loop into a local store.
//
//   #include <tracker/tracker.hpp>
//
//   tracker::options opts;
//   opts.project = "fashion";
//   opts.config = {{"lr", 1e-3}, {"batch", 64}};
//   tracker::run run = tracker::init(opts);          // or tracker::init({.project = "fashion"})
//   for (int step = 0; step < n; ++step)
//       run.log({{"train/loss", loss}, {"train/acc", acc}}, step);
//   run.finish();                                     // also happens in the destructor
//
// Lifecycle of a run
//   1. init() opens (or creates) the store, records the run (id, name, host, pid, git commit,
//      config, tags) and returns once that is committed. Problems throw tracker::error.
//   2. log() copies fixed-size records into the run's own bounded in-memory queue and returns.
//      It does no I/O, takes no lock in the steady state, and never throws. A background writer
//      thread (one per store per process) drains every run's queue in bulk and commits each
//      drain in one SQLite transaction, at least every 100 ms (sooner when a queue is a quarter
//      full or someone waits in flush()).
//   3. flush() returns once everything logged before it is committed, and tells whether any
//      point of the run was lost.
//   4. finish() flushes and marks the run finished; fail() marks it failed. The destructor calls
//      finish(), or fail() if an exception is unwinding. Normal process exit drains the queue
//      with a bounded wait. SIGINT/SIGTERM mark live runs "killed" before the process dies.
//      A run whose process vanished (SIGKILL, power loss) reads as "crashed".
//
// Thread safety: a tracker::run may be used from several threads at once (log, flush, tags,
// note, config). Moving a run while another thread uses it is not allowed.
//
// Store location: options::store, else $TRACKER_DIR, else ./tracker-store. A store is one
// directory: tracker.db (SQLite, WAL mode) plus media/ for files.
#pragma once

#include <tracker/types.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tracker {

// What log() does when the run's queue is full. Each run has its own queue, so a policy only
// ever affects the points of the run that chose it.
enum class backpressure : std::uint8_t {
  block,        // wait for the writer (default): nothing is lost unless the store stays
                // blocked longer than options::max_block (then the point is dropped, counted
                // in writer_stats::dropped, reported, and flush()/finish() return false)
  drop_newest,  // discard the point being logged; counted in writer_stats::dropped
  drop_oldest,  // discard this run's oldest queued point to make room; counted likewise
};

// The largest options::queue_capacity accepted: 2^24 points (512 MiB of queue).
constexpr std::size_t max_queue_capacity = std::size_t{1} << 24;

// What init() does when options::id names a run that already exists.
enum class resume_mode : std::uint8_t {
  never,  // error run_exists (default when an id is given)
  allow,  // continue the run if it exists, create it otherwise
  must,   // continue the run; error run_not_found if it does not exist
};

struct options {
  // Project, name and tags: up to 256 bytes, no control characters and no '|'; tags no ','
  // either; a name may not be "latest" (it always means the newest run).
  std::string project = "default";
  std::string name;  // empty: a readable default such as "brisk-otter-3"
  // Nested objects flatten to "a.b" keys; keys follow the metric-key rules, and one key given
  // both nested and dotted ({"a":{"b":1},"a.b":2}) throws config_conflict.
  nlohmann::json config = nlohmann::json::object();
  std::vector<std::string> tags;
  std::string note;
  std::string store;  // directory; empty: $TRACKER_DIR, else ./tracker-store
  std::string id;     // empty: a fresh random id; set it (with resume) to continue a run
  resume_mode resume = resume_mode::never;
  bool strict_steps = false;  // reject (and report) a step lower than that key's last step
  backpressure on_full = backpressure::block;
  std::size_t queue_capacity = 1u << 16;  // this run's queue, in points (32 bytes each): 1 to
                                          // max_queue_capacity, rounded up to a power of two
  // Longest one log() call waits under backpressure::block (a store locked by a stopped
  // process must not hang training forever).
  std::chrono::milliseconds max_block{30000};
  // Longest init() and the setup calls wait for a store another process keeps locked; then
  // they throw error_code::timeout naming that process (when the OS tells which it is).
  std::chrono::milliseconds lock_timeout{30000};
  std::chrono::milliseconds heartbeat_interval{10000};
  bool handle_signals = true;  // SIGINT/SIGTERM mark the run "killed" (see lifecycle)
  bool capture_git = true;     // record the git commit/branch of the working directory
};

// One metric value in a log() call: run.log({{"train/loss", 0.3}, {"train/acc", 0.9}}).
struct metric {
  std::string_view key;
  double value;
};

// An interned key: run.key("train/loss") once, then log(k, v) skips the string lookup.
class key_handle {
 public:
  key_handle() = default;
  bool valid() const noexcept { return id_ != 0; }
  std::uint32_t id() const noexcept { return id_; }
  explicit key_handle(std::uint32_t id) noexcept : id_(id) {}

 private:
  std::uint32_t id_ = 0;  // 0 = invalid (a rejected key name)
};

// A run's counters (run::stats()). The point counters are this run's own; once flush() has
// returned, enqueued == written + dropped + rejected + failed. commits, busy_retries and
// errors belong to the store's writer, shared by the runs of this process on that store.
struct writer_stats {
  std::uint64_t enqueued = 0;   // values passed to log() (accepted or not)
  std::uint64_t written = 0;    // points committed to the store
  std::uint64_t dropped = 0;    // discarded by backpressure (drop_*, or a block past max_block)
  std::uint64_t rejected = 0;   // invalid key, strict-step violation, log after finish
  std::uint64_t failed = 0;     // lost to write errors (a batch that failed all its retries)
  std::uint64_t blocked = 0;    // log() calls that had to wait for room (policy block)
  std::uint64_t commits = 0;    // transactions committed (store)
  std::uint64_t busy_retries = 0;  // times another process held the write lock (store)
  std::uint64_t errors = 0;     // write failures reported to the error handler (store)
};

class run_state;  // internal

class run {
 public:
  run() = default;  // an empty handle; every call on it is a no-op (log) or throws (setup)
  run(run&&) noexcept;
  run& operator=(run&&) noexcept;
  run(const run&) = delete;
  run& operator=(const run&) = delete;
  ~run();  // finish(), or fail("exception") while an exception is unwinding; never throws

  explicit operator bool() const noexcept { return state_ != nullptr; }
  const std::string& id() const;
  const std::string& name() const;
  const std::string& project() const;
  const std::string& store_dir() const;  // absolute path of the store directory

  // ---- logging path: no I/O, never throws ------------------------------------------------
  // Without a step, each call takes the next step of the run (one more than the highest step
  // seen so far by this run, from any key); all values of one call share a step. Any step
  // order is kept; with options::strict_steps a step lower than the key's last is rejected.
  // Keys: 1..256 bytes, no control characters. A bad key is reported (once per thread) and
  // counted in stats().rejected, never thrown. The automatic step saturates at INT64_MAX.
  void log(std::initializer_list<metric> values, std::optional<std::int64_t> step = {}) noexcept;
  // The same for a list built at run time (per-class metrics, ...): one step for all values.
  void log(std::span<const metric> values, std::optional<std::int64_t> step = {}) noexcept;
  void log(std::string_view key, double value, std::optional<std::int64_t> step = {}) noexcept;
  void log(key_handle key, double value, std::optional<std::int64_t> step = {}) noexcept;
  key_handle key(std::string_view name) noexcept;  // invalid handle (reported) for a bad name
  // Takes the next automatic step, as a log() call without a step would, and returns it: for
  // values and objects logged in several calls that must share one step.
  std::int64_t take_step() noexcept;

  // Stores a JSON object (confusion matrix, table, histogram, ...) under key at step. Goes
  // through the writer like log(); the body is moved, not parsed, on the caller's thread.
  void log_object(std::string_view key, std::string_view kind, nlohmann::json body,
                  std::optional<std::int64_t> step = {}) noexcept;
  // Writes bytes (e.g. a PNG) to media/<run id>/<relative_path> on the writer thread and
  // returns the store-relative path ("media/<run id>/<relative_path>") to reference from an
  // object. Bad paths (absolute, "..") are reported and return "".
  std::string log_media(std::string_view relative_path, std::vector<std::uint8_t> bytes) noexcept;

  // ---- setup path: synchronous, committed on return, throws tracker::error ----------------
  // Config is immutable per key: the same value again is fine, a different value throws
  // config_conflict (like MLflow params). New keys may be added at any time. After finish()
  // every setup call throws run_closed.
  void set_config(const nlohmann::json& values);
  void define_metric(std::string_view key, goal g);  // how best is chosen for this key
  void add_tags(const std::vector<std::string>& tags);
  void remove_tags(const std::vector<std::string>& tags);
  void set_note(std::string_view note);

  // Blocks until everything logged before the call is committed. Returns false on timeout,
  // or when points of this run were lost since the previous flush() (write errors, a block
  // past max_block; see stats()). Drops chosen by a drop_* policy do not make it false.
  bool flush(std::chrono::milliseconds timeout = std::chrono::milliseconds::max()) noexcept;
  // Per-metric summaries (last/min/max/best/count) after a flush, read from the store.
  std::vector<metric_summary> summary();
  writer_stats stats() const noexcept;

  // Ends the run: flushes, records the end time and status. Idempotent; later log() calls
  // are rejected (counted, reported). finish() marks "finished", fail() marks "failed".
  // Returns false when the end could not be committed within 30 s (it is still recorded once
  // the store is free) or when any point of the run was lost (stats().failed, block timeouts).
  bool finish() noexcept;
  bool fail(std::string_view reason) noexcept;

 private:
  friend run init(const options&);
  explicit run(std::shared_ptr<run_state> state) noexcept;
  std::shared_ptr<run_state> state_;
};

// Opens the store and starts (or resumes) a run. Throws tracker::error.
run init(const options& opts = {});

// Where logging-path problems go (bad key, full queue dropped points, disk full, ...).
// The default prints to stderr, at most once per second (suppressed repeats are counted).
// The handler runs on the thread that found the problem; it must not throw.
void set_error_handler(std::function<void(const std::string& message)> handler);

// Sends a message to that handler, with the same rate limit: for integrations and user code
// on the logging path that must report a problem without throwing. Never throws.
void report_error(std::string_view message) noexcept;

// The store directory init() would use for an empty options::store.
std::string default_store_dir();

}  // namespace tracker
