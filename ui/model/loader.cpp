// loader.cpp — the background reader: catalog refresh, incremental series growth, bucket
// requests for the visible charts, and publication of immutable snapshots.
#include "model/loader.hpp"

#include <algorithm>
#include <set>

namespace tracker::ui {

namespace {
constexpr std::uint64_t evict_after_polls = 30;  // a series nobody wants for ~30 s is dropped
}  // namespace

std::shared_ptr<const series_data> snapshot::find(const std::string& run,
                                                  const std::string& key) const {
  auto it = series.find({run, key});
  return it == series.end() ? nullptr : it->second;
}

const std::vector<object_info>* snapshot::index_of(const std::string& run) const {
  auto it = object_index.find(run);
  return it == object_index.end() ? nullptr : it->second.get();
}

std::shared_ptr<const object_body> snapshot::body(const std::string& run, const std::string& key,
                                                  std::int64_t step) const {
  auto it = objects.find({run, key, step});
  return it == objects.end() ? nullptr : it->second;
}

loader_core::loader_core(store_source source) : source_(std::move(source)) {}

bool loader_core::set_wants(std::vector<series_want> wants) {
  if (wants == wants_) return false;
  wants_ = std::move(wants);
  return true;
}

bool loader_core::set_object_wants(std::vector<object_want> wants) {
  if (wants == object_wants_) return false;
  object_wants_ = std::move(wants);
  return true;
}

bool loader_core::load_objects(bool store_changed) {
  bool changed = false;
  std::set<std::string> index_runs;
  for (const object_want& w : object_wants_) index_runs.insert(w.run_id);
  // Indexes: of the runs a view shows; re-read when the store changed (a run logs a new step).
  for (auto it = index_cache_.begin(); it != index_cache_.end();) {
    if (!index_runs.count(it->first)) {
      it = index_cache_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  for (const std::string& run : index_runs) {
    auto it = index_cache_.find(run);
    if (it != index_cache_.end() && !store_changed) continue;
    auto idx = std::make_shared<const std::vector<object_info>>(source_.object_index(run));
    if (it == index_cache_.end() || idx->size() != it->second->size()) {
      index_cache_[run] = std::move(idx);
      changed = true;
    }
  }
  // Bodies: read once (an object at a step does not change), dropped when not wanted for a while.
  for (const object_want& w : object_wants_) {
    if (w.step < 0) continue;
    object_id id{w.run_id, w.key, w.step};
    body_wanted_[id] = polls_;
    if (body_cache_.count(id)) continue;
    auto b = std::make_shared<object_body>();
    if (auto rec = source_.object(w.run_id, w.key, w.step)) {
      b->record = std::move(*rec);
      if (b->record.kind == "confusion_matrix") {
        if (auto cm = parse_confusion(b->record.body_json))
          b->confusion = std::make_shared<const metrics::confusion_matrix>(std::move(*cm));
      } else if (b->record.kind == "table") {
        if (auto t = parse_table(b->record.body_json))
          b->table = std::make_shared<const sample_table>(std::move(*t));
      }
    } else
      b->error = "no object '" + w.key + "' at step " + std::to_string(w.step);
    body_cache_.emplace(id, std::move(b));
    changed = true;
  }
  for (auto it = body_cache_.begin(); it != body_cache_.end();) {
    auto lw = body_wanted_.find(it->first);
    if (lw == body_wanted_.end() || polls_ - lw->second > evict_after_polls) {
      body_wanted_.erase(it->first);
      it = body_cache_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  return changed;
}

void loader_core::refresh_catalog(std::uint64_t version) {
  // Called inside poll()'s read snapshot: the runs, their summaries and the points agree.
  std::vector<run_info> runs = source_.runs();
  // Summaries change only for runs that are (or were) live, or that are new.
  std::vector<std::string> reread;
  std::map<std::string, std::vector<metric_summary>> summaries;
  for (const run_info& r : runs) {
    const run_row* old = cat_ ? cat_->find(r.id) : nullptr;
    if (!old || old->live() || r.status == run_status::running ||
        r.stored_status == run_status::running) {
      reread.push_back(r.id);
    } else {
      auto& v = summaries[r.id];
      for (const auto& [k, m] : old->metrics) v.push_back(m);
    }
  }
  for (auto& [id, v] : source_.summaries(reread)) summaries[id] = std::move(v);
  cat_ = std::make_shared<const catalog>(
      build_catalog(std::move(runs), std::move(summaries), version));
  last_runs_read_ = std::chrono::steady_clock::now();
  // Runs that disappeared (deleted) take their series with them.
  for (auto it = cache_.begin(); it != cache_.end();)
    it = cat_->find(it->first.first) ? std::next(it) : cache_.erase(it);
}

bool loader_core::grow_live_series() {
  // One global insertion-order cursor: every point written since the last poll, of every
  // series, in one query — so a point logged late for an old step of a long series is seen.
  // Series nobody shows are skipped (they load whole when a chart wants them).
  bool changed = false;
  for (bool more = true; more;) {
    point_changes c = source_.points_since(cursor_);
    cursor_ = c.cursor;
    more = c.more;
    for (series_points& sp : c.series) {
      auto it = cache_.find({sp.run_id, sp.key});
      if (it == cache_.end() || sp.points.empty()) continue;
      // Copy on write: the published snapshot keeps the old version untouched.
      auto s = std::make_shared<series_data>(*it->second);
      std::int64_t min_new = std::numeric_limits<std::int64_t>::max();
      for (const point& p : sp.points) {
        s->last_step = std::max(s->last_step, p.step);
        min_new = std::min(min_new, p.step);
      }
      s->overview.append(sp.points);
      s->overview.coarsen_to(2 * overview_target);
      s->count += std::int64_t(sp.points.size());
      if (s->detail_to >= min_new) {  // the zoomed range got points: re-read it when needed
        s->detail.clear();
        s->detail_to = -1;
      }
      it->second = std::move(s);
      changed = true;
    }
  }
  return changed;
}

bool loader_core::load_wanted() {
  bool changed = false;
  for (const series_want& w : wants_) {
    series_id id{w.run_id, w.key};
    last_wanted_[id] = polls_;
    const run_row* row = cat_->find(w.run_id);
    if (!row) continue;
    auto m = row->metrics.find(w.key);
    if (m == row->metrics.end()) continue;
    const metric_summary& sum = m->second;
    auto it = cache_.find(id);
    if (it == cache_.end()) {
      auto s = std::make_shared<series_data>();
      s->run_id = w.run_id;
      s->key = w.key;
      s->run_start = row->info.created_at;
      s->first_step = sum.first_step;
      bool loaded_raw = false;
      if (sum.count <= raw_limit) {
        // Short series: every point, in insertion order, and the cursor to follow it with.
        point_batch b = source_.points_after(w.run_id, w.key, 0, std::size_t(raw_limit) + 1);
        if (!b.more) {
          std::vector<point> pts = std::move(b.points);
          std::stable_sort(pts.begin(), pts.end(),
                           [](const point& a, const point& c) { return a.step < c.step; });
          s->overview.append(pts);
          s->count = std::int64_t(pts.size());
          for (const point& p : pts) s->last_step = std::max(s->last_step, p.step);
          loaded_raw = true;
        }
      }
      if (!loaded_raw) {
        // Long series: the pyramid's buckets (min/max of every point), followed by step.
        s->overview.buckets =
            source_.buckets(w.run_id, w.key, sum.first_step, sum.last_step, overview_target);
        for (const span_bucket& b : s->overview.buckets) {
          s->overview.step_width = std::max(s->overview.step_width, b.step_end - b.step_begin + 1);
          s->count += b.count;
          s->last_step = std::max(s->last_step, b.last_step);
        }
        // Points past the summary the catalog holds (committed since it was read, before this
        // snapshot): the global cursor is already past them, so read them now.
        std::vector<point> tail = source_.points_after_step(w.run_id, w.key, s->last_step);
        s->overview.append(tail);
        s->count += std::int64_t(tail.size());
        for (const point& p : tail) s->last_step = std::max(s->last_step, p.step);
      }
      s->overview.coarsen_to(2 * overview_target);
      // Relative time counts from the run's start: its creation, or its first point when the
      // writer's coarse clock stamped that a little earlier.
      if (!s->overview.buckets.empty())
        s->run_start = std::min(s->run_start, s->overview.buckets.front().t_first);
      it = cache_.emplace(id, std::move(s)).first;
      changed = true;
    }
    const series_data& s = *it->second;
    detail_plan plan = plan_detail(s, steps_for_x(s, w.axis, w.x0, w.x1), w.width_px);
    if (plan.need) {
      auto copy = std::make_shared<series_data>(s);
      copy->detail = source_.buckets(w.run_id, w.key, plan.from, plan.to, plan.max_buckets);
      copy->detail_from = plan.from;
      copy->detail_to = plan.to;
      it->second = std::move(copy);
      changed = true;
    }
  }
  // Forget series no chart has wanted for a while: memory follows what is on screen.
  for (auto it = cache_.begin(); it != cache_.end();) {
    auto lw = last_wanted_.find(it->first);
    if (lw == last_wanted_.end() || polls_ - lw->second > evict_after_polls) {
      last_wanted_.erase(it->first);
      it = cache_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  return changed;
}

void loader_core::publish(bool settled) {
  auto s = std::make_shared<snapshot>();
  s->generation = ++generation_;
  s->cat = cat_;
  for (auto& [id, data] : cache_) s->series.emplace(id, data);
  s->loaded = true;
  s->settled = settled;
  s->served = wants_;
  s->object_index = index_cache_;
  s->objects = body_cache_;
  s->served_objects = object_wants_;
  snap_ = std::move(s);
}

bool loader_core::wants_unloaded() const {
  if (!cat_) return true;
  for (const series_want& w : wants_) {
    const run_row* row = cat_->find(w.run_id);
    if (row && row->metrics.count(w.key) && !cache_.count({w.run_id, w.key})) return true;
  }
  return false;
}

bool loader_core::poll() {
  bool changed = false;
  std::uint64_t v = source_.data_version();
  bool any_live = cat_ && std::any_of(cat_->runs.begin(), cat_->runs.end(),
                                      [](const run_row& r) { return r.live(); });
  bool reread_runs = any_live && std::chrono::steady_clock::now() - last_runs_read_ > live_recheck_;
  bool refresh = !have_version_ || v != version_ || reread_runs;
  ++polls_;  // the clock of eviction
  if (refresh || wants_unloaded()) {
    // One read snapshot for the round: the cursor, the catalog, the new points and the series
    // loaded below all describe the same committed state, so no point is read twice or missed.
    auto snap = source_.snapshot();
    if (!have_cursor_) {
      cursor_ = source_.cursor_now();  // before the first load: follow from here
      have_cursor_ = true;
    } else {
      changed |= grow_live_series();
    }
    if (refresh) {
      refresh_catalog(v);
      version_ = v;
      have_version_ = true;
      changed = true;
    }
    changed |= load_wanted();
  } else {
    changed |= load_wanted();  // zoom detail only (bucket reads of a committed range)
  }
  changed |= load_objects(refresh);
  if (changed || !snap_->loaded || !snap_->settled || snap_->served != wants_ ||
      snap_->served_objects != object_wants_)
    publish(true);
  return changed;
}

// ---- the thread
// ----------------------------------------------------------------------------------

loader::loader(std::string store_dir, std::chrono::milliseconds poll_interval)
    : dir_(std::move(store_dir)), interval_(poll_interval), thread_([this] { run(); }) {}

loader::~loader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<const snapshot> loader::latest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snap_;
}

void loader::want(std::vector<series_want> wants) { replace_wants(wants_, std::move(wants)); }

void loader::want_objects(std::vector<object_want> wants) { replace_wants(object_wants_, std::move(wants)); }

template <typename Want>
void loader::replace_wants(std::vector<Want>& current, std::vector<Want> wants) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (wants == current) return;
    current = std::move(wants);
    wants_changed_ = true;
    // Until the thread has served the new wants, the data on hand is not settled.
    if (snap_->settled) {
      auto s = std::make_shared<snapshot>(*snap_);
      s->settled = false;
      snap_ = std::move(s);
    }
  }
  cv_.notify_all();
}

void loader::on_publish(std::function<void()> notify) {
  std::lock_guard<std::mutex> lock(mu_);
  notify_ = std::move(notify);
}

void loader::refresh_now() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = true;
  }
  cv_.notify_all();
}

void loader::run() {
  std::unique_ptr<loader_core> core;
  auto publish_error = [&](const std::string& message) {
    std::lock_guard<std::mutex> lock(mu_);
    auto s = std::make_shared<snapshot>(*snap_);
    s->error = message;
    s->generation++;
    snap_ = std::move(s);
  };
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_) return;
    }
    try {
      if (!core) core = std::make_unique<loader_core>(store_source::open(dir_));
      {
        std::lock_guard<std::mutex> lock(mu_);
        core->set_wants(wants_);
        core->set_object_wants(object_wants_);
        wants_changed_ = false;
      }
      core->poll();
      std::unique_lock<std::mutex> lock(mu_);
      const std::uint64_t before = snap_->generation;
      // A want that arrived during the poll is not settled yet.
      if (wants_changed_ && core->latest()->settled) {
        auto s = std::make_shared<snapshot>(*core->latest());
        s->settled = false;
        snap_ = std::move(s);
      } else {
        snap_ = core->latest();
      }
      auto notify = snap_->generation != before ? notify_ : nullptr;
      lock.unlock();
      if (notify) notify();
    } catch (const std::exception& e) {
      core.reset();  // reopen on the next round (the store may appear or be repaired)
      publish_error(e.what());
      std::function<void()> notify;
      {
        std::lock_guard<std::mutex> lock(mu_);
        notify = notify_;
      }
      if (notify) notify();
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, interval_, [&] { return stop_ || wake_ || wants_changed_; });
    wake_ = false;
  }
}

}  // namespace tracker::ui
