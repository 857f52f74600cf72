// series.cpp — bucket lists, bucket requests, plot coordinates, smoothing, grouping.
#include "model/series.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

namespace tracker::ui {

namespace {
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();

double fmin_nan(double a, double b) {
  return std::isnan(a) ? b : (std::isnan(b) ? a : std::min(a, b));
}
double fmax_nan(double a, double b) {
  return std::isnan(a) ? b : (std::isnan(b) ? a : std::max(a, b));
}

double x_of(double t_or_step, x_axis axis, double run_start) {
  switch (axis) {
    case x_axis::step:
      return t_or_step;
    case x_axis::relative:
      return t_or_step - run_start;
    case x_axis::wall:
      return t_or_step;
  }
  return t_or_step;
}

}  // namespace

const char* to_string(x_axis a) noexcept {
  switch (a) {
    case x_axis::step:
      return "step";
    case x_axis::relative:
      return "relative";
    case x_axis::wall:
      return "wall";
  }
  return "step";
}

std::optional<x_axis> parse_x_axis(const std::string& s) noexcept {
  if (s == "step") return x_axis::step;
  if (s == "relative") return x_axis::relative;
  if (s == "wall") return x_axis::wall;
  return std::nullopt;
}

// ---- bucket lists ------------------------------------------------------------------------------

void merge_into(span_bucket& a, const span_bucket& b) {
  a.step_end = std::max(a.step_end, b.step_end);
  a.count += b.count;
  a.min = fmin_nan(a.min, b.min);
  a.max = fmax_nan(a.max, b.max);
  if (b.last_step >= a.last_step) {
    a.last = b.last;
    a.last_step = b.last_step;
    a.t_last = b.t_last;
  }
}

void bucket_list::append(const std::vector<point>& pts) {
  for (const point& p : pts) {
    bool finite = std::isfinite(p.value);
    span_bucket nb{p.step,  p.step, p.step, 1, finite ? p.value : nan_v, finite ? p.value : nan_v,
                   p.value, p.time, p.time};
    if (buckets.empty() || p.step > buckets.back().step_end) {
      if (!buckets.empty() && p.step < buckets.back().step_begin + step_width)
        merge_into(buckets.back(), nb);
      else
        buckets.push_back(nb);
      continue;
    }
    // Late point: the first bucket whose end reaches its step.
    auto it = std::lower_bound(buckets.begin(), buckets.end(), p.step,
                               [](const span_bucket& b, std::int64_t s) { return b.step_end < s; });
    if (it->step_begin <= p.step) {
      span_bucket merged = *it;
      merge_into(merged, nb);
      merged.t_first = std::min(it->t_first, nb.t_first);
      *it = merged;
    } else {
      buckets.insert(it, nb);
    }
  }
}

void bucket_list::coarsen_to(std::size_t max_buckets) {
  if (max_buckets < 2) max_buckets = 2;
  while (buckets.size() > max_buckets) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < buckets.size(); i += 2) {
      span_bucket b = buckets[i];
      if (i + 1 < buckets.size()) merge_into(b, buckets[i + 1]);
      buckets[out++] = b;
    }
    buckets.resize(out);
    // New points pack into buckets as wide as the widest existing one.
    std::int64_t widest = 1;
    for (const span_bucket& b : buckets) widest = std::max(widest, b.step_end - b.step_begin + 1);
    step_width = std::max(step_width * 2, widest);
  }
}

// ---- requests ----------------------------------------------------------------------------------

