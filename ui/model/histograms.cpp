// histograms.cpp — see histograms.hpp.
#include "model/histograms.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace tracker::ui {

std::optional<metrics::histogram> parse_histogram(const std::string& body_json, std::string* why) {
  try {
    return metrics::histogram::from_json(nlohmann::json::parse(body_json));
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

std::vector<std::int64_t> spread_steps(const std::vector<std::int64_t>& steps, std::size_t n) {
  if (steps.size() <= n || n == 0) return n == 0 ? std::vector<std::int64_t>{} : steps;
  if (n == 1) return {steps.back()};
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t idx = (i * (steps.size() - 1) + (n - 1) / 2) / (n - 1);
    if (out.empty() || out.back() != steps[idx]) out.push_back(steps[idx]);
  }
  return out;
}

ridge make_ridge(const metrics::histogram& h) {
  ridge r;
  double top = 0;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    double w = h.edges[i + 1] - h.edges[i];
    double d = w > 0 ? double(h.counts[i]) / w : 0;
    r.x.push_back(0.5 * (h.edges[i] + h.edges[i + 1]));
    r.y.push_back(d);
    top = std::max(top, d);
  }
  if (top <= 0) return {};
  for (double& y : r.y) y /= top;
  return r;
}

std::pair<double, double> common_range(const std::vector<const metrics::histogram*>& hs) {
  double lo = INFINITY, hi = -INFINITY;
  for (const metrics::histogram* h : hs)
    if (h && !h->edges.empty()) {
      lo = std::min(lo, h->edges.front());
      hi = std::max(hi, h->edges.back());
    }
  if (!(lo < hi)) return {0.0, 1.0};
  return {lo, hi};
}

std::vector<double> rebin_density(const metrics::histogram& h, double lo, double hi,
                                  std::size_t rows) {
  std::vector<double> out(rows, 0.0);
  if (rows == 0 || !(lo < hi)) return out;
  const double row_w = (hi - lo) / double(rows);
  auto row_of = [&](double x) {
    return std::min(rows - 1, std::size_t(std::max(0.0, std::floor((x - lo) / row_w))));
  };
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    const double a = std::max(lo, h.edges[i]), b = std::min(hi, h.edges[i + 1]);
    const double c = double(h.counts[i]);
    if (c == 0 || b < a) continue;
    const double w = h.edges[i + 1] - h.edges[i];
    if (w <= 0) {
      out[row_of(a)] += c;
      continue;
    }
    for (std::size_t r = row_of(a); r < rows; ++r) {
      const double r0 = lo + row_w * double(r), r1 = r0 + row_w;
      if (r0 >= b) break;
      out[r] += c * (std::min(b, r1) - std::max(a, r0)) / w;
    }
  }
  const double top = *std::max_element(out.begin(), out.end());
  if (top > 0)
    for (double& v : out) v /= top;
  return out;
}

std::pair<double, double> histogram_moments(const metrics::histogram& h) {
  double n = 0, s = 0, s2 = 0;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    double c = 0.5 * (h.edges[i] + h.edges[i + 1]);
    n += double(h.counts[i]);
    s += double(h.counts[i]) * c;
    s2 += double(h.counts[i]) * c * c;
  }
  if (n == 0) return {0.0, 0.0};
  double mean = s / n;
  return {mean, std::sqrt(std::max(0.0, s2 / n - mean * mean))};
}

}  // namespace tracker::ui
