// production_loader.hpp — reads a model run's production data off the frame thread.
//
// One load (load_production) = the reference records, the production records, and the drift
// report with a timeline bucketed by the records' span (pick_bucket), then everything the view
// draws derived from them (drift rows, every feature's overlay, the prediction overlays, the
// timeline, the matrices, the flagged samples). A report over 100k records takes a moment, so
// the view never waits for it: like model/loader.hpp, a thread does the work and the frame
// takes the latest immutable result (a shared_ptr<const production_data>) without locks held
// while drawing.
//
//   production_loader L(store_dir);
//   L.want(run_id, window);         // each frame; loads when either differs from the last call
//   auto d = L.latest();            // nullptr until the first load, else the newest result
//   L.refresh();                    // load the same run again now
//
// New predictions or feedback committed by a server or an import reload the view by
// themselves: an idle loader checks the store's data_version every second and reloads when it
// changed, at most every 10 s.
#pragma once

#include "model/production.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace tracker::ui {

struct production_data {
  std::string run_id;
  production_window window;
  std::string error;  // the store or the report failed; everything below is empty then
  std::shared_ptr<const production::dataset> reference, current;
  nlohmann::json report;
  std::vector<drift_row> rows;              // the drift table, in the report's order
  std::map<std::string, overlay> overlays;  // per feature name
  std::optional<overlay> predicted, confidence;
  timeline_series timeline;
  std::optional<metrics::confusion_matrix> confusion, reference_confusion;
  std::vector<flagged_sample> flags;
};

// The whole load, synchronously (the thread calls it; tests call it directly). Never throws:
// a failure is production_data::error.
production_data load_production(const std::string& store_dir, const std::string& run_id,
                                const production_window& window = {});

class production_loader {
 public:
  // poll: how often an idle loader asks the store whether anything was committed (one
  // PRAGMA); min_reload: the least time between two reloads, so a server taking 1,000
  // predictions a second does not keep the report (it sorts every column) running back to back.
  explicit production_loader(std::string store_dir,
                             std::chrono::milliseconds poll = std::chrono::seconds(1),
                             std::chrono::milliseconds min_reload = std::chrono::seconds(10));
  ~production_loader();
  production_loader(const production_loader&) = delete;
  production_loader& operator=(const production_loader&) = delete;

  void want(const std::string& run_id, const production_window& window = {});
  void refresh();
  std::shared_ptr<const production_data> latest() const;
  // True while a load is queued or running (the view shows "loading" and a screenshot waits).
  bool busy() const;

 private:
  void run();
  std::string dir_;
  std::chrono::milliseconds poll_, min_reload_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string wanted_;         // the run the view shows ...
  production_window window_;   // ... and which of its production records
  std::uint64_t request_ = 0;  // bumped by want (new run) and refresh
  std::uint64_t done_ = 0;     // the request the latest result answers
  std::shared_ptr<const production_data> latest_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tracker::ui
