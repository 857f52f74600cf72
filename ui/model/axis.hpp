// axis.hpp — axis ticks at "nice" numbers (1, 2, 5 x 10^k; clock-friendly steps for time)
// and their labels. Pure math, shared by the chart widget and its tests.
#pragma once

#include "model/series.hpp"

#include <string>
#include <vector>

namespace tracker::ui {

struct axis_ticks {
  std::vector<double> values;  // in data units, ascending, inside [lo, hi]
  double step = 0;
};

// About max_ticks ticks over [lo, hi] at multiples of 1, 2 or 5 x 10^k.
axis_ticks nice_ticks(double lo, double hi, int max_ticks);
// For time axes in seconds: steps of 1/2/5/10/15/30 s, 1/2/5/10/15/30 min, 1/2/3/6/12 h, days.
axis_ticks time_ticks(double lo, double hi, int max_ticks);
// Decades (and 2x, 5x when few decades) for a log axis; lo/hi are log10 of the data range.
axis_ticks log_ticks(double log_lo, double log_hi, int max_ticks);

// Label of a tick: steps as 1.5k / 2M, values with as many digits as the step needs,
// relative time as 1m30s, wall time as HH:MM(:SS) local time.
std::string format_tick(double v, double step, x_axis axis, bool is_x);
// A value in a tooltip or a table: 4 significant digits, exponent when large/small.
std::string format_value(double v);

}  // namespace tracker::ui
