// axis.cpp — nice ticks and tick labels.
#include "model/axis.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace tracker::ui {

namespace {

axis_ticks ticks_with_step(double lo, double hi, double step) {
  axis_ticks t;
  t.step = step;
  if (!(step > 0) || !std::isfinite(lo) || !std::isfinite(hi)) return t;
  double first = std::ceil(lo / step - 1e-9) * step;
  for (double v = first; v <= hi + step * 1e-9 && t.values.size() < 1000; v += step)
    t.values.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

}  // namespace

axis_ticks nice_ticks(double lo, double hi, int max_ticks) {
  if (!(hi > lo)) return ticks_with_step(lo, lo, 1.0);
  double raw = (hi - lo) / std::max(1, max_ticks);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  return ticks_with_step(lo, hi, step);
}

axis_ticks time_ticks(double lo, double hi, int max_ticks) {
  if (!(hi > lo)) return ticks_with_step(lo, lo, 1.0);
  static const double steps[] = {1,   2,    5,    10,   15,    30,    60,    120,   300,    600,
                                 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800};
  double raw = (hi - lo) / std::max(1, max_ticks);
  if (raw < 1) return nice_ticks(lo, hi, max_ticks);
  for (double s : steps)
    if (s >= raw) return ticks_with_step(lo, hi, s);
  return ticks_with_step(lo, hi, std::ceil(raw / 604800) * 604800);
}

axis_ticks log_ticks(double log_lo, double log_hi, int max_ticks) {
  axis_ticks t;
  if (!(log_hi > log_lo)) return t;
  double decades = log_hi - log_lo;
  int every = std::max(1, static_cast<int>(std::ceil(decades / std::max(1, max_ticks))));
  for (double d = std::floor(log_lo); d <= std::ceil(log_hi); d += 1) {
    if (static_cast<long long>(d) % every != 0) continue;
    static const double all[] = {1, 2, 5};
    const int n = decades < 3 ? 3 : 1;
    for (int k = 0; k < n; ++k) {
      double v = d + std::log10(all[k]);
      if (v >= log_lo - 1e-9 && v <= log_hi + 1e-9) t.values.push_back(v);
    }
  }
  t.step = 1;
  return t;
}

std::string format_tick(double v, double step, x_axis axis, bool is_x) {
  char buf[48];
  if (is_x && axis == x_axis::wall) {
    std::time_t t = static_cast<std::time_t>(std::llround(v));
    std::tm tm{};
    localtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, step < 60 ? "%H:%M:%S" : (step >= 86400 ? "%m-%d" : "%H:%M"),
                  &tm);
    return buf;
  }
  if (is_x && axis == x_axis::relative) {
    double a = std::abs(v);
    const char* sign = v < 0 ? "-" : "";
    if (step < 1)
      std::snprintf(buf, sizeof buf, "%s%.3gs", sign, a);
    else if (a < 60)
      std::snprintf(buf, sizeof buf, "%s%.0fs", sign, a);
    else if (a < 3600) {
      int m = int(a) / 60, s = int(a) % 60;
      if (s)
        std::snprintf(buf, sizeof buf, "%s%dm%02ds", sign, m, s);
      else
        std::snprintf(buf, sizeof buf, "%s%dm", sign, m);
    } else {
      int h = int(a) / 3600, m = (int(a) / 60) % 60;
      if (m)
        std::snprintf(buf, sizeof buf, "%s%dh%02dm", sign, h, m);
      else
        std::snprintf(buf, sizeof buf, "%s%dh", sign, h);
    }
    return buf;
  }
  double a = std::abs(v);
  if (is_x && axis == x_axis::step && step >= 1) {
    // Steps: 1.5k, 20k, 1.2M
    if (a >= 1e9 && step >= 1e7)
      std::snprintf(buf, sizeof buf, "%gB", v / 1e9);
    else if (a >= 1e6 && step >= 1e4)
      std::snprintf(buf, sizeof buf, "%gM", v / 1e6);
    else if (a >= 1e4 && step >= 100)
      std::snprintf(buf, sizeof buf, "%gk", v / 1e3);
    else
      std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  if (v == 0) return "0";
  if (a >= 1e6 || a < 1e-4) {
    std::snprintf(buf, sizeof buf, "%.2g", v);
    return buf;
  }
  int decimals = step > 0 ? std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9))) : 3;
  std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 8), v);
  return buf;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[48];
  double a = std::abs(v);
  if (a != 0 && (a >= 1e6 || a < 1e-3))
    std::snprintf(buf, sizeof buf, "%.4g", v);
  else
    std::snprintf(buf, sizeof buf, "%.4f", v);
  // Trim trailing zeros of fixed notation: 0.8500 -> 0.85
  std::string s = buf;
  if (s.find('.') != std::string::npos && s.find('e') == std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace tracker::ui
