// writer.cpp — the writer thread, its commands and its registry.
//
// [SECTION] writer_core: state, thread loop
// [SECTION] draining points: summaries, pyramid, retries
// [SECTION] commands: runs, config, tags, objects, media
// [SECTION] writer: the handle runs hold, and the process-wide registry
#include "writer.hpp"

#include "aggregate.hpp"
#include "bounded_queue.hpp"
#include "error_report.hpp"
#include "key_registry.hpp"
#include "system_info.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tracker::detail {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t max_batch = 32768;        // points per transaction
constexpr auto idle_wait = 10ms;                // the writer wakes at least this often
constexpr int max_write_attempts = 3;           // a failing batch is retried, then reported

// Begins a write transaction and rolls it back unless committed (never throws on the way out).
class transaction {
 public:
  explicit transaction(store::backend& b) : b_(b) { b_.begin_write(); }
  ~transaction() {
    if (!done_) b_.rollback();
  }
  void commit() {
    b_.commit();
    done_ = true;
  }

 private:
  store::backend& b_;
  bool done_ = false;
};

bool json_equal(const std::string& a, const std::string& b) {
  auto ja = nlohmann::json::parse(a, nullptr, false), jb = nlohmann::json::parse(b, nullptr, false);
  return !ja.is_discarded() && !jb.is_discarded() ? ja == jb : a == b;
}

template <class Duration>
bool wait_bounded(std::future<void>& f, Duration timeout) {
  if (timeout == Duration::max()) {
    f.wait();
    return true;
  }
  return f.wait_for(timeout) == std::future_status::ready;
}

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

}  // namespace

// =============================================================================================
// [SECTION] writer_core: state, thread loop
// =============================================================================================

class writer_core : public std::enable_shared_from_this<writer_core> {
 public:
  writer_core(std::string dir, std::unique_ptr<store::backend> backend, std::size_t capacity)
      : dir_(std::move(dir)), backend_(std::move(backend)), queue_(capacity) {
    backend_->set_wait_observer([this](double waited, std::uint64_t) { on_lock_wait(waited); });
  }

  void start() {
    auto self = shared_from_this();  // the thread keeps the core alive even if detached
    thread_ = std::thread([self] { self->thread_main(); });
  }

  // Asks the thread to drain and exit; false if it did not exit within the timeout (then it
  // is detached and finishes on its own).
  bool stop(std::chrono::milliseconds timeout) noexcept {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    bool exited = wait_bounded(exited_future_, timeout);
    if (thread_.joinable()) {
      if (exited)
        thread_.join();
      else
        thread_.detach();
    }
    return exited;
  }

  const std::string& dir() const noexcept { return dir_; }

  // ---- producer side ---------------------------------------------------------------------
  void enqueue(const record& r, backpressure policy) noexcept {
    if (queue_.try_push(r)) {
      // Wake a sleeping writer when a quarter of the queue has filled, not on every push.
      if ((queue_.pushed() & (queue_.capacity() / 4 - 1)) == 0 && idle_.load(std::memory_order_relaxed))
        cv_.notify_one();
      return;
    }
    switch (policy) {
      case backpressure::drop_newest:
        dropped_.fetch_add(1, std::memory_order_relaxed);
        report_error("queue full: point dropped (policy drop_newest); see run::stats()");
        return;
      case backpressure::drop_oldest: {
        record victim;
        while (!queue_.try_push(r)) {
          if (queue_.try_pop(victim)) dropped_.fetch_add(1, std::memory_order_relaxed);
        }
        report_error("queue full: oldest point dropped (policy drop_oldest); see run::stats()");
        return;
      }
      case backpressure::block:
        break;
    }
    blocked_.fetch_add(1, std::memory_order_relaxed);
    cv_.notify_one();
    for (int spins = 0; !queue_.try_push(r); ++spins) {
      if (!accepting_.load(std::memory_order_relaxed)) {
        rejected_.fetch_add(1, std::memory_order_relaxed);
        return;  // the writer is gone (process exit): nothing will ever drain the queue
      }
      // A few yields catch a writer that is just finishing; then sleep, so a blocked trainer
      // does not burn the CPU the writer needs to make room.
      if (spins < 8)
        std::this_thread::yield();
      else
        std::this_thread::sleep_for(200us);
    }
  }

