// production_loader.cpp — see production_loader.hpp.
#include "model/production_loader.hpp"

#include <tracker/monitor.hpp>
#include <tracker/query.hpp>

#include <algorithm>
#include <exception>

namespace tracker::ui {

production_data load_production(const std::string& store_dir, const std::string& run_id) {
  production_data d;
  d.run_id = run_id;
  try {
    const tracker::reader store = tracker::reader::open(store_dir);
    auto ref = std::make_shared<production::dataset>(
        production::read(store, run_id, production::record_kind::reference));
    auto cur = std::make_shared<production::dataset>(
        production::read(store, run_id, production::record_kind::prediction));
    monitor::report_options o;
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
    failed.error = e.what();
    return failed;
  }
  return d;
}

production_loader::production_loader(std::string store_dir)
    : dir_(std::move(store_dir)), thread_([this] { run(); }) {}

production_loader::~production_loader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void production_loader::want(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (run_id == wanted_) return;
  wanted_ = run_id;
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
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || done_ != request_; });
    if (stop_) return;
    const std::uint64_t request = request_;
    const std::string run = wanted_;
    lock.unlock();  // the load takes long; want() and latest() stay responsive meanwhile
    auto result = std::make_shared<const production_data>(load_production(dir_, run));
    lock.lock();
    latest_ = std::move(result);
    done_ = request;  // a newer request (another run) made meanwhile is loaded next round
  }
}

}  // namespace tracker::ui
