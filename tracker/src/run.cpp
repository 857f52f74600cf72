// run.cpp — tracker::init and tracker::run: validation and the caller-side half of logging.
//
// The caller side does only this per scalar: intern the key (thread-local hash hit), take a
// step, read a coarse clock, and push a 32-byte record. Everything else is the writer's job.
#include <tracker/tracker.hpp>

#include "error_report.hpp"
#include "key_registry.hpp"
#include "process_hooks.hpp"
#include "system_info.hpp"
#include "writer.hpp"

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <filesystem>

namespace tracker {

using detail::report_error;

class run_state {
 public:
  std::shared_ptr<detail::writer> writer;
  std::uint32_t slot = 0;
  store::run_record record;
  std::string store_dir;
  backpressure policy = backpressure::block;
  std::atomic<std::int64_t> next_step{0};
  std::atomic<bool> closed{false};
  int uncaught_at_init = 0;

  // The step for a log call: explicit steps move the auto-step past them.
  std::int64_t take_step(std::optional<std::int64_t> step) noexcept {
    if (!step) return next_step.fetch_add(1, std::memory_order_relaxed);
    std::int64_t want = *step + 1, cur = next_step.load(std::memory_order_relaxed);
    while (cur < want && !next_step.compare_exchange_weak(cur, want, std::memory_order_relaxed)) {
    }
    return *step;
  }

  void push(std::uint32_t key, double value, std::int64_t step, double time) noexcept {
    writer->enqueue(detail::record{slot, key, step, value, time}, policy);
  }

  bool accepting() noexcept {
    if (!closed.load(std::memory_order_relaxed)) return true;
    writer->count_rejected();
    report_error("log() on run " + record.id + " after finish(); the value was not logged");
    return false;
  }

