// production.hpp — what the production view shows, computed from a model run's reference and
// production records (tracker::production::read) and its drift report (monitor::drift_report):
//
//   * the drift table: one row per feature from report["features"], sortable by any column;
//   * overlays: a feature's reference and production distributions on shared bins (numeric)
//     or shared categories, each side as shares of its own rows, so windows of different
//     sizes compare (seaborn's displot with hue = environment, common_norm=False);
//   * the timeline: drift share, accuracy and flag rate per hour or day, as chart lines;
//   * the confusion matrices and the flagged samples listed in the report.
// Pure functions; no ImGui, no store access (production_loader.hpp reads the store).
#pragma once

#include "model/series.hpp"

#include <tracker/metrics.hpp>
#include <tracker/production.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tracker::ui {

// ---- the window
// ----------------------------------------------------------------------------------

// Which production records are compared with the reference: all (the default), a time range
// (since / until, unix seconds, inclusive: tracker-ui --since / --until), the newest `last`
// (of that range), or those of the last `hours` before the newest record (the data's own
// clock, so a store whose traffic stopped last week still shows its last day).
struct production_window {
  std::size_t last = 0;
  double hours = 0;
  std::optional<double> since = std::nullopt, until = std::nullopt;
  bool operator==(const production_window&) const = default;
};
// "all records", "last 24 h", "last 1,500 records",
// "2026-11-20 00:00 .. 2026-11-20 07:00 UTC, last 50 records"
std::string label(const production_window& w);
// The choices the view offers: all, the last 24 hours, 7 days, 1,000 and 10,000 records.
const std::vector<production_window>& window_choices();

// ---- the drift table ---------------------------------------------------------------------------

struct drift_row {
  std::string name, type, test, note;  // note: why a feature was not tested ("empty current")
  double statistic = std::numeric_limits<double>::quiet_NaN();
  double p_value = std::numeric_limits<double>::quiet_NaN();  // NaN for the distance tests
  double threshold = std::numeric_limits<double>::quiet_NaN();
  bool drifted = false;
  bool tested = true;
  std::size_t reference_rows = 0, current_rows = 0;
};

// report["features"] as rows, in the report's order (by name). Missing fields stay NaN / "".
std::vector<drift_row> drift_rows(const nlohmann::json& report);
// The same shape for one prediction_drift entry ("predicted_class" or "confidence").
std::optional<drift_row> prediction_drift_row(const nlohmann::json& report,
                                              const std::string& which);

enum class drift_column : std::uint8_t { name, type, test, statistic, p_value, threshold, drifted };
// Stable sort by one column. Numbers compare numerically with NaN (an untested feature, or
// the p-value of a distance test) always last in both directions, like the runs table; ties
// keep the name order. "drifted" descending puts drifted rows first (the default order).
void sort_drift_rows(std::vector<drift_row>& rows, drift_column by, bool ascending);

// ---- distributions ------------------------------------------------------------------------------

// Two distributions over the same bins. Numeric: bins of equal width over [lo, hi], the range of
// both sides together; categorical: one bin per category. Each side is the share of its own
// non-missing values per bin (sums to 1, or all 0 for an empty side).
struct overlay {
  bool numeric = true;
  double lo = 0, hi = 0;                // numeric: the shared range (hi > lo)
  std::vector<std::string> categories;  // categorical: the bins' names
  std::vector<double> reference, production;
  std::size_t reference_n = 0, production_n = 0;  // values counted (missing ones excluded)
  std::size_t bins() const { return reference.size(); }
  double max_share() const;  // the tallest bar of either side (the y-range)
};

// Bins for n values: Sturges' rule over the larger side, 10..40 (numpy's "sturges").
std::size_t auto_bins(std::size_t n_reference, std::size_t n_production);
// NaN and infinities are missing. A constant range is widened by 0.5 each side so the values
// fall into the middle bin rather than a zero-width range.
overlay numeric_overlay(std::span<const double> reference, std::span<const double> production,
                        std::size_t bins);
// "" is missing. Categories in `order` first (e.g. the model's classes), then the others by
// total count, most frequent first (ties by name). At most `limit` bins: the rest go into
// "(other)".
overlay category_overlay(const std::vector<std::string>& reference,
                         const std::vector<std::string>& production,
                         const std::vector<std::string>& order = {}, std::size_t limit = 30);
// A feature of both datasets; categorical if either side is. nullopt when neither has it.
std::optional<overlay> feature_overlay(const production::dataset& reference,
                                       const production::dataset& production,
                                       const std::string& name);

// ---- over time
// ------------------------------------------------------------------------------------

// "hour" when the records span at most three days (up to 72 points), else "day".
std::string pick_bucket(double from_unix, double to_unix);

// report["timeline"]["buckets"] as columns; NaN where a value is null (no labels yet).
struct timeline_series {
  std::string bucket;
  std::vector<double> start, rows, drift_share, accuracy, flag_rate;
  std::size_t size() const { return start.size(); }
};
timeline_series timeline_of(const nlohmann::json& report);

// A line for the chart widget: one point per bucket at its start (x, unix seconds for the
// wall-clock axis), unsmoothed. NaN values break the line.
plot_series as_plot(const std::vector<double>& x, const std::vector<double>& y);

// ---- metrics and flags
// ----------------------------------------------------------------------------

// production_metrics[field] ("confusion", "reference_confusion") as a matrix; nullopt when
// absent or not a confusion_matrix body.
std::optional<metrics::confusion_matrix> report_confusion(const nlohmann::json& report,
                                                          const std::string& field);

struct flagged_sample {
  std::string id, predicted, label, flag, reason, image;  // image relative to the store
  double time = 0;
};
// report["flags"]["samples"], newest first as the report lists them.
std::vector<flagged_sample> flagged_samples(const nlohmann::json& report);

// A number of the report at a JSON pointer ("/production_metrics/accuracy"); NaN when null
// or absent.
double report_number(const nlohmann::json& report, const char* pointer);

}  // namespace tracker::ui