step_range steps_for_x(const series_data& s, x_axis axis, double x0, double x1) {
  step_range r;
  const auto& bs = s.overview.buckets;
  if (bs.empty()) return r;
  if (std::isnan(x0) || std::isnan(x1))
    return step_range{bs.front().step_begin, bs.back().step_end};
  if (axis == x_axis::step) {
    r.lo = static_cast<std::int64_t>(std::floor(std::max(x0, double(bs.front().step_begin))));
    r.hi = static_cast<std::int64_t>(std::ceil(std::min(x1, double(bs.back().step_end))));
    return r;
  }
  // Time axes: the steps of the buckets whose time span meets [x0, x1].
  bool any = false;
  for (const span_bucket& b : bs) {
    double a = x_of(b.t_first, axis, s.run_start), z = x_of(b.t_last, axis, s.run_start);
    if (z < x0 || a > x1) continue;
    if (!any) r.lo = b.step_begin;
    r.hi = b.step_end;
    any = true;
  }
  return r;
}

detail_plan plan_detail(const series_data& s, step_range visible, int width_px) {
  detail_plan plan;
  if (visible.empty() || width_px <= 0 || s.count <= 0) return plan;
  const auto& bs = s.overview.buckets;
  // Overview buckets meeting the visible range.
  std::size_t in_view = 0;
  std::int64_t stored_in_view = 0;
  for (const span_bucket& b : bs)
    if (b.step_end >= visible.lo && b.step_begin <= visible.hi) {
      ++in_view;
      stored_in_view += b.count;
    }
  // Fine enough: a bucket per pixel, or every stored point is already its own bucket.
  if (in_view >= static_cast<std::size_t>(width_px) ||
      stored_in_view <= static_cast<std::int64_t>(in_view))
    return plan;
  const std::int64_t span = visible.hi - visible.lo + 1;
  // Snap to a grid of a quarter span so small pans and zooms map to the same request.
  const std::int64_t grid = std::max<std::int64_t>(1, span / 4);
  std::int64_t from = visible.lo - span / 2, to = visible.hi + span / 2;
  from = (from >= 0 ? from / grid : -((-from + grid - 1) / grid)) * grid;
  to = (to >= 0 ? (to + grid - 1) / grid : -(-to / grid)) * grid;
  from = std::max(from, s.first_step);
  to = std::min(to, s.last_step);
  if (to < from) return plan;
  // Already have it: the cached detail covers the range at (at least) the same density.
  if (s.detail_to >= s.detail_from && s.detail_from <= visible.lo && s.detail_to >= visible.hi) {
    std::size_t detail_in_view = 0;
    for (const span_bucket& b : s.detail)
      if (b.step_end >= visible.lo && b.step_begin <= visible.hi) ++detail_in_view;
    std::int64_t detail_span = s.detail_to - s.detail_from + 1;
    bool dense = detail_in_view * 2 >= static_cast<std::size_t>(width_px) ||
                 static_cast<std::int64_t>(s.detail.size()) >= detail_span;  // every step
    if (dense) return plan;
  }
  plan.need = true;
  plan.from = from;
  plan.to = to;
  plan.max_buckets =
      static_cast<std::size_t>(std::ceil(double(width_px) * double(to - from + 1) / double(span)));
  return plan;
}

// ---- plot coordinates
// ----------------------------------------------------------------------------

plot_series make_plot(const series_data& s, x_axis axis, double smoothing) {
  static std::atomic<std::uint64_t> versions{0};
  plot_series out;
  out.version = ++versions;
  auto add = [&](const span_bucket& b) {
    plot_point p;
    if (axis == x_axis::step) {
      p.x0 = double(b.step_begin);
      p.x1 = double(b.step_end);
      p.x = double(b.last_step);
    } else {
      p.x0 = x_of(b.t_first, axis, s.run_start);
      p.x1 = x_of(b.t_last, axis, s.run_start);
      p.x = p.x1;
    }
    p.lo = b.min;
    p.hi = b.max;
    p.y = b.last;
    p.ys = b.last;
    if (b.count > 1) out.bucketed = true;
    out.pts.push_back(p);
  };
  const auto& ov = s.overview.buckets;
  bool have_detail = s.detail_to >= s.detail_from && !s.detail.empty();
  out.pts.reserve(ov.size() + s.detail.size());
  for (const span_bucket& b : ov) {
    if (have_detail && b.step_end >= s.detail_from) break;
    add(b);
  }
  if (have_detail) {
    for (const span_bucket& b : s.detail) add(b);
    for (const span_bucket& b : ov)
      if (b.step_begin > s.detail_to) add(b);
  }
  if (smoothing > 0) {
    std::vector<double> ys(out.pts.size());
    for (std::size_t i = 0; i < ys.size(); ++i) ys[i] = out.pts[i].y;
    ys = ema_debiased(ys, smoothing);
    for (std::size_t i = 0; i < ys.size(); ++i) out.pts[i].ys = ys[i];
  }
  return out;
}

