// run.cpp — tracker::init and tracker::run: validation and the caller-side half of logging.
//
// The caller side does only this per scalar: intern the key (thread-local hash hit), take a
// step, read a coarse clock, and push a 32-byte record. Everything else is the writer's job.
#include <tracker/tracker.hpp>

#include "error_report.hpp"
#include "key_registry.hpp"
#include "process_hooks.hpp"
#include "system_info.hpp"
#include "validate.hpp"
#include "write_session.hpp"

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>
#include <limits>

namespace tracker {


// The caller-side state of a run: step counting and the closed flag, over the write session
// that every front end uses (write_session.hpp).
class run_state {
 public:
  explicit run_state(detail::write_session s) : session(std::move(s)) {}
  detail::write_session session;
  std::atomic<std::int64_t> next_step{0};
  std::atomic<bool> closed{false};
  int uncaught_at_init = 0;

  // The step for a log call: explicit steps move the auto-step past them. Saturates at
  // INT64_MAX instead of overflowing (a run that logged step INT64_MAX keeps that step).
  std::int64_t take_step(std::optional<std::int64_t> step) noexcept {
    constexpr std::int64_t top = std::numeric_limits<std::int64_t>::max();
    if (!step) {
      std::int64_t cur = next_step.load(std::memory_order_relaxed);
      while (!next_step.compare_exchange_weak(cur, cur == top ? top : cur + 1, std::memory_order_relaxed)) {
      }
      return cur;
    }
    std::int64_t want = *step == top ? top : *step + 1, cur = next_step.load(std::memory_order_relaxed);
    while (cur < want && !next_step.compare_exchange_weak(cur, want, std::memory_order_relaxed)) {
    }
    return *step;
  }

  void push(std::uint32_t key, double value, std::int64_t step, double time) noexcept {
    session.enqueue(key, step, value, time);
  }

  void count_rejected(std::uint64_t n = 1) noexcept { session.count_rejected(n); }

  // After finish() values are counted as rejected; the writer reports them (no lock here).
  bool accepting(std::size_t values = 1) noexcept {
    if (!closed.load(std::memory_order_relaxed)) return true;
    count_rejected(values);
    return false;
  }

  void require_open() const {
    if (closed.load())
      throw error(error_code::run_closed, "run " + session.record().id + " is finished; resume it to change it");
  }

  // True when everything up to now is committed and no point was lost since the last call.
  bool flush(std::chrono::milliseconds timeout) noexcept {
    auto outcome = session.flush(timeout);
    return session.take_lost_news(outcome.lost) == 0 && outcome.completed;
  }

