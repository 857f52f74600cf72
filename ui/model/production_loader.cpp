// production_loader.cpp — see production_loader.hpp.
#include "model/production_loader.hpp"

#include <tracker/monitor.hpp>
#include <tracker/query.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <optional>

namespace tracker::ui {

production_data load_production(const std::string& store_dir, const std::string& run_id,
                                const production_window& window) {
  production_data d;
  d.run_id = run_id;
  d.window = window;
  try {
    const tracker::reader store = tracker::reader::open(store_dir);
    auto ref = std::make_shared<production::dataset>(
        production::read(store, run_id, production::record_kind::reference));
    monitor::report_options o;
    if (window.last) o.window.last = window.last;
    o.window.since = window.since;
    o.window.until = window.until;
    auto cur = std::make_shared<production::dataset>(
        production::read(store, run_id, production::record_kind::prediction, o.window));
    if (window.hours > 0 && cur->size()) {  // the last hours before the newest record
      o.window.since = std::max(window.since.value_or(-std::numeric_limits<double>::infinity()),
                                cur->times.back() - window.hours * 3600);
      *cur = production::read(store, run_id, production::record_kind::prediction, o.window);
    }
    // Hours for a window of a few days, days beyond (a 30-day window is 30 points, not 720).
    if (cur->size()) o.bucket = pick_bucket(cur->times.front(), cur->times.back());
    d.report = monitor::drift_report(store, run_id, o);
    d.rows = drift_rows(d.report);
    for (const drift_row& r : d.rows)
      if (auto ov = feature_overlay(*ref, *cur, r.name)) d.overlays.emplace(r.name, std::move(*ov));
    d.predicted = category_overlay(ref->predicted, cur->predicted, cur->model.classes);
    d.confidence = numeric_overlay(ref->confidence, cur->confidence, 20);
    d.timeline = timeline_of(d.report);
    d.confusion = report_confusion(d.report, "confusion");
    d.reference_confusion = report_confusion(d.report, "reference_confusion");
    d.flags = flagged_samples(d.report);
    d.reference = std::move(ref);
    d.current = std::move(cur);
  } catch (const std::exception& e) {
    production_data failed;
    failed.run_id = run_id;
    failed.window = window;
    failed.error = e.what();
    return failed;
  }
  return d;
}

production_loader::production_loader(std::string store_dir, std::chrono::milliseconds poll,
                                     std::chrono::milliseconds min_reload)
    : dir_(std::move(store_dir)),
      poll_(poll),
      min_reload_(min_reload),
      thread_([this] { run(); }) {}

production_loader::~production_loader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void production_loader::want(const std::string& run_id, const production_window& window) {
  std::lock_guard<std::mutex> lock(mu_);
  if (run_id == wanted_ && window == window_) return;
  wanted_ = run_id;
  window_ = window;
  ++request_;
  cv_.notify_all();
}

void production_loader::refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  ++request_;
  cv_.notify_all();
}

std::shared_ptr<const production_data> production_loader::latest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

bool production_loader::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_ != request_;
}

void production_loader::run() {
  // PRAGMA data_version changes when another connection commits, so this connection stays
  // open between loads to notice new predictions and feedback.
  std::optional<tracker::reader> watch;
  std::uint64_t loaded_version = 0;
  auto last_load = std::chrono::steady_clock::now();
  auto version = [&]() -> std::optional<std::uint64_t> {
    try {
      if (!watch) watch = tracker::reader::open(dir_);
      return watch->data_version();
    } catch (const std::exception&) {
      watch.reset();  // not a store (yet): the load reports why
      return std::nullopt;
    }
  };
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait_for(lock, poll_, [this] { return stop_ || done_ != request_; });
    if (stop_) return;
    if (done_ == request_) {  // idle: reload when the store changed, at most every min_reload_
      if (wanted_.empty() || std::chrono::steady_clock::now() - last_load < min_reload_) continue;
      lock.unlock();
      const auto v = version();
      lock.lock();
      if (!v || *v == loaded_version || done_ != request_) continue;
      ++request_;
    }
    const std::uint64_t request = request_;
    const std::string run = wanted_;
    const production_window window = window_;
    lock.unlock();  // the load takes long; want() and latest() stay responsive meanwhile
    // The version before the load: a commit during the load triggers the next one.
    loaded_version = version().value_or(0);
    auto result = std::make_shared<const production_data>(load_production(dir_, run, window));
    lock.lock();
    last_load = std::chrono::steady_clock::now();
    latest_ = std::move(result);
    done_ = request;  // a newer request (another run) made meanwhile is loaded next round
  }
}

}  // namespace tracker::ui
