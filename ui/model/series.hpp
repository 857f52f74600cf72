// series.hpp — metric series as charts need them: bucketed (min/max/last per pixel column),
// grown incrementally by a live run, turned into plot coordinates for an x-axis, smoothed and
// grouped. Pure functions and plain data: no ImGui, no store.
//
// The rule that no spike is hidden lives here: every bucket carries the min and max of every
// point under it, buckets are only ever merged (min of mins, max of maxes), never sampled.
#pragma once

#include "model/store_source.hpp"

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace tracker::ui {

enum class x_axis : std::uint8_t { step, relative, wall };
const char* to_string(x_axis a) noexcept;
std::optional<x_axis> parse_x_axis(const std::string& s) noexcept;

// ---- bucket lists ----------------------------------------------------------------------------

// Merges b into a (b follows a in step order).
void merge_into(span_bucket& a, const span_bucket& b);

// A bucket list that a live run grows: append() takes new points in step order; when the list
// exceeds 2 * target buckets, coarsen() halves it by merging neighbours. Cost of an append is
// proportional to the new points, never to the length of the series.
struct bucket_list {
  std::vector<span_bucket> buckets;
  std::int64_t step_width = 1;  // steps per bucket that new points are packed into
  // New points, in any order: a point past the end extends the list; a point logged late for
  // an old step merges into the bucket covering that step (or becomes one, in step order).
  void append(const std::vector<point>& pts);
  void coarsen_to(std::size_t max_buckets);
};

// ---- what the chart asks the store for
// -----------------------------------------------------------

// A series as cached by the loader and published (immutable) to the frame.
struct series_data {
  std::string run_id;
  std::string key;
  double run_start = 0;    // run's created_at, for the relative-time axis
  std::int64_t count = 0;  // points in the store when last read
  std::int64_t first_step = 0;
  std::int64_t last_step = -1;  // highest step read so far
  bucket_list overview;         // the whole series, <= 2 * overview_target buckets
  // Finer buckets for a zoomed range [detail_from, detail_to] (empty when not needed).
  std::int64_t detail_from = 0;
  std::int64_t detail_to = -1;
  std::vector<span_bucket> detail;
};

constexpr std::size_t overview_target = 2048;  // buckets kept for the zoomed-out view
constexpr std::int64_t raw_limit = 4096;       // series up to this many points load raw

// Which steps a visible x-range covers, read from the buckets (time axes map through them).
struct step_range {
  std::int64_t lo = 0;
  std::int64_t hi = -1;
  bool empty() const { return hi < lo; }
};
step_range steps_for_x(const series_data& s, x_axis axis, double x0, double x1);

// The bucket request a chart of width_px pixels showing steps [lo, hi] needs. Requests are
// padded by half the visible span on each side and snapped to a grid, so panning a little and
// small zooms reuse what was read; need=false when the overview is already fine enough
// (at least one bucket per pixel, or every raw point).
struct detail_plan {
  bool need = false;
  std::int64_t from = 0;
  std::int64_t to = -1;
  std::size_t max_buckets = 0;
};
detail_plan plan_detail(const series_data& s, step_range visible, int width_px);

// ---- plot coordinates ------------------------------------------------------------------------

// One bucket in chart coordinates: x0..x1 is the bucket's extent, x the position of its last
// value; lo/hi the band, y the last value, ys the smoothed value.
struct plot_point {
  double x0, x1, x;
  double lo, hi, y, ys;
};
struct plot_series {
  std::vector<plot_point> pts;  // in x order
  bool bucketed = false;        // some points stand for more than one stored point
  std::uint64_t version = 0;    // unique per make_plot() result: caches key on it
};

// Buckets of s covering [x0, x1] (NaN: everything) in the axis' coordinates, the detail
// buckets where they exist, the overview elsewhere; smoothed with ema weight `smoothing`.
plot_series make_plot(const series_data& s, x_axis axis, double smoothing);

// TensorBoard's debiased exponential moving average (see docs/ui.md):
//   last = last * w + (1 - w) * v;  n += 1;  smoothed = last / (1 - w^n)
// Non-finite values pass through unsmoothed and do not advance the average. w = 0: raw.
std::vector<double> ema_debiased(const std::vector<double>& values, double weight);

// The value of a plot series at x: the last point at or before x (a step function, as the
// hover read-out of TensorBoard does it); NaN before the first point or after the last.
double value_at(const plot_series& s, double x, bool smoothed);

// ---- grouping ---------------------------------------------------------------------------------

// One line per group: at each sample x the mean, standard deviation (population), min and
// max over the member runs that have a value there (linear interpolation between points).
struct group_line {
  std::vector<double> x, mean, stddev, min, max;
  std::vector<int> n;  // members contributing at each x
};
group_line group_series(const std::vector<const plot_series*>& members, double x0, double x1,
                        int samples, bool smoothed);
double interpolate(const plot_series& s, double x, bool smoothed);

// The p-th percentile (0..100) of the finite values, linear interpolation between ranks.
double percentile(std::vector<double> values, double p);

}  // namespace tracker::ui
