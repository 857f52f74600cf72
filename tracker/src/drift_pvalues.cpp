// drift_pvalues.cpp — tracker/drift.hpp's distributions: the exact two-sample KS p-value, the
// one-sample Kolmogorov and Smirnov distributions (scipy/stats/_ksstats.py), the incomplete
// gamma function behind chi-squared, the normal tail.
#include "drift_internal.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

namespace tracker::drift {
using namespace detail;
namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

// ---- exact two-sample KS (scipy _compute_prob_outside_square / _outer_prob_inside) -----------

double prob_outside_square(std::int64_t n, std::int64_t h) {
  double P = 0.0;
  std::int64_t k = n / h;
  while (k >= 0) {
    double p1 = 1.0;
    for (std::int64_t j = 0; j < h; ++j)
      p1 = static_cast<double>(n - k * h - j) * p1 / static_cast<double>(n + k * h + j + 1);
    P = p1 * (1.0 - P);
    --k;
  }
  return 2 * P;
}

std::optional<double> outer_prob_inside(std::int64_t m, std::int64_t n, std::int64_t g, std::int64_t h) {
  if (m < n) std::swap(m, n);
  const std::int64_t mg = m / g, ng = n / g;
  std::int64_t minj = 0, maxj = std::min(ceil_div(h, mg), n + 1);
  std::int64_t curlen = maxj - minj;
  const std::int64_t lenA = std::min(2 * maxj + 2, n + 1);
  std::vector<double> A(static_cast<std::size_t>(lenA), 1.0);
  for (std::int64_t j = minj; j < std::min(maxj, lenA); ++j) A[j] = 0.0;
  for (std::int64_t i = 1; i <= m; ++i) {
    const std::int64_t lastminj = minj, lastlen = curlen;
    minj = std::max(floor_div(ng * i - h, mg) + 1, std::int64_t{0});
    minj = std::min(minj, n);
    maxj = std::min(ceil_div(ng * i + h, mg), n + 1);
    if (maxj <= minj) return 1.0;
    double val = minj == 0 ? 0.0 : 1.0;
    for (std::int64_t jj = 0; jj < maxj - minj; ++jj) {
      const std::int64_t j = jj + minj;
      const std::int64_t src = jj + minj - lastminj;
      if (src < 0 || src >= lenA || jj >= lenA) return std::nullopt;
      val = (A[src] * static_cast<double>(i) + val * static_cast<double>(j)) / static_cast<double>(i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen)
      for (std::int64_t t = maxj - minj; t < std::min(maxj - minj + (lastlen - curlen), lenA); ++t) A[t] = 1.0;
  }
  return A[maxj - minj - 1];
}

// ---- one-sample Kolmogorov distribution pieces (scipy/stats/_ksstats.py) --------------------

constexpr int kE128 = 128;
const double kEP128 = std::ldexp(1.0, kE128);
const double kEM128 = std::ldexp(1.0, -kE128);

using matrix = std::vector<double>;  // row-major m x m

matrix matmul(const matrix& a, const matrix& b, int m) {
  matrix c(static_cast<std::size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i)
    for (int k = 0; k < m; ++k) {
      const double aik = a[i * m + k];
      if (aik == 0.0) continue;
      for (int j = 0; j < m; ++j) c[i * m + j] += aik * b[k * m + j];
    }
  return c;
}

// Pr(D_n <= d): Durbin's matrix, Marsaglia–Tsang–Wang's scaling (scipy _kolmogn_DMTW).
double kolmogorov_cdf_dmtw(std::int64_t n, double d) {
  if (d >= 1.0) return 1.0;
  const double nd = static_cast<double>(n) * d;
  if (nd <= 0.5) return 0.0;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;
  matrix H(static_cast<std::size_t>(m) * m, 0.0);
  std::vector<double> v(m), w(m);
  double fac = 1.0;
  for (int j = 1; j <= m; ++j) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1.0 - std::pow(h, j)) * fac;
  }
  const double tt = std::pow(std::max(2 * h - 1.0, 0.0), m) - 2 * std::pow(h, m);
  v[m - 1] = (1.0 + tt) * fac;
  for (int i = 1; i < m; ++i)
    for (int r = i - 1; r < m; ++r) H[r * m + i] = w[r - (i - 1)];
  for (int r = 0; r < m; ++r) H[r * m + 0] = v[r];
  for (int c = 0; c < m; ++c) H[(m - 1) * m + c] = v[m - 1 - c];