  writer_stats stats() const noexcept {
    writer_stats s;
    s.enqueued = queue_.pushed();
    s.written = written_.load();
    s.dropped = dropped_.load();
    s.rejected = rejected_.load();
    s.blocked = blocked_.load();
    s.commits = commits_.load();
    s.busy_retries = busy_retries_.load();
    s.errors = errors_.load();
    return s;
  }

  void count_rejected() noexcept { rejected_.fetch_add(1, std::memory_order_relaxed); }

  // ---- commands --------------------------------------------------------------------------
  // Queues work for the writer thread; false once the writer has stopped accepting.
  bool post(std::function<void()> work) {
    {
      std::lock_guard lock(mu_);
      if (!accepting_.load()) return false;
      commands_.push_back(std::move(work));
    }
    cv_.notify_one();
    return true;
  }

  // Runs f on the writer thread after everything queued before, and returns its result.
  template <class F>
  auto call(F f, std::chrono::milliseconds timeout = std::chrono::milliseconds::max()) -> decltype(f()) {
    using result = decltype(f());
    auto promise = std::make_shared<std::promise<result>>();
    auto future = promise->get_future();
    bool posted = post([promise, f]() mutable {
      try {
        if constexpr (std::is_void_v<result>) {
          f();
          promise->set_value();
        } else {
          promise->set_value(f());
        }
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    if (!posted) throw error(error_code::run_closed, "the writer of " + dir_ + " has stopped (the process is exiting)");
    if (timeout != std::chrono::milliseconds::max() && future.wait_for(timeout) != std::future_status::ready)
      throw error(error_code::timeout, "the writer of " + dir_ + " did not answer within " +
                                           std::to_string(timeout.count()) + " ms");
    return future.get();
  }

  // Definitions below (sections "draining" and "commands").
  opened_run open_run(const run_request& req);
  void set_config(std::uint32_t slot, const std::vector<std::pair<std::string, std::string>>& config);
  void define_metric(std::uint32_t slot, const std::string& key, goal g);
  void change_tags(std::uint32_t slot, const std::vector<std::string>& add, const std::vector<std::string>& remove);
  void set_note(std::uint32_t slot, const std::string& note);
  std::vector<metric_summary> summaries(std::uint32_t slot);
  void close_slot(std::uint32_t slot, run_status status, const std::string& reason);
  void close_all_slots(run_status status, const std::string& reason);
  void insert_object(std::uint32_t slot, object_record& o, const nlohmann::json& body);
  void write_media(std::uint32_t slot, const std::string& relative_path, const std::vector<std::uint8_t>& bytes);

 private:
  struct series_cache {
    std::int64_t sid = 0;
    metric_summary summary;
    std::int64_t max_index[pyramid_levels + 1];  // highest bucket index stored, per level
    store::bucket_row* current[pyramid_levels + 1] = {};  // last bucket touched in this drain
    bool touched = false;
  };
  struct run_slot {
    std::int64_t rid = 0;
    std::string id;
    bool open = true;
    bool strict_steps = false;
    double heartbeat_interval = 10;
    std::vector<std::unique_ptr<series_cache>> by_key;  // indexed by interned key id
  };

  void thread_main() {
    last_heartbeat_ = std::chrono::steady_clock::now();
    for (;;) {
      std::deque<std::function<void()>> todo;
      bool stopping;
      {
        std::unique_lock lock(mu_);
        idle_.store(true);
        cv_.wait_for(lock, idle_wait, [&] { return stop_ || !commands_.empty(); });
        idle_.store(false);
        todo.swap(commands_);
        stopping = stop_;
      }
      // Points first: every point logged before a command was queued is written before it.
      drain_queue();
      for (auto& work : todo) work();
      heartbeat_if_due();
      if (stopping) {
        drain_queue();
        std::lock_guard lock(mu_);
        if (commands_.empty()) {
          accepting_.store(false);
          break;
        }
      }
    }
    exited_.set_value();
  }

  void on_lock_wait(double waited) {
    busy_retries_.fetch_add(1, std::memory_order_relaxed);
    if (waited > 5.0 && !reported_long_wait_) {
      reported_long_wait_ = true;
      report_error("waiting " + std::to_string(static_cast<int>(waited)) + " s for the write lock of " +
                   dir_ + " (another process holds it); points stay queued meanwhile");
    }
  }

  // Runs on every wake-up (every 10 ms): decide cheaply, allocate only when a beat is due.
  void heartbeat_if_due() {
    double interval = std::numeric_limits<double>::infinity();
    for (auto& s : slots_)
      if (s.open) interval = std::min(interval, s.heartbeat_interval);
    auto now = std::chrono::steady_clock::now();
    if (std::isinf(interval) || now - last_heartbeat_ < std::chrono::duration<double>(interval)) return;
    last_heartbeat_ = now;
    std::vector<std::int64_t> rids;
    for (auto& s : slots_)
      if (s.open) rids.push_back(s.rid);
    try {
      transaction t(*backend_);
      backend_->touch_heartbeats(rids, now_seconds());
      t.commit();
    } catch (const std::exception& e) {
      errors_.fetch_add(1);
      report_error(std::string("heartbeat failed: ") + e.what());
    }
  }

  void drain_queue();
  void write_batch();
  void apply_batch();
  series_cache* series_for(run_slot& slot, std::uint32_t key);
  run_slot& slot_at(std::uint32_t slot) {
    if (slot >= slots_.size()) throw error(error_code::invalid_argument, "unknown run slot");
    return slots_[slot];
  }
  void check_config(std::int64_t rid, const std::string& run_id,
                    const std::vector<std::pair<std::string, std::string>>& config);

  std::string dir_;
  std::unique_ptr<store::backend> backend_;
  bounded_queue<record> queue_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> commands_;
  bool stop_ = false;
  std::atomic<bool> accepting_{true};
  std::atomic<bool> idle_{false};
  std::promise<void> exited_;
  std::future<void> exited_future_ = exited_.get_future();
  std::thread thread_;

  std::atomic<std::uint64_t> written_{0}, dropped_{0}, rejected_{0}, blocked_{0}, commits_{0},
      busy_retries_{0}, errors_{0};

  // Writer-thread-only state.
  std::vector<run_slot> slots_;
  std::vector<record> batch_;
  std::vector<store::point_row> rows_;
  std::unordered_map<bucket_key, store::bucket_row, bucket_key_hash> buckets_;
  std::vector<series_cache*> touched_;
  std::chrono::steady_clock::time_point last_heartbeat_;
  bool reported_long_wait_ = false;
};

// =============================================================================================
// [SECTION] draining points: summaries, pyramid, retries
// =============================================================================================

void writer_core::drain_queue() {
  // Drain what was queued up to now, not forever: commands behind it must get their turn.
  std::size_t target = queue_.pushed();
  batch_.clear();
  record r;
  for (;;) {
    bool got = queue_.try_pop(r);
    if (got) batch_.push_back(r);
    if (batch_.size() >= max_batch || (!got && !batch_.empty())) {
      write_batch();
      batch_.clear();
    }
    if (!got) {
      // Empty, or a producer is between claiming a cell and filling it: wait for it only if
      // that cell is one the caller of flush() may be waiting on.
      if (queue_.approx_size() == 0 || queue_.pushed() - queue_.approx_size() >= target) return;
      std::this_thread::yield();
    }
  }
}

void writer_core::write_batch() {
  for (int attempt = 1;; ++attempt) {
    try {
      transaction t(*backend_);
      apply_batch();
      t.commit();
      written_.fetch_add(rows_.size(), std::memory_order_relaxed);
      commits_.fetch_add(1, std::memory_order_relaxed);
      reported_long_wait_ = false;
      return;
    } catch (const std::exception& e) {
      // The transaction rolled back: forget cached summaries, they may be ahead of the store.
      for (auto& s : slots_) s.by_key.clear();
      touched_.clear();
      if (attempt >= max_write_attempts) {
        errors_.fetch_add(1);
        dropped_.fetch_add(batch_.size());
        report_error("could not write " + std::to_string(batch_.size()) + " points to " + dir_ +
                     " after " + std::to_string(attempt) + " attempts, dropping them: " + e.what());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
  }
}

writer_core::series_cache* writer_core::series_for(run_slot& slot, std::uint32_t key) {
  if (key < slot.by_key.size() && slot.by_key[key]) return slot.by_key[key].get();
  std::string name = key_name(key);
  if (name.empty()) return nullptr;
  auto cache = std::make_unique<series_cache>();
  if (auto existing = backend_->find_series(slot.rid, name)) {
    cache->sid = existing->sid;
    cache->summary = existing->summary;
  } else {
    goal g = infer_goal(name);
    cache->sid = backend_->insert_series(slot.rid, name, g);
    cache->summary.key = name;
    cache->summary.metric_goal = g;
  }
  for (int level = 1; level <= pyramid_levels; ++level)
    cache->max_index[level] = cache->summary.count > 0 ? bucket_index(cache->summary.last_step, level)
                                                       : std::numeric_limits<std::int64_t>::min();
  if (slot.by_key.size() <= key) slot.by_key.resize(key + 1);
  slot.by_key[key] = std::move(cache);
  return slot.by_key[key].get();
}

void writer_core::apply_batch() {
  rows_.clear();
  buckets_.clear();
  touched_.clear();
  for (const record& r : batch_) {
    if (r.slot >= slots_.size() || !slots_[r.slot].open) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    run_slot& slot = slots_[r.slot];
    series_cache* s = series_for(slot, r.key);
    if (!s) continue;
    if (slot.strict_steps && s->summary.count > 0 && r.step < s->summary.last_step) {
      rejected_.fetch_add(1, std::memory_order_relaxed);
      report_error("strict_steps: step " + std::to_string(r.step) + " of \"" + s->summary.key +
                   "\" in run " + slot.id + " is lower than its last step " +
                   std::to_string(s->summary.last_step) + "; point rejected");
      continue;
    }
    if (!s->touched) {
      s->touched = true;
      std::fill(std::begin(s->current), std::end(s->current), nullptr);
      touched_.push_back(s);
    }
    add_point(s->summary, r.step, r.time, r.value);
    rows_.push_back(store::point_row{s->sid, r.step, r.time, r.value});
    for (int level = 1; level <= pyramid_levels; ++level) {
      std::int64_t index = bucket_index(r.step, level);
      store::bucket_row* b = s->current[level];
      if (!b || b->index != index) {
        auto [it, inserted] = buckets_.try_emplace(bucket_key{s->sid, index, level});
        if (inserted) {
          // Only a bucket at or below the highest stored index can already exist.
          if (index <= s->max_index[level])
            if (auto stored = backend_->find_bucket(s->sid, level, index)) it->second = *stored;
          it->second.sid = s->sid;
          it->second.level = level;
          it->second.index = index;
        }
        b = &it->second;
        s->current[level] = b;
        s->max_index[level] = std::max(s->max_index[level], index);
      }
      add_point(*b, r.step, r.time, r.value);
    }
  }
  backend_->insert_points(rows_);
  std::vector<store::bucket_row> rows;
  rows.reserve(buckets_.size());
  for (auto& [k, b] : buckets_) rows.push_back(b);
  backend_->upsert_buckets(rows);
  for (series_cache* s : touched_) {
    backend_->update_series_summary(s->sid, s->summary);
    s->touched = false;
  }
  touched_.clear();
}

// =============================================================================================
// [SECTION] commands: runs, config, tags, objects, media
// =============================================================================================

void writer_core::check_config(std::int64_t rid, const std::string& run_id,
                               const std::vector<std::pair<std::string, std::string>>& config) {
  std::map<std::string, std::string> stored;
  for (auto& [k, v] : backend_->config(rid)) stored.emplace(k, v);
  std::string conflicts;
  for (const auto& [k, v] : config) {
    auto it = stored.find(k);
    if (it != stored.end() && !json_equal(it->second, v))
      conflicts += (conflicts.empty() ? "" : "; ") + k + " is " + it->second + ", not " + v;
  }
  if (!conflicts.empty())
    throw error(error_code::config_conflict,
                "config of run " + run_id + " is immutable once set: " + conflicts +
                    " (start a new run to try other values, or use a new key)");
}

opened_run writer_core::open_run(const run_request& req) {
  store::run_record rec = req.record;
  transaction t(*backend_);
  std::optional<store::run_record> existing;
  if (!rec.id.empty()) existing = backend_->find_run(rec.id);
  if (existing && existing->deleted)
    throw error(error_code::run_not_found, "run " + rec.id + " in " + dir_ +
                                               " was deleted; run `tracker gc` to purge it or choose another id");
  std::int64_t rid;
  if (existing) {
    if (req.resume == resume_mode::never)
      throw error(error_code::run_exists, "run id '" + rec.id + "' already exists in " + dir_ +
                                              "; set options.resume = resume_mode::allow to continue it");
    check_config(existing->rid, rec.id, req.config);
    backend_->update_run_process(existing->rid, rec);
    rid = existing->rid;
  } else {
    if (req.resume == resume_mode::must)
      throw error(error_code::run_not_found, "no run with id '" + rec.id + "' in " + dir_ + " to resume");
    if (rec.id.empty()) {
      do rec.id = random_run_id();
      while (backend_->find_run(rec.id));
    }
    if (rec.name.empty()) rec.name = readable_run_name(backend_->count_runs(rec.project) + 1);
    rid = backend_->insert_run(rec);
  }
  for (const auto& [k, v] : req.config) backend_->put_config(rid, k, v);
  for (const auto& tag : req.tags) backend_->add_tag(rid, tag);
  if (!rec.note.empty()) backend_->set_note(rid, rec.note);
  t.commit();

  opened_run out;
  out.record = *backend_->find_run(rec.id);
  out.record.tags = backend_->tags(rid);
  out.max_step = backend_->max_step(rid);
  run_slot slot;
  slot.rid = rid;
  slot.id = rec.id;
  slot.strict_steps = req.strict_steps;
  slot.heartbeat_interval = rec.heartbeat_interval;
  slots_.push_back(std::move(slot));
  out.slot = static_cast<std::uint32_t>(slots_.size() - 1);
  return out;
}

void writer_core::set_config(std::uint32_t slot_id, const std::vector<std::pair<std::string, std::string>>& config) {
  run_slot& slot = slot_at(slot_id);
  transaction t(*backend_);
  check_config(slot.rid, slot.id, config);
  for (const auto& [k, v] : config) backend_->put_config(slot.rid, k, v);
  t.commit();
}

void writer_core::define_metric(std::uint32_t slot_id, const std::string& key, goal g) {
  run_slot& slot = slot_at(slot_id);
  transaction t(*backend_);
  std::uint32_t key_id = intern_key(key);
  series_cache* s = key_id ? series_for(slot, key_id) : nullptr;
  if (!s) throw error(error_code::invalid_argument, key_problem(key).value_or("bad metric key"));
  backend_->set_series_goal(s->sid, g);
  t.commit();
  s->summary.metric_goal = g;
}

void writer_core::change_tags(std::uint32_t slot_id, const std::vector<std::string>& add,
                              const std::vector<std::string>& remove) {
  run_slot& slot = slot_at(slot_id);
  transaction t(*backend_);
  for (const auto& tag : add) backend_->add_tag(slot.rid, tag);
  for (const auto& tag : remove) backend_->remove_tag(slot.rid, tag);
  t.commit();
}

void writer_core::set_note(std::uint32_t slot_id, const std::string& note) {
  run_slot& slot = slot_at(slot_id);
  transaction t(*backend_);
  backend_->set_note(slot.rid, note);
  t.commit();
}

std::vector<metric_summary> writer_core::summaries(std::uint32_t slot_id) {
  std::vector<metric_summary> out;
  for (auto& s : backend_->list_series(slot_at(slot_id).rid))
    if (s.summary.count > 0) out.push_back(s.summary);
  return out;
}

void writer_core::close_slot(std::uint32_t slot_id, run_status status, const std::string& reason) {
  run_slot& slot = slot_at(slot_id);
  if (!slot.open) return;
  transaction t(*backend_);
  backend_->update_run_status(slot.rid, status, reason, now_seconds());
  t.commit();
  slot.open = false;
  slot.by_key.clear();
}

void writer_core::close_all_slots(run_status status, const std::string& reason) {
  for (std::uint32_t i = 0; i < slots_.size(); ++i) {
    try {
      close_slot(i, status, reason);
    } catch (const std::exception& e) {
      report_error("could not record the end of run " + slots_[i].id + ": " + e.what());
    }
  }
}

void writer_core::insert_object(std::uint32_t slot_id, object_record& o, const nlohmann::json& body) {
  run_slot& slot = slot_at(slot_id);
  if (!slot.open) throw error(error_code::run_closed, "run " + slot.id + " is finished");
  // replace: a stray invalid UTF-8 byte in a label must not lose the whole object.
  o.body_json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  transaction t(*backend_);
  backend_->insert_object(slot.rid, o);
  t.commit();
}

void writer_core::write_media(std::uint32_t slot_id, const std::string& relative_path,
                              const std::vector<std::uint8_t>& bytes) {
  run_slot& slot = slot_at(slot_id);
  fs::path target = fs::path(dir_) / "media" / slot.id / relative_path;
  fs::create_directories(target.parent_path());
  // Write then rename, so a reader never sees half a file.
  fs::path tmp = target;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw error(error_code::io_error, "cannot write " + tmp.string());
  }
  fs::rename(tmp, target);
}

// =============================================================================================
// [SECTION] writer: the handle runs hold, and the process-wide registry
// =============================================================================================

namespace {
struct writer_registry {
  std::mutex mu;
  std::map<std::string, std::weak_ptr<writer>> by_dir;
};
writer_registry& registry() {
  static auto* r = new writer_registry;  // leaked on purpose: used from atexit and signals
  return *r;
}
}  // namespace

std::shared_ptr<writer> writer::for_store(const std::string& dir, std::size_t queue_capacity) {
  std::error_code ec;
  std::string key = fs::weakly_canonical(fs::absolute(dir), ec).string();
  if (ec) key = fs::absolute(dir).string();
  auto& r = registry();
  std::lock_guard lock(r.mu);
  if (auto live = r.by_dir[key].lock()) return live;
  auto core = std::make_shared<writer_core>(key, store::open_sqlite(key, store::access::read_write), queue_capacity);
  core->start();
  auto w = std::make_shared<writer>(core);
  r.by_dir[key] = w;
  return w;
}

std::vector<std::shared_ptr<writer>> writer::live_writers() {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  std::vector<std::shared_ptr<writer>> out;
  for (auto& [dir, weak] : r.by_dir)
    if (auto w = weak.lock()) out.push_back(std::move(w));
  return out;
}

writer::~writer() {
  if (!core_->stop(std::chrono::seconds(10)))
    report_error("the writer of " + core_->dir() + " did not finish within 10 s; it continues in the background");
}

void writer::enqueue(const record& r, backpressure policy) noexcept { core_->enqueue(r, policy); }
void writer::count_rejected() noexcept { core_->count_rejected(); }
writer_stats writer::stats() const noexcept { return core_->stats(); }
const std::string& writer::store_dir() const noexcept { return core_->dir(); }

bool writer::flush(std::chrono::milliseconds timeout) noexcept {
  try {
    core_->call([] {}, timeout);
    return true;
  } catch (...) {
    return false;
  }
}

void writer::post_object(std::uint32_t slot, object_record object, nlohmann::json body) noexcept {
  try {
    auto shared = std::make_shared<std::pair<object_record, nlohmann::json>>(std::move(object), std::move(body));
    auto core = core_.get();
    if (!core_->post([core, slot, shared] {
          try {
            core->insert_object(slot, shared->first, shared->second);
          } catch (const std::exception& e) {
            report_error("could not store object \"" + shared->first.key + "\": " + e.what());
          }
        }))
      report_error("object \"" + shared->first.key + "\" logged after the writer stopped; dropped");
  } catch (...) {
    report_error("out of memory while queueing an object");
  }
}

void writer::post_media(std::uint32_t slot, std::string relative_path, std::vector<std::uint8_t> bytes) noexcept {
  try {
    auto shared = std::make_shared<std::pair<std::string, std::vector<std::uint8_t>>>(std::move(relative_path), std::move(bytes));
    auto core = core_.get();
    if (!core_->post([core, slot, shared] {
          try {
            core->write_media(slot, shared->first, shared->second);
          } catch (const std::exception& e) {
            report_error("could not write media file \"" + shared->first + "\": " + e.what());
          }
        }))
      report_error("media \"" + shared->first + "\" logged after the writer stopped; dropped");
  } catch (...) {
    report_error("out of memory while queueing a media file");
  }
}

opened_run writer::open_run(const run_request& request) {
  auto core = core_.get();
  return core_->call([core, request] { return core->open_run(request); });
}
void writer::set_config(std::uint32_t slot, const std::vector<std::pair<std::string, std::string>>& config) {
  auto core = core_.get();
  core_->call([core, slot, config] { core->set_config(slot, config); });
}
void writer::define_metric(std::uint32_t slot, const std::string& key, goal g) {
  auto core = core_.get();
  core_->call([core, slot, key, g] { core->define_metric(slot, key, g); });
}
void writer::change_tags(std::uint32_t slot, const std::vector<std::string>& add, const std::vector<std::string>& remove) {
  auto core = core_.get();
  core_->call([core, slot, add, remove] { core->change_tags(slot, add, remove); });
}
void writer::set_note(std::uint32_t slot, const std::string& note) {
  auto core = core_.get();
  core_->call([core, slot, note] { core->set_note(slot, note); });
}
std::vector<metric_summary> writer::summaries(std::uint32_t slot) {
  auto core = core_.get();
  return core_->call([core, slot] { return core->summaries(slot); });
}

bool writer::close_run(std::uint32_t slot, run_status status, const std::string& reason,
                       std::chrono::milliseconds timeout) noexcept {
  try {
    auto core = core_.get();
    core_->call([core, slot, status, reason] { core->close_slot(slot, status, reason); }, timeout);
    return true;
  } catch (const std::exception& e) {
    report_error(std::string("could not record the end of a run: ") + e.what());
    return false;
  }
}

void writer::close_all(run_status status, const std::string& reason, std::chrono::milliseconds timeout) noexcept {
  try {
    auto core = core_.get();
    core_->call([core, status, reason] { core->close_all_slots(status, reason); }, timeout);
  } catch (const std::exception& e) {
    report_error(std::string("could not record the end of runs: ") + e.what());
  }
}

}  // namespace tracker::detail