  bool close(run_status status, const std::string& reason) noexcept {
    if (closed.exchange(true)) return true;
    session.mark_closing();
    bool recorded = session.close(status, reason, std::chrono::seconds(30));
    return recorded && session.lost() == 0;
  }
};

namespace {

// Coarse wall clock: a few ns through the vDSO, millisecond resolution is plenty for metrics.
double coarse_now() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

run_state& require(const std::shared_ptr<run_state>& s) {
  if (!s) throw error(error_code::invalid_argument, "this tracker::run is empty (moved from, or never initialised)");
  return *s;
}

}  // namespace

std::string default_store_dir() {
  const char* env = std::getenv("TRACKER_DIR");
  return env && *env ? std::string(env) : std::string("tracker-store");
}

run init(const options& opts) {
  detail::check_project(opts.project);
  detail::check_run_name(opts.name);
  detail::check_note(opts.note);
  detail::check_run_id(opts.id);
  if (opts.resume == resume_mode::must && opts.id.empty())
    throw error(error_code::invalid_argument, "resume_mode::must needs options.id, the run to continue");
  for (const auto& tag : opts.tags) detail::check_tag(tag);
  if (opts.heartbeat_interval.count() <= 0)
    throw error(error_code::invalid_argument, "options.heartbeat_interval must be positive");
  if (opts.queue_capacity == 0 || opts.queue_capacity > max_queue_capacity)
    throw error(error_code::invalid_argument,
                "options.queue_capacity must be between 1 and " + std::to_string(max_queue_capacity) +
                    " points (each takes 32 bytes); got " + std::to_string(opts.queue_capacity));
  if (opts.max_block.count() < 0 || opts.lock_timeout.count() < 0)
    throw error(error_code::invalid_argument, "options.max_block and options.lock_timeout must not be negative");

  std::string dir = opts.store.empty() ? default_store_dir() : opts.store;
  detail::run_request req;
  req.config = detail::flatten_config(opts.config);
  req.tags = opts.tags;
  req.resume = opts.resume;
  req.strict_steps = opts.strict_steps;
  req.queue_capacity = opts.queue_capacity;
  req.on_full = opts.on_full;
  req.max_block = opts.max_block;
  req.lock_timeout = opts.lock_timeout;
  auto& rec = req.record;
  rec.id = opts.id;
  rec.project = opts.project;
  rec.name = opts.name;
  rec.note = opts.note;
  rec.stored_status = run_status::running;
  rec.created_at = rec.heartbeat_at = detail::now_seconds();
  rec.heartbeat_interval = static_cast<double>(opts.heartbeat_interval.count()) / 1000.0;
  rec.host = detail::host_name();
  rec.pid = detail::process_id();
  rec.pid_start = detail::process_start_ticks(rec.pid);
  if (opts.capture_git) {
    auto git = detail::read_git_state();
    rec.git_commit = git.commit;
    rec.git_branch = git.branch;
  }

  detail::install_process_hooks(opts.handle_signals);
  auto state = std::make_shared<run_state>(detail::write_session::open(dir, req));
  state->next_step.store(state->session.max_step() + 1);
  state->uncaught_at_init = std::uncaught_exceptions();
  return run(std::move(state));
}

run::run(std::shared_ptr<run_state> state) noexcept : state_(std::move(state)) {}
run::run(run&&) noexcept = default;
run& run::operator=(run&& other) noexcept {
  if (this != &other) {
    finish();
    state_ = std::move(other.state_);
  }
  return *this;
}

run::~run() {
  if (!state_) return;
  if (std::uncaught_exceptions() > state_->uncaught_at_init)
    fail("an exception escaped while the run was live");
  else
    finish();
}

const std::string& run::id() const { return require(state_).session.record().id; }
const std::string& run::name() const { return require(state_).session.record().name; }
const std::string& run::project() const { return require(state_).session.record().project; }
const std::string& run::store_dir() const { return require(state_).session.store_dir(); }

void run::log(std::initializer_list<metric> values, std::optional<std::int64_t> step) noexcept {
  log(std::span<const metric>(values.begin(), values.size()), step);
}

void run::log(std::span<const metric> values, std::optional<std::int64_t> step) noexcept {
  if (!state_ || !state_->accepting(values.size())) return;
  std::int64_t s = state_->take_step(step);
  double now = coarse_now();
  for (const metric& m : values)
    if (std::uint32_t key = detail::intern_key(m.key))
      state_->push(key, m.value, s, now);
    else
      state_->count_rejected();
}

std::int64_t run::take_step() noexcept { return state_ ? state_->take_step(std::nullopt) : 0; }

void run::log(std::string_view key, double value, std::optional<std::int64_t> step) noexcept {
  if (!state_ || !state_->accepting()) return;
  std::uint32_t id = detail::intern_key(key);
  if (!id) {
    state_->count_rejected();
    return;
  }
  state_->push(id, value, state_->take_step(step), coarse_now());
}

void run::log(key_handle key, double value, std::optional<std::int64_t> step) noexcept {
  if (!state_ || !state_->accepting()) return;
  if (!key.valid()) {
    state_->count_rejected();
    return;
  }
  state_->push(key.id(), value, state_->take_step(step), coarse_now());
}

key_handle run::key(std::string_view name) noexcept { return key_handle(detail::intern_key(name)); }

void run::log_object(std::string_view key, std::string_view kind, nlohmann::json body,
                     std::optional<std::int64_t> step) noexcept {
  if (!state_ || !state_->accepting()) return;
  if (auto problem = detail::key_problem(key)) {
    report_error(*problem + "; the object was not logged");
    state_->count_rejected();
    return;
  }
  try {
    object_record o;
    o.key = std::string(key);
    o.kind = std::string(kind);
    // Without a step an object belongs to the run's latest step (not a new one).
    o.step = step ? *step : std::max<std::int64_t>(0, state_->next_step.load() - 1);
    if (step) state_->take_step(step);
    o.time = coarse_now();
    state_->session.log_object(std::move(o), std::move(body));
  } catch (...) {
    report_error("out of memory while logging an object");
  }
}

std::string run::log_media(std::string_view relative_path, std::vector<std::uint8_t> bytes) noexcept {
  if (!state_ || !state_->accepting()) return {};
  try {
    std::filesystem::path p{std::string(relative_path)};
    bool bad = relative_path.empty() || p.is_absolute() || relative_path.size() > 512;
    for (const auto& part : p)
      if (part == ".." || part == ".") bad = true;
    if (bad) {
      report_error("media path \"" + std::string(relative_path) + "\" must be relative, without '..'; not written");
      state_->count_rejected();
      return {};
    }
    const std::string relative = p.lexically_normal().string();
    std::string key;
    try {
      key = store::media_key(state_->session.record().id, relative);  // what the sink will store
    } catch (const error& e) {
      report_error(std::string(e.what()) + "; not written");
      state_->count_rejected();
      return {};
    }
    state_->session.log_media(relative, std::move(bytes));
    return key;
  } catch (...) {
    report_error("could not queue media file \"" + std::string(relative_path) + "\"");
    return {};
  }
}

void run::set_config(const nlohmann::json& values) {
  auto& s = require(state_);
  s.require_open();
  s.session.set_config(detail::flatten_config(values));
}

void run::define_metric(std::string_view key, goal g) {
  auto& s = require(state_);
  s.require_open();
  if (auto problem = detail::key_problem(key)) throw error(error_code::invalid_argument, *problem);
  s.session.define_metric(std::string(key), g);
}

void run::add_tags(const std::vector<std::string>& tags) {
  auto& s = require(state_);
  s.require_open();
  for (const auto& t : tags) detail::check_tag(t);
  s.session.change_tags(tags, {});
}

void run::remove_tags(const std::vector<std::string>& tags) {
  auto& s = require(state_);
  s.require_open();
  s.session.change_tags({}, tags);
}

void run::set_note(std::string_view note) {
  auto& s = require(state_);
  s.require_open();
  detail::check_note(note);
  s.session.set_note(std::string(note));
}

bool run::flush(std::chrono::milliseconds timeout) noexcept { return state_ && state_->flush(timeout); }

std::vector<metric_summary> run::summary() {
  auto& s = require(state_);
  return s.session.summaries();
}

writer_stats run::stats() const noexcept {
  return state_ ? state_->session.stats() : writer_stats{};
}

bool run::finish() noexcept { return !state_ || state_->close(run_status::finished, ""); }

bool run::fail(std::string_view reason) noexcept {
  return !state_ || state_->close(run_status::failed, std::string(reason));
}

}  // namespace tracker