  void close(run_status status, const std::string& reason) noexcept {
    if (closed.exchange(true)) return;
    writer->close_run(slot, status, reason, std::chrono::seconds(30));
  }
};

namespace {

// Coarse wall clock: a few ns through the vDSO, millisecond resolution is plenty for metrics.
double coarse_now() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Flattens nested objects into "a.b" keys; arrays and scalars are values (JSON text).
void flatten(const nlohmann::json& j, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  if (prefix.empty()) return;  // an empty top-level object
  if (j.is_number_float() && !std::isfinite(j.get<double>()))
    throw error(error_code::invalid_argument, "config value of \"" + prefix + "\" is not finite; JSON cannot hold it");
  out.emplace_back(prefix, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::vector<std::pair<std::string, std::string>> flatten_config(const nlohmann::json& config) {
  if (!config.is_object() && !config.is_null())
    throw error(error_code::invalid_argument, "options.config must be a JSON object, got " + std::string(config.type_name()));
  std::vector<std::pair<std::string, std::string>> out;
  if (config.is_object()) flatten(config, "", out);
  for (auto& [k, v] : out)
    if (k.size() > 256) throw error(error_code::invalid_argument, "config key longer than 256 bytes: " + k.substr(0, 40) + "...");
  return out;
}

void check_text(const std::string& what, const std::string& value, std::size_t max_bytes, bool allow_empty) {
  if (!allow_empty && value.empty()) throw error(error_code::invalid_argument, what + " must not be empty");
  if (value.size() > max_bytes)
    throw error(error_code::invalid_argument, what + " is longer than " + std::to_string(max_bytes) + " bytes");
  for (unsigned char c : value)
    if (c < 0x20 && c != '\t' && c != '\n')
      throw error(error_code::invalid_argument, what + " contains a control character");
}

void check_run_id(const std::string& id) {
  if (id.size() > 64) throw error(error_code::invalid_argument, "run id longer than 64 characters");
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      throw error(error_code::invalid_argument, "run id \"" + id + "\" may only contain letters, digits, '-', '_' and '.'");
  if (id == "latest") throw error(error_code::invalid_argument, "\"latest\" is reserved; choose another run id");
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
  check_text("options.project", opts.project, 256, false);
  check_text("options.name", opts.name, 256, true);
  check_text("options.note", opts.note, 1 << 20, true);
  check_run_id(opts.id);
  if (opts.resume == resume_mode::must && opts.id.empty())
    throw error(error_code::invalid_argument, "resume_mode::must needs options.id, the run to continue");
  for (const auto& tag : opts.tags) check_text("tag", tag, 256, false);
  if (opts.heartbeat_interval.count() <= 0)
    throw error(error_code::invalid_argument, "options.heartbeat_interval must be positive");

  std::string dir = opts.store.empty() ? default_store_dir() : opts.store;
  detail::run_request req;
  req.config = flatten_config(opts.config);
  req.tags = opts.tags;
  req.resume = opts.resume;
  req.strict_steps = opts.strict_steps;
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

  auto state = std::make_shared<run_state>();
  state->writer = detail::writer::for_store(dir, opts.queue_capacity);
  detail::install_process_hooks(opts.handle_signals);
  auto opened = state->writer->open_run(req);
  state->slot = opened.slot;
  state->record = std::move(opened.record);
  state->store_dir = state->writer->store_dir();
  state->policy = opts.on_full;
  state->next_step.store(opened.max_step + 1);
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

const std::string& run::id() const { return require(state_).record.id; }
const std::string& run::name() const { return require(state_).record.name; }
const std::string& run::project() const { return require(state_).record.project; }
const std::string& run::store_dir() const { return require(state_).store_dir; }

void run::log(std::initializer_list<metric> values, std::optional<std::int64_t> step) noexcept {
  log(std::span<const metric>(values.begin(), values.size()), step);
}

void run::log(std::span<const metric> values, std::optional<std::int64_t> step) noexcept {
  if (!state_ || !state_->accepting()) return;
  std::int64_t s = state_->take_step(step);
  double now = coarse_now();
  for (const metric& m : values)
    if (std::uint32_t key = detail::intern_key(m.key))
      state_->push(key, m.value, s, now);
    else
      state_->writer->count_rejected();
}

std::int64_t run::take_step() noexcept { return state_ ? state_->take_step(std::nullopt) : 0; }

void run::log(std::string_view key, double value, std::optional<std::int64_t> step) noexcept {
  if (!state_ || !state_->accepting()) return;
  std::uint32_t id = detail::intern_key(key);
  if (!id) {
    state_->writer->count_rejected();
    return;
  }
  state_->push(id, value, state_->take_step(step), coarse_now());
}

void run::log(key_handle key, double value, std::optional<std::int64_t> step) noexcept {
  if (!state_ || !state_->accepting()) return;
  if (!key.valid()) {
    state_->writer->count_rejected();
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
    state_->writer->count_rejected();
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
    state_->writer->post_object(state_->slot, std::move(o), std::move(body));
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
      state_->writer->count_rejected();
      return {};
    }
    std::string stored = "media/" + state_->record.id + "/" + p.lexically_normal().string();
    state_->writer->post_media(state_->slot, p.lexically_normal().string(), std::move(bytes));
    return stored;
  } catch (...) {
    report_error("could not queue media file \"" + std::string(relative_path) + "\"");
    return {};
  }
}

void run::set_config(const nlohmann::json& values) {
  auto& s = require(state_);
  if (s.closed) throw error(error_code::run_closed, "run " + s.record.id + " is finished");
  s.writer->set_config(s.slot, flatten_config(values));
}

void run::define_metric(std::string_view key, goal g) {
  auto& s = require(state_);
  if (auto problem = detail::key_problem(key)) throw error(error_code::invalid_argument, *problem);
  s.writer->define_metric(s.slot, std::string(key), g);
}

void run::add_tags(const std::vector<std::string>& tags) {
  auto& s = require(state_);
  for (const auto& t : tags) check_text("tag", t, 256, false);
  s.writer->change_tags(s.slot, tags, {});
}

void run::remove_tags(const std::vector<std::string>& tags) {
  auto& s = require(state_);
  s.writer->change_tags(s.slot, {}, tags);
}

void run::set_note(std::string_view note) {
  auto& s = require(state_);
  check_text("note", std::string(note), 1 << 20, true);
  s.writer->set_note(s.slot, std::string(note));
}

bool run::flush(std::chrono::milliseconds timeout) noexcept {
  return state_ && state_->writer->flush(timeout);
}

std::vector<metric_summary> run::summary() {
  auto& s = require(state_);
  return s.writer->summaries(s.slot);
}

writer_stats run::stats() const noexcept { return state_ ? state_->writer->stats() : writer_stats{}; }

void run::finish() noexcept {
  if (state_) state_->close(run_status::finished, "");
}

void run::fail(std::string_view reason) noexcept {
  if (state_) state_->close(run_status::failed, std::string(reason));
}

}  // namespace tracker
