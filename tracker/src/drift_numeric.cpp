// drift_numeric.cpp — tracker/drift.hpp's tests on sorted numeric samples: two-sample KS,
// Wasserstein distance, PSI over reference-quantile buckets. Each is one merge-walk over the
// two sorted columns (or a few binary searches for PSI's edges).
#include "drift_internal.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace tracker::drift {
using namespace detail;

ks_result ks_2samp_sorted(std::span<const double> a, std::span<const double> b) {
  check_sorted_input(a, "ks");
  check_sorted_input(b, "ks");
  const std::size_t n1 = a.size(), n2 = b.size();
  const double inv1 = 1.0 / static_cast<double>(n1), inv2 = 1.0 / static_cast<double>(n2);
  double max_s = 0, min_s = 0;
  std::size_t i = 0, j = 0;
  // Walk the distinct values of the union in order; after stepping over every copy of x in
  // both samples, i/n1 − j/n2 is F1(x) − F2(x) with right-continuous ECDFs (scipy's
  // searchsorted side='right'). Once a sample is exhausted the difference only moves to 0.
  while (i < n1 && j < n2) {
    const double x = a[i] <= b[j] ? a[i] : b[j];
    while (i < n1 && a[i] == x) ++i;
    while (j < n2 && b[j] == x) ++j;
    const double diff = static_cast<double>(i) * inv1 - static_cast<double>(j) * inv2;
    if (diff > max_s) max_s = diff;
    if (diff < min_s) min_s = diff;
  }
  double d = max_s;  // scipy: D = max(clip(−min, 0, 1), max), never −0
  if (-min_s > d) d = std::min(-min_s, 1.0);
  if (d <= 0) d = 0.0;
  ks_result r;
  const std::int64_t m1 = static_cast<std::int64_t>(n1), m2 = static_cast<std::int64_t>(n2);
  if (std::max(m1, m2) <= 10000) {  // scipy's MAX_AUTO_N for method='auto'
    if (auto p = ks_2samp_exact_p(m1, m2, d)) {
      const std::int64_t g = std::gcd(m1, m2), lcm = (m1 / g) * m2;
      r.statistic = std::nearbyint(d * static_cast<double>(lcm)) / static_cast<double>(lcm);
      r.p_value = clip01(*p);
      r.exact = true;
      return r;
    }
  }
  const double big = static_cast<double>(std::max(m1, m2)), small = static_cast<double>(std::min(m1, m2));
  const double en = big * small / (big + small);
  const auto nr = static_cast<std::int64_t>(std::nearbyint(en));
  r.statistic = d;
  r.p_value = nr >= 1 ? kolmogorov_sf(d, nr) : 1.0;
  r.exact = false;
  return r;
}

ks_result ks_2samp(std::span<const double> a, std::span<const double> b) {
  const value_vector sa = sorted_finite(a), sb = sorted_finite(b);
  return ks_2samp_sorted(sa, sb);
}

double wasserstein_distance_sorted(std::span<const double> a, std::span<const double> b) {
  check_sorted_input(a, "wasserstein");
  check_sorted_input(b, "wasserstein");
  const std::size_t na = a.size(), nb = b.size();
  const double inva = 1.0 / static_cast<double>(na), invb = 1.0 / static_cast<double>(nb);
  std::size_t i = 0, j = 0;
  double area = 0;
  double x = std::min(a[0], b[0]);
  while (true) {
    while (i < na && a[i] == x) ++i;
    while (j < nb && b[j] == x) ++j;
    double next;
    if (i < na && j < nb)
      next = a[i] < b[j] ? a[i] : b[j];
    else if (i < na)
      next = a[i];
    else if (j < nb)
      next = b[j];
    else
      break;
    area += std::abs(static_cast<double>(i) * inva - static_cast<double>(j) * invb) * (next - x);
    x = next;
  }
  return area;
}

double psi_sorted(std::span<const double> ref, std::span<const double> cur, int bins, double epsilon) {
  check_sorted_input(ref, "psi");
  check_sorted_input(cur, "psi");
  if (bins < 1) bad("psi: bins must be >= 1");
  // Interior edges: the reference quantiles at k / bins (numpy's linear method), deduplicated.
  std::vector<double> edges;
  const double last = static_cast<double>(ref.size() - 1);
  for (int k = 1; k < bins; ++k) {
    const double pos = last * k / bins;
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const double frac = pos - static_cast<double>(lo);
    const double e = lo + 1 < ref.size() ? ref[lo] + frac * (ref[lo + 1] - ref[lo]) : ref[lo];
    if (edges.empty() || e > edges.back()) edges.push_back(e);
  }
  auto counts = [&](std::span<const double> s) {
    std::vector<std::int64_t> c;
    std::size_t prev = 0;
    for (double e : edges) {
      const auto pos = static_cast<std::size_t>(std::lower_bound(s.begin(), s.end(), e) - s.begin());
      c.push_back(static_cast<std::int64_t>(pos - prev));
      prev = pos;
    }
    c.push_back(static_cast<std::int64_t>(s.size() - prev));
    return c;
  };
  const std::vector<std::int64_t> rc = counts(ref), cc = counts(cur);
  return psi_from_counts(rc, cc, epsilon);
}

}  // namespace tracker::drift