std::vector<double> ema_debiased(const std::vector<double>& values, double weight) {
  std::vector<double> out(values.size());
  weight = std::clamp(weight, 0.0, 0.999999);
  double last = 0;
  double w_n = 1;  // weight^n, kept as a running product (std::pow per point costs ~30 ns)
  for (std::size_t i = 0; i < values.size(); ++i) {
    double v = values[i];
    if (!std::isfinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    w_n *= weight;
    double debias = 1 - w_n;
    out[i] = debias > 0 ? last / debias : v;
  }
  return out;
}

double value_at(const plot_series& s, double x, bool smoothed) {
  const auto& p = s.pts;
  if (p.empty() || x < p.front().x0) return nan_v;
  auto it = std::upper_bound(p.begin(), p.end(), x,
                             [](double v, const plot_point& q) { return v < q.x; });
  if (it == p.begin()) return smoothed ? p.front().ys : p.front().y;
  --it;
  if (it == p.end() - 1 && x > it->x1 + (it->x1 - p.front().x0) * 0.02) return nan_v;
  return smoothed ? it->ys : it->y;
}

double interpolate(const plot_series& s, double x, bool smoothed) {
  const auto& p = s.pts;
  if (p.empty() || x < p.front().x || x > p.back().x) return nan_v;
  auto it = std::lower_bound(p.begin(), p.end(), x,
                             [](const plot_point& q, double v) { return q.x < v; });
  if (it == p.end()) return nan_v;
  double yb = smoothed ? it->ys : it->y;
  if (it->x == x || it == p.begin()) return yb;
  auto prev = it - 1;
  double ya = smoothed ? prev->ys : prev->y;
  double f = (x - prev->x) / (it->x - prev->x);
  return ya + f * (yb - ya);
}

group_line group_series(const std::vector<const plot_series*>& members, double x0, double x1,
                        int samples, bool smoothed) {
  group_line g;
  if (samples < 2 || !(x1 > x0)) samples = 1;
  for (int i = 0; i < samples; ++i) {
    double x = samples == 1 ? x0 : x0 + (x1 - x0) * double(i) / double(samples - 1);
    double sum = 0, sum2 = 0, lo = nan_v, hi = nan_v;
    int n = 0;
    for (const plot_series* m : members) {
      double v = interpolate(*m, x, smoothed);
      if (!std::isfinite(v)) continue;
      sum += v;
      sum2 += v * v;
      lo = fmin_nan(lo, v);
      hi = fmax_nan(hi, v);
      ++n;
    }
    if (n == 0) continue;
    double mean = sum / n;
    g.x.push_back(x);
    g.mean.push_back(mean);
    g.stddev.push_back(std::sqrt(std::max(0.0, sum2 / n - mean * mean)));
    g.min.push_back(lo);
    g.max.push_back(hi);
    g.n.push_back(n);
  }
  return g;
}

double percentile(std::vector<double> values, double p) {
  values.erase(
      std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
      values.end());
  if (values.empty()) return nan_v;
  std::sort(values.begin(), values.end());
  double rank = std::clamp(p, 0.0, 100.0) / 100.0 * double(values.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(rank));
  auto hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (rank - double(lo)) * (values[hi] - values[lo]);
}

}  // namespace tracker::ui