  matrix P(static_cast<std::size_t>(m) * m, 0.0);
  for (int i = 0; i < m; ++i) P[i * m + i] = 1.0;
  std::int64_t nn = n;
  long expnt = 0, hexpnt = 0;
  while (nn > 0) {
    if (nn % 2) {
      P = matmul(P, H, m);
      expnt += hexpnt;
    }
    H = matmul(H, H, m);
    hexpnt *= 2;
    if (std::abs(H[(k - 1) * m + (k - 1)]) > kEP128) {
      for (double& x : H) x /= kEP128;
      hexpnt += kE128;
    }
    nn /= 2;
  }
  double p = P[(k - 1) * m + (k - 1)];
  for (std::int64_t i = 1; i <= n; ++i) {
    p = static_cast<double>(i) * p / static_cast<double>(n);
    if (std::abs(p) < kEM128) {
      p *= kEP128;
      expnt -= kE128;
    }
  }
  if (expnt != 0) p = std::ldexp(p, static_cast<int>(expnt));
  return clip01(p);
}

// Pelz–Good asymptotic series for Pr(D_n <= x) (scipy _kolmogn_PelzGood).
double kolmogorov_cdf_pelz_good(std::int64_t n, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double z = std::sqrt(static_cast<double>(n)) * x;
  const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2;
  const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
  const double qlog = -pi2 / 8 / z2;
  if (qlog < -708) return 0.0;
  double q = std::exp(qlog);
  const double k1a = -z2, k1b = pi2 / 4;
  const double k2a = 6 * z6 + 2 * z4, k2b = (2 * z4 - 5 * z2) * pi2 / 4, k2c = pi4 * (1 - 2 * z2) / 16;
  const double k3d = pi6 * (5 - 30 * z2) / 64, k3c = pi4 * (-60 * z2 + 212 * z4) / 16,
               k3b = pi2 * (135 * z4 - 96 * z6) / 4, k3a = -30 * z6 - 90 * std::pow(z, 8);
  double K[4] = {0, 0, 0, 0};
  const int maxk = static_cast<int>(std::ceil(16 * z / kPi));
  for (int k = maxk; k >= 1; --k) {
    const double mm = 2.0 * k - 1, m2 = mm * mm, m4 = m2 * m2, m6 = m4 * m2;
    const double qp = std::pow(q, 8.0 * k);
    const double c[4] = {1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6};
    for (int t = 0; t < 4; ++t) K[t] = K[t] * qp + c[t];
  }
  const double sqrt2pi = std::sqrt(2 * kPi);
  const double div[4] = {z, 6 * z4, 72 * std::pow(z, 7), 6480 * std::pow(z, 10)};
  for (int t = 0; t < 4; ++t) K[t] = K[t] * q * sqrt2pi / div[t];
  q = std::exp(-pi2 / 2 / z2);
  double k2extra = 0, k3extra = 0;
  const double sqrt3z = std::sqrt(3.0) * z;
  for (int k = maxk; k >= 1; --k) {
    const double ks2 = static_cast<double>(k) * k, kspi = kPi * k, qp = std::pow(q, ks2);
    k2extra += ks2 * qp;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks2 * qp;
  }
  K[2] += k2extra * pi2 * sqrt2pi / (-36 * z3);
  K[3] += k3extra * pi2 * sqrt2pi / (216 * z6);
  const double nd = static_cast<double>(n);
  return K[0] + K[1] / std::sqrt(nd) + K[2] / nd + K[3] / (nd * std::sqrt(nd));
}

}  // namespace

std::optional<double> ks_2samp_exact_p(std::int64_t n1, std::int64_t n2, double d) {
  if (n1 <= 0 || n2 <= 0) bad("ks: empty sample");
  const std::int64_t g = std::gcd(n1, n2);
  const std::int64_t lcm = (n1 / g) * n2;
  const auto h = static_cast<std::int64_t>(std::nearbyint(d * static_cast<double>(lcm)));
  if (h == 0) return 1.0;
  const double p = n1 == n2 ? prob_outside_square(n1, h) : outer_prob_inside(n1, n2, g, h).value_or(kNaN);
  if (!std::isfinite(p) || p < 0 || p > 1) return std::nullopt;
  return p;
}

