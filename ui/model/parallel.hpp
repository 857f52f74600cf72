// parallel.hpp — the parameters view's data: one axis per config key and per metric (its last
// value), one polyline per run, values scaled to 0..1 per axis; a brushed range of an axis as
// a runs-table filter term (so brushing filters the table, as in W&B). Pure functions.
#pragma once

#include "model/catalog.hpp"

#include <limits>
#include <string>
#include <vector>

namespace tracker::ui {

struct pc_axis {
  std::string key;           // config key, or metric key
  bool config = false;       // else a metric (its last value)
  bool categorical = false;  // text values: one tick per category, in sorted order
  std::vector<std::string> categories;
  double lo = 0, hi = 1;  // numeric range (categorical: 0 .. n-1)
};
struct pc_data {
  std::vector<pc_axis> axes;
  std::vector<const run_row*> runs;
  std::vector<std::vector<double>> pos;  // [run][axis] in 0..1 (1 = top); NaN: missing
};

// Config keys whose value differs between the runs (a constant key says nothing), then up to
// `max_metrics` metrics every run has, val/ and test/ first.
std::vector<std::pair<std::string, bool>> default_axes(const std::vector<const run_row*>& runs,
                                                       std::size_t max_metrics = 2);
pc_data build_parallel(const std::vector<const run_row*>& runs,
                       const std::vector<std::pair<std::string, bool>>& axes);
// The filter term for a brush over [b0, b1] (0..1) of an axis: "config.lr>=0.001
// config.lr<=0.003", "val/accuracy>=0.8 val/accuracy<=0.9", or for a categorical axis
// "config.model=cnn" when one category is inside (empty when none or several are).
std::string brush_term(const pc_axis& a, double b0, double b1);

}  // namespace tracker::ui
