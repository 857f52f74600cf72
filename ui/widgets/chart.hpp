// chart.hpp — the line-chart widget, drawn on ImDrawList (ImPlot is not packaged for Debian
// 12; its begin/setup/plot/end structure is the model, none of its code is used).
//
// The widget never owns data (ImPlot's rule): the caller passes plot_series it keeps alive for
// the frame, and a chart_state it keeps across frames. Thinning is the model's job; the widget
// only folds what it is given into pixel columns:
//
//   1. For every pixel column, the min-max band of all points under it (faint), so a single
//      outlier among 10M points is one visible column at every zoom level.
//   2. The line through the last value in each column (the raw line faint when smoothing).
//   3. The smoothed line on top, in the run's colour.
//
// Interaction: mouse wheel zooms x around the cursor; drag pans; right-drag (or shift-drag)
// draws a zoom box; double-click resets to fit. A hover draws a crosshair and a tooltip with
// every line's value at that x. Pass the same chart_range to several charts to link their
// x-ranges.
#pragma once

#include "model/series.hpp"

#include <imgui.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace tracker::ui::widgets {

// What the widget computed for one line last frame, owned by the caller (one per line per
// chart) so the widget still owns nothing. While the data, the ranges and the plot size stay
// the same, a frame only emits the cached vertices: no pass over the points.
struct line_cache {
  std::uint64_t version = 0;  // plot_series::version folded
  double x0 = 0, x1 = 0, y0 = 0, y1 = 0;
  float w = 0, h = 0;
  bool log_y = false, smoothed = false;
  std::vector<ImVec2> raw, smooth;         // plot-relative pixel positions
  std::vector<int> raw_ends, smooth_ends;  // end index of each unbroken piece (NaN breaks)
  std::vector<ImVec4> bands;               // plot-relative x0, y0, x1, y1 of band columns
  // The visible y-extent of the line for (x0, x1, log_y).
  std::uint64_t ext_version = 0;
  double ext_x0 = 0, ext_x1 = 0;
  bool ext_log = false;
  double lo = 0, hi = 0;
};

struct chart_line {
  const plot_series* series = nullptr;
  std::uint32_t color = 0xFFFFFFFF;  // IM_COL32 layout
  const char* label = "";
  line_cache* cache = nullptr;  // optional; without it every frame folds the points
};

struct chart_group_line {
  const group_line* line = nullptr;
  std::uint32_t color = 0xFFFFFFFF;
  const char* label = "";
  bool band_stddev = false;  // band: mean +- one standard deviation; else min..max
};

// The x-range shown; NaN on both ends means "fit the data". Shared by linked charts.
struct chart_range {
  double x0 = std::numeric_limits<double>::quiet_NaN();
  double x1 = std::numeric_limits<double>::quiet_NaN();
  bool is_auto() const { return std::isnan(x0) || std::isnan(x1); }
  void reset() { x0 = x1 = std::numeric_limits<double>::quiet_NaN(); }
};

// Per-chart state the caller keeps between frames.
struct chart_state {
  double y0 = std::numeric_limits<double>::quiet_NaN();  // manual y-range after a box zoom
  double y1 = std::numeric_limits<double>::quiet_NaN();
  bool boxing = false;
  ImVec2 box_start{0, 0};
};

struct chart_options {
  const char* title = "";
  x_axis axis = x_axis::step;
  bool log_y = false;
  bool ignore_outliers = false;  // y-range from the 5th..95th percentile of visible values
  bool smoothed = true;          // draw ys in full colour and y faintly behind
  bool legend = true;
  // An x hovered in another chart (NaN: none): drawn as a faint crosshair here, so linked
  // charts read together, as in W&B and Tracy.
  double linked_hover_x = std::numeric_limits<double>::quiet_NaN();
};

// What the chart reports back, so the model can ask the store for the right buckets.
struct chart_result {
  double x0 = 0, x1 = 0;  // visible x-range this frame
  int plot_width_px = 0;  // pixel columns of the plot area
  bool hovered = false;
  double hover_x = std::numeric_limits<double>::quiet_NaN();              // data x under the mouse
  double plot_min_x = 0, plot_min_y = 0, plot_max_x = 0, plot_max_y = 0;  // screen rect
  double y0 = 0, y1 = 0;  // visible y-range (log10 units when log_y)
};

chart_result chart(const char* id, ImVec2 size, chart_range& range, chart_state& state,
                   const chart_options& opts, std::span<const chart_line> lines,
                   std::span<const chart_group_line> groups = {});

}  // namespace tracker::ui::widgets