double smirnov_sf(std::int64_t n, double d) {
  if (n <= 0) bad("smirnov: n must be positive");
  if (std::isnan(d)) return kNaN;
  if (d <= 0) return 1.0;
  if (d >= 1) return 0.0;
  const double nd = static_cast<double>(n);
  const auto jmax = static_cast<std::int64_t>(std::floor(nd * (1.0 - d)));
  double sum = 0, logc = 0;  // log C(n, j)
  for (std::int64_t j = 0; j <= jmax; ++j) {
    if (j > 0) logc += std::log((nd - static_cast<double>(j - 1)) / static_cast<double>(j));
    const double rest = ((nd - static_cast<double>(j)) - nd * d) / nd;  // 1 − d − j/n
    if (rest <= 0) continue;
    const double at = d + static_cast<double>(j) / nd;
    const double lt = logc + static_cast<double>(j - 1) * std::log(at) + (nd - static_cast<double>(j)) * std::log(rest);
    sum += std::exp(lt);
  }
  return clip01(d * sum);
}

double kolmogorov_sf(double x, std::int64_t n) {
  if (n <= 0) bad("kolmogorov_sf: n must be positive");
  if (std::isnan(x)) return kNaN;
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const double nd = static_cast<double>(n);
  const double t = nd * x;
  if (t <= 1.0) {  // Ruben–Gambino
    if (t <= 0.5) return 1.0;
    double prob;
    if (n <= 140) {
      prob = 1.0;
      for (std::int64_t i = 1; i <= n; ++i) prob *= static_cast<double>(i) / nd * (2 * t - 1);
    } else {
      prob = std::exp(std::lgamma(nd + 1) - nd * std::log(nd) + nd * std::log(2 * t - 1));
    }
    return clip01(1.0 - prob);
  }
  if (t >= nd - 1) return clip01(2 * std::pow(1.0 - x, nd));  // Ruben–Gambino
  if (x >= 0.5) return clip01(2 * smirnov_sf(n, x));
  const double nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clip01(1.0 - kolmogorov_cdf_dmtw(n, x));  // scipy: DMTW / Pomeranz
    return clip01(2 * smirnov_sf(n, x));                         // Miller's approximation
  }
  if (nx2 >= 370.0) return 0.0;
  if (nx2 >= 2.2) return clip01(2 * smirnov_sf(n, x));
  double cdf;
  if (nx2 >= 18.0)
    cdf = 1.0;
  else if (n <= 100000 && nd * std::pow(x, 1.5) <= 1.4)
    cdf = kolmogorov_cdf_dmtw(n, x);
  else
    cdf = kolmogorov_cdf_pelz_good(n, x);
  return clip01(1.0 - cdf);
}

double gamma_q(double a, double x) {
  if (!(a > 0) || std::isnan(x) || x < 0) bad("gamma_q: needs a > 0 and x >= 0");
  if (x == 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  const double lnpre = -x + a * std::log(x) - std::lgamma(a);
  constexpr double eps = 1e-16;
  if (x < a + 1) {  // series for P(a, x), Numerical Recipes' gser
    double ap = a, del = 1.0 / a, sum = del;
    for (int n = 0; n < 1000000; ++n) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (std::abs(del) < std::abs(sum) * eps) break;
    }
    return clip01(1.0 - sum * std::exp(lnpre));
  }
  // continued fraction for Q(a, x), modified Lentz (Numerical Recipes' gcf)
  constexpr double fpmin = 1e-300;
  double b = x + 1 - a, c = 1 / fpmin, d = 1 / b, h = d;
  for (int i = 1; i < 1000000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < fpmin) d = fpmin;
    c = b + an / c;
    if (std::abs(c) < fpmin) c = fpmin;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::abs(del - 1) < eps) break;
  }
  return clip01(std::exp(lnpre) * h);
}

double chi2_sf(double x, double dof) {
  if (!(dof > 0)) bad("chi2_sf: dof must be positive");
  if (std::isnan(x)) return kNaN;
  if (x <= 0) return 1.0;
  return gamma_q(dof / 2, x / 2);
}

double normal_two_sided_p(double z) { return std::erfc(std::abs(z) / std::sqrt(2.0)); }

}  // namespace tracker::drift
