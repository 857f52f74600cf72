// drift_categorical.cpp — tracker/drift.hpp's tests on aligned category counts: Pearson's
// chi-squared, the two-proportion z-test, Jensen–Shannon distance, PSI.
#include "drift_internal.hpp"

#include <algorithm>
#include <cmath>

namespace tracker::drift {
using namespace detail;

chi2_result chi_squared(std::span<const std::int64_t> ref, std::span<const std::int64_t> cur) {
  if (ref.size() != cur.size()) bad("chi_squared: count vectors differ in size");
  std::int64_t nr = 0, nc = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (ref[i] < 0 || cur[i] < 0) bad("chi_squared: negative count");
    nr += ref[i];
    nc += cur[i];
  }
  if (nr == 0 || nc == 0) bad("chi_squared: empty sample");
  const double k_norm = static_cast<double>(nc) / static_cast<double>(nr);
  chi2_result r;
  int categories = 0;
  double stat = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (ref[i] == 0 && cur[i] == 0) continue;  // not a category of either sample
    ++categories;
    const double expected = static_cast<double>(ref[i]) * k_norm;
    const double diff = static_cast<double>(cur[i]) - expected;
    stat += expected == 0 ? kInf : diff * diff / expected;
  }
  r.dof = categories - 1;
  r.statistic = r.dof == 0 ? 0.0 : stat;
  r.p_value = r.dof == 0 ? 1.0 : (std::isinf(stat) ? 0.0 : chi2_sf(stat, r.dof));
  return r;
}

z_result two_proportion_z(std::int64_t ref_hits, std::int64_t ref_n, std::int64_t cur_hits, std::int64_t cur_n) {
  if (ref_n <= 0 || cur_n <= 0 || ref_hits < 0 || cur_hits < 0 || ref_hits > ref_n || cur_hits > cur_n)
    bad("z_test: needs 0 <= hits <= n and n > 0");
  const double n1 = static_cast<double>(ref_n), n2 = static_cast<double>(cur_n);
  const double p1 = static_cast<double>(ref_hits) / n1, p2 = static_cast<double>(cur_hits) / n2;
  const double P = static_cast<double>(ref_hits + cur_hits) / (n1 + n2);
  z_result r;
  if (P <= 0 || P >= 1) return r;  // one value everywhere: z 0, p 1
  r.statistic = (p1 - p2) / std::sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2));
  r.p_value = normal_two_sided_p(r.statistic);
  return r;
}

double jensen_shannon_distance(std::span<const double> p, std::span<const double> q) {
  if (p.size() != q.size()) bad("jensen_shannon: sizes differ");
  double sp = 0, sq = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] >= 0) || !(q[i] >= 0)) bad("jensen_shannon: negative or NaN weight");
    sp += p[i];
    sq += q[i];
  }
  if (!(sp > 0) || !(sq > 0)) bad("jensen_shannon: all-zero weights");
  auto rel_entr = [](double x, double y) { return x > 0 ? x * std::log(x / y) : 0.0; };
  double js = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double a = p[i] / sp, b = q[i] / sq, m = (a + b) / 2;
    js += rel_entr(a, m) + rel_entr(b, m);
  }
  return std::sqrt(std::max(js, 0.0) / 2.0);
}

double psi_from_counts(std::span<const std::int64_t> ref, std::span<const std::int64_t> cur, double epsilon) {
  if (ref.size() != cur.size()) bad("psi: count vectors differ in size");
  if (!(epsilon > 0)) bad("psi: epsilon must be positive");
  double nr = 0, nc = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    if (ref[i] < 0 || cur[i] < 0) bad("psi: negative count");
    nr += static_cast<double>(ref[i]);
    nc += static_cast<double>(cur[i]);
  }
  if (nr == 0 || nc == 0) bad("psi: empty sample");
  double psi = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    double r = static_cast<double>(ref[i]) / nr, c = static_cast<double>(cur[i]) / nc;
    if (r == 0) r = epsilon;
    if (c == 0) c = epsilon;
    psi += (c - r) * std::log(c / r);
  }
  return psi;
}

}  // namespace tracker::drift
