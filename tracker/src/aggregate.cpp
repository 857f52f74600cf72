#include "aggregate.hpp"

#include <algorithm>
#include <cmath>

namespace tracker::detail {

namespace {
void widen(std::optional<double>& lo, std::optional<double>& hi, double v) noexcept {
  lo = lo ? std::min(*lo, v) : v;
  hi = hi ? std::max(*hi, v) : v;
}
}  // namespace

void add_point(metric_summary& s, std::int64_t step, double time, double value) noexcept {
  bool first = s.count == 0;
  ++s.count;
  if (std::isfinite(value))
    widen(s.min, s.max, value);
  else
    ++s.nonfinite;
  if (first || step >= s.last_step) {
    s.last = value;
    s.last_step = step;
    s.last_time = time;
  }
  s.first_step = first ? step : std::min(s.first_step, step);
}

void add_point(store::bucket_row& b, std::int64_t step, double time, double value) noexcept {
  bool first = b.count == 0;
  ++b.count;
  if (std::isfinite(value)) widen(b.min, b.max, value);
  b.first_time = first ? time : std::min(b.first_time, time);
  b.last_time = first ? time : std::max(b.last_time, time);
  if (first || step >= b.last_step) {
    b.last = value;
    b.last_step = step;
  }
}

void merge(store::bucket_row& into, const store::bucket_row& b) noexcept {
  if (b.count == 0) return;
  bool first = into.count == 0;
  into.count += b.count;
  into.first_time = first ? b.first_time : std::min(into.first_time, b.first_time);
  into.last_time = first ? b.last_time : std::max(into.last_time, b.last_time);
  if (b.min) widen(into.min, into.max, *b.min);
  if (b.max) widen(into.min, into.max, *b.max);
  if (first || b.last_step >= into.last_step) {
    into.last = b.last;
    into.last_step = b.last_step;
  }
}

}  // namespace tracker::detail
