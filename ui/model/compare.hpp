// compare.hpp — two or more runs side by side: the config diff and the metric summaries with
// their delta against the first run (the baseline), coloured by whether it improved for the
// metric's goal. Pure functions over catalog rows; no ImGui, no store.
#pragma once

#include "model/catalog.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tracker::ui {

struct config_row {
  std::string key;
  std::vector<std::string> values;  // one per run ("" when the run lacks the key)
  std::vector<bool> present;
  bool differs = false;  // not every run has the same value (a missing key differs)
};
// Every config key of the runs, sorted; only those that differ when only_differences.
std::vector<config_row> config_diff(const std::vector<const run_row*>& runs, bool only_differences);

// (summary_field: last | min | max | best, from catalog.hpp.)
std::optional<double> summary_value(const metric_summary& m, summary_field f);

// +1: the change improved the metric for its goal, -1: it got worse, 0: equal, no goal, or
// NaN. Maximize: up is better; minimize: down is better.
int delta_direction(goal g, double delta) noexcept;
// The goal a summary carries, else the one its key implies (infer_goal: loss down, acc up).
goal goal_of(const metric_summary& m) noexcept;

struct metric_row {
  std::string key;
  goal metric_goal = goal::none;
  std::vector<std::optional<double>> value;  // per run
  std::vector<std::optional<double>> delta;  // value - baseline's value (run 0: none)
  std::vector<int> direction;                // delta_direction per run
};
// Metric keys any of the runs has, val/ and test/ first then by name; system/ keys left out.
std::vector<metric_row> metric_compare(const std::vector<const run_row*>& runs, summary_field f);

}  // namespace tracker::ui
