// tracker/monitor.hpp — how production differs from what the model saw in training: the drift
// report of a model run (its reference records against its production predictions), production
// metrics where feedback labels have arrived, flags, and the same over time.
//
//   tracker::reader store = tracker::reader::open("tracker-store");
//   nlohmann::json report = tracker::monitor::drift_report(store, "fashion-cnn", {.window = {.last
//   = 5000}}); if (report["dataset_drift"]) ... std::cout << tracker::monitor::to_markdown(report);
//
// The JSON is the contract shared by `tracker drift --format json`, the HTTP endpoint
// GET /v1/models/<run>/drift and the viewer's production view; docs/drift.md ("The report")
// lists every field. The statistics are tracker::drift's (Evidently's test selection) and the
// classification scores tracker::metrics' (scikit-learn's definitions); this layer only reads
// the store, lines the columns up and assembles the JSON.
#pragma once

#include <tracker/drift.hpp>
#include <tracker/production.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace tracker {
class reader;
}

namespace tracker::monitor {

// Version of the report's JSON; bumped on an incompatible change.
inline constexpr int report_schema_version = 1;

struct report_options {
  production::window window;  // which production records ("current"); the reference is all of it
  // Per-feature test/threshold overrides (keyed by feature name; "predicted_class" and
  // "confidence" also reach prediction_drift), the dataset drift share threshold, threads.
  // An override naming no feature throws invalid_argument.
  drift::options drift;
  // A time series of drift share, accuracy and flag rate over the window: "hour", "day" (UTC),
  // or empty for none. Anything else throws invalid_argument.
  std::string bucket;
  // At most this many flagged records (newest first) are listed under flags.samples.
  std::size_t max_flag_samples = 100;
};

// The report. Top-level fields (see docs/drift.md): schema_version, model {run, name, classes},
// reference {run, rows}, current {rows, window, from, to}, dataset_drift, drift_share,
// drift_share_threshold, number_of_features, number_of_tested_features,
// number_of_drifted_features, features [...], prediction_drift {predicted_class, confidence,
// drifted}, production_metrics {labeled, accuracy, precision_macro, recall_macro, f1_macro,
// f1_micro, f1_weighted, per_class, confusion, reference_confusion, confusion_difference, ...},
// flags {flagged, rate, by_flag, by_reason, samples}, timeline (null without a bucket).
// Throws tracker::error (run_not_found, invalid_argument for bad options, io_error, ...).
nlohmann::json drift_report(const reader& store, const std::string& model_ref,
                            const report_options& options = {});

// The report as markdown for a terminal or a CI log.
std::string to_markdown(const nlohmann::json& report);

}  // namespace tracker::monitor
