// model_store.hpp — a fresh store holding one finished training run whose model predicts the
// given classes: what the production benchmarks write into.
#pragma once

#include <tracker/production.hpp>
#include <tracker/tracker.hpp>

#include <string>
#include <vector>

namespace tracker_bench {

// Creates the store at dir with one run named run_name; returns dir.
inline std::string make_model_store(const std::string& dir, const std::string& run_name,
                                    const std::vector<std::string>& classes) {
  tracker::options o;
  o.store = dir;
  o.name = run_name;
  o.capture_git = false;
  o.handle_signals = false;
  std::string id;
  {
    auto run = tracker::init(o);
    id = run.id();
    run.finish();
  }
  tracker::production::store::open(dir).set_classes(id, classes);
  return dir;
}

}  // namespace tracker_bench
