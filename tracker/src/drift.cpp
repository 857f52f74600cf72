// drift.cpp — tracker/drift.hpp: drift statistics (scipy / Evidently definitions, own code).
#include <tracker/drift.hpp>
#include <tracker/types.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

#include <cstdlib>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tracker::drift {
namespace {

[[noreturn]] void bad(const std::string& what) { throw error(error_code::invalid_argument, "drift: " + what); }

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;

// ---- radix sort of doubles by their order-preserving bit pattern ----------------------------

inline std::uint64_t key_of(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
}
inline double value_of(std::uint64_t k) {
  std::uint64_t u = (k & 0x8000000000000000ull) ? (k & ~0x8000000000000000ull) : ~k;
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

using key_vector = std::vector<std::uint64_t, big_allocator<std::uint64_t>>;

// Sorts a[0..n) by bits [0, top) of the keys (the higher bits are equal within the range) with
// LSD passes of 11 bits, t[0..n) as scratch; the result ends in a.
void lsd_low_bits(std::uint64_t* a, std::uint64_t* t, std::size_t n, int top, std::vector<std::uint32_t>& hist) {
  constexpr int bits = 11;
  constexpr std::size_t B = std::size_t{1} << bits;
  constexpr std::uint64_t mask = B - 1;
  const int passes = (top + bits - 1) / bits;
  hist.assign(static_cast<std::size_t>(passes) * B, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (int p = 0; p < passes; ++p) ++hist[p * B + ((a[i] >> (bits * p)) & mask)];
  std::uint64_t *src = a, *dst = t;
  for (int p = 0; p < passes; ++p) {
    std::uint32_t* h = hist.data() + p * B;
    const int shift = bits * p;
    if (h[(src[0] >> shift) & mask] == n) continue;
    std::uint32_t sum = 0;
    for (std::size_t d = 0; d < B; ++d) {
      const std::uint32_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    for (std::size_t i = 0; i < n; ++i) dst[h[(src[i] >> shift) & mask]++] = src[i];
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(a, src, n * sizeof(std::uint64_t));
}

// Doubles: one MSD pass on the 11 highest bits that differ between the smallest and largest
// key (2,048 buckets), then each bucket — now small enough to stay in cache — sorted on its
// remaining bits (std::sort up to 256 keys, LSD above). One pass over memory instead of five:
// 30% faster than the plain LSD sort on normal data, equal on uniform data.
value_vector msd_sorted_finite(std::span<const double> values, std::int64_t& missing) {
  key_vector keys(values.size());
  std::size_t n = 0;
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (double v : values) {
    if (!std::isfinite(v)) {
      ++missing;
      continue;
    }
    const std::uint64_t k = key_of(v == 0.0 ? 0.0 : v);  // -0 sorts and compares as +0
    keys[n++] = k;
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  value_vector out(n);
  if (n == 0) return out;
  if (lo == hi) {
    std::fill(out.begin(), out.end(), value_of(lo));
    return out;
  }
  const int high_bit = 63 - __builtin_clzll(lo ^ hi);
  const int shift = std::max(high_bit - 10, 0);
  constexpr std::size_t B = 2048;
  std::vector<std::uint32_t> start(B + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[((keys[i] >> shift) & (B - 1)) + 1];
  for (std::size_t d = 0; d < B; ++d) start[d + 1] += start[d];
  std::vector<std::uint32_t> pos(start.begin(), start.end() - 1);
  key_vector tmp(n);
  for (std::size_t i = 0; i < n; ++i) tmp[pos[(keys[i] >> shift) & (B - 1)]++] = keys[i];
  std::vector<std::uint32_t> hist;
  for (std::size_t d = 0; d < B; ++d) {
    const std::size_t a = start[d], m = start[d + 1] - a;
    if (m >= 2 && shift > 0) {
      if (m <= 256)
        std::sort(tmp.data() + a, tmp.data() + a + m);
      else
        lsd_low_bits(tmp.data() + a, keys.data() + a, m, shift, hist);
    }
    for (std::size_t i = a; i < a + m; ++i) out[i] = value_of(tmp[i]);  // while the bucket is in cache
  }
  return out;
}

// ---- small helpers ---------------------------------------------------------------------------

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}
std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

double clip01(double p) { return std::isnan(p) ? p : std::min(1.0, std::max(0.0, p)); }

void check_sorted_input(std::span<const double> a, const char* what) {
  if (a.empty()) bad(std::string(what) + ": empty sample");
  if (!std::isfinite(a.front()) || !std::isfinite(a.back())) bad(std::string(what) + ": non-finite value");
}

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

// ---- categories ------------------------------------------------------------------------------

// Aligned counts over the union of categories (sorted), for categorical or numeric columns.
struct aligned_counts {
  std::vector<std::int64_t> ref, cur;
};

aligned_counts align_categorical(const prepared_column& r, const prepared_column& c) {
  aligned_counts out;
  auto i = r.counts.begin(), j = c.counts.begin();
  while (i != r.counts.end() || j != c.counts.end()) {
    if (j == c.counts.end() || (i != r.counts.end() && i->first < j->first)) {
      out.ref.push_back(i->second), out.cur.push_back(0), ++i;
    } else if (i == r.counts.end() || j->first < i->first) {
      out.ref.push_back(0), out.cur.push_back(j->second), ++j;
    } else {
      out.ref.push_back(i->second), out.cur.push_back(j->second), ++i, ++j;
    }
  }
  return out;
}

aligned_counts align_numeric(std::span<const double> a, std::span<const double> b) {
  aligned_counts out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const double x = (j >= b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    std::int64_t ca = 0, cb = 0;
    while (i < a.size() && a[i] == x) ++i, ++ca;
    while (j < b.size() && b[j] == x) ++j, ++cb;
    out.ref.push_back(ca);
    out.cur.push_back(cb);
  }
  return out;
}

aligned_counts align(const prepared_column& r, const prepared_column& c) {
  return r.type == feature_type::categorical ? align_categorical(r, c) : align_numeric(r.sorted, c.sorted);
}

// Distinct values of reference ∪ current, counted up to `cap` (numeric) or exactly (categorical).
std::int64_t distinct_union(const prepared_column& r, const prepared_column& c, std::int64_t cap) {
  if (r.type == feature_type::categorical) {
    std::int64_t n = static_cast<std::int64_t>(r.counts.size());
    for (const auto& [k, v] : c.counts)
      if (!r.counts.contains(k)) ++n;
    return n;
  }
  std::span<const double> a = r.sorted, b = c.sorted;
  std::size_t i = 0, j = 0;
  std::int64_t n = 0;
  while ((i < a.size() || j < b.size()) && n < cap) {
    const double x = (j >= b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    ++n;
    i = static_cast<std::size_t>(std::upper_bound(a.begin() + i, a.end(), x) - a.begin());
    j = static_cast<std::size_t>(std::upper_bound(b.begin() + j, b.end(), x) - b.begin());
  }
  return n;
}

// Evidently's numeric binning for Jensen–Shannon: 30 equal-width bins over reference ∪ current.
aligned_counts equal_width_bins(std::span<const double> a, std::span<const double> b, int bins) {
  double lo = std::min(a.front(), b.front()), hi = std::max(a.back(), b.back());
  if (lo == hi) lo -= 0.5, hi += 0.5;  // numpy.histogram_bin_edges with an empty range
  aligned_counts out;
  out.ref.assign(bins, 0);
  out.cur.assign(bins, 0);
  auto fill = [&](std::span<const double> s, std::vector<std::int64_t>& counts) {
    std::size_t prev = 0;
    for (int i = 1; i <= bins; ++i) {
      std::size_t pos = s.size();
      if (i < bins) {
        const double edge = lo + (hi - lo) * i / bins;
        pos = static_cast<std::size_t>(std::lower_bound(s.begin(), s.end(), edge) - s.begin());
      }
      counts[i - 1] = static_cast<std::int64_t>(pos - prev);
      prev = pos;
    }
  };
  fill(a, out.ref);
  fill(b, out.cur);
  return out;
}

std::vector<double> to_double(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

// =============================================================================================
// Storage
// =============================================================================================

namespace {
constexpr std::size_t kBigBlock = std::size_t{1} << 20;  // 1 MiB: from here on, huge pages
constexpr std::size_t kHugePage = std::size_t{2} << 20;  // 2 MiB
}  // namespace

void* big_allocate(std::size_t bytes) {
  if (bytes < kBigBlock) return ::operator new(bytes);
  const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, size);
  if (!p) throw std::bad_alloc();
#if defined(__linux__)
  ::madvise(p, size, MADV_HUGEPAGE);  // a hint: failure (THP disabled) only costs speed
#endif
  return p;
}

void big_deallocate(void* p, std::size_t bytes) noexcept {
  if (bytes < kBigBlock)
    ::operator delete(p);
  else
    std::free(p);
}

// =============================================================================================
// Names
// =============================================================================================

const char* to_string(feature_type t) noexcept { return t == feature_type::numeric ? "numeric" : "categorical"; }

const char* to_string(test_kind t) noexcept {
  switch (t) {
    case test_kind::ks: return "ks";
    case test_kind::chi_squared: return "chi_squared";
    case test_kind::z_test: return "z_test";
    case test_kind::wasserstein: return "wasserstein";
    case test_kind::jensen_shannon: return "jensen_shannon";
    case test_kind::psi: return "psi";
  }
  return "?";
}

std::optional<feature_type> parse_feature_type(std::string_view s) noexcept {
  if (s == "numeric") return feature_type::numeric;
  if (s == "categorical") return feature_type::categorical;
  return std::nullopt;
}

std::optional<test_kind> parse_test_kind(std::string_view s) noexcept {
  for (test_kind t : {test_kind::ks, test_kind::chi_squared, test_kind::z_test, test_kind::wasserstein,
                      test_kind::jensen_shannon, test_kind::psi})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

bool has_p_value(test_kind t) noexcept {
  return t == test_kind::ks || t == test_kind::chi_squared || t == test_kind::z_test;
}

double default_threshold(test_kind t) noexcept { return has_p_value(t) ? 0.05 : 0.1; }

bool is_drift(test_kind t, double v, double threshold) noexcept {
  switch (t) {
    case test_kind::ks: return v <= threshold;
    case test_kind::chi_squared:
    case test_kind::z_test: return v < threshold;
    default: return v >= threshold;
  }
}

// =============================================================================================
// Statistics
// =============================================================================================

value_vector sorted_finite(std::span<const double> values, std::int64_t* missing) {
  std::int64_t miss = 0;
  value_vector out;
  if (values.size() >= 1024) {
    out = msd_sorted_finite(values, miss);
  } else {
    out.reserve(values.size());
    for (double v : values) {
      if (std::isfinite(v))
        out.push_back(v == 0.0 ? 0.0 : v);
      else
        ++miss;
    }
    std::sort(out.begin(), out.end());
  }
  if (missing) *missing = miss;
  return out;
}

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

// =============================================================================================
// Columns and reports
// =============================================================================================

namespace {
prepared_column prepare_impl(const column_view& c, bool stats);
}

prepared_column prepare(const column_view& c) { return prepare_impl(c, true); }

namespace {
// stats = false skips the mean / std pass: compute_report never reads them for the current side.
prepared_column prepare_impl(const column_view& c, bool stats) {
  prepared_column p;
  p.type = c.type;
  if (c.type == feature_type::numeric) {
    p.sorted = sorted_finite(c.numbers, &p.missing);
    p.rows = static_cast<std::int64_t>(p.sorted.size());
    if (stats && p.rows > 0) {
      // One pass, shifted by the median so the sum of squares does not cancel catastrophically:
      // var = (Σ(x−s)² − (Σ(x−s))²/n) / n.
      const double shift = p.sorted[p.sorted.size() / 2];
      double s1 = 0, s2 = 0;
      for (double v : p.sorted) {
        const double d = v - shift;
        s1 += d;
        s2 += d * d;
      }
      const double n = static_cast<double>(p.rows);
      p.mean = shift + s1 / n;
      p.std = std::sqrt(std::max(0.0, (s2 - s1 * s1 / n) / n));
    }
  } else {
    for (const std::string& s : c.categories) {
      if (s.empty()) {
        ++p.missing;
        continue;
      }
      auto it = p.counts.find(s);
      if (it == p.counts.end())
        p.counts.emplace(s, 1);
      else
        ++it->second;
      ++p.rows;
    }
  }
  return p;
}

}  // namespace

test_kind default_test(const prepared_column& r, const prepared_column& c, const options& opts) {
  if (r.type != c.type) bad("reference and current columns have different types");
  const std::int64_t n_values = distinct_union(r, c, 6);
  const bool few = r.type == feature_type::categorical || n_values <= 5;
  if (r.rows <= opts.small_reference_rows) {
    if (!few) return test_kind::ks;
    return n_values > 2 ? test_kind::chi_squared : test_kind::z_test;
  }
  return few ? test_kind::jensen_shannon : test_kind::wasserstein;
}

feature_result test_feature(std::string name, const prepared_column& r, const prepared_column& c,
                            const options& opts) {
  if (r.type != c.type) bad("feature '" + name + "': reference and current columns have different types");
  feature_result f;
  f.type = r.type;
  f.test = default_test(r, c, opts);
  f.threshold = default_threshold(f.test);
  if (auto it = opts.per_feature.find(name); it != opts.per_feature.end()) {
    if (it->second.test) {
      f.test = *it->second.test;
      f.threshold = default_threshold(f.test);
    }
    if (it->second.threshold) {
      if (!std::isfinite(*it->second.threshold)) bad("feature '" + name + "': threshold must be finite");
      f.threshold = *it->second.threshold;
    }
  }
  if (r.type == feature_type::categorical && (f.test == test_kind::ks || f.test == test_kind::wasserstein))
    bad("feature '" + name + "': " + to_string(f.test) + " needs a numeric column");
  f.name = std::move(name);
  f.reference_rows = r.rows;
  f.current_rows = c.rows;
  f.reference_missing = r.missing;
  f.current_missing = c.missing;
  f.unique_values = distinct_union(r, c, r.type == feature_type::numeric ? 6 : std::numeric_limits<std::int64_t>::max());
  if (r.rows == 0 || c.rows == 0) {
    f.tested = false;
    f.statistic = kNaN;
    f.note = r.rows == 0 ? "empty reference" : "empty current";
    return f;
  }
  switch (f.test) {
    case test_kind::ks: {
      const ks_result k = ks_2samp_sorted(r.sorted, c.sorted);
      f.statistic = k.statistic;
      f.p_value = k.p_value;
      f.exact = k.exact;
      break;
    }
    case test_kind::chi_squared: {
      const aligned_counts a = align(r, c);
      const chi2_result x = chi_squared(a.ref, a.cur);
      f.statistic = x.statistic;
      f.p_value = x.p_value;
      break;
    }
    case test_kind::z_test: {
      const aligned_counts a = align(r, c);
      if (a.ref.size() > 2)
        bad("feature '" + f.name + "': z_test needs at most 2 distinct values, found " + std::to_string(a.ref.size()));
      const z_result z = two_proportion_z(a.ref[0], r.rows, a.cur[0], c.rows);
      f.statistic = z.statistic;
      f.p_value = z.p_value;
      break;
    }
    case test_kind::wasserstein:
      f.statistic = wasserstein_distance_sorted(r.sorted, c.sorted) / std::max(r.std, opts.wasserstein_min_std);
      break;
    case test_kind::jensen_shannon: {
      const bool binned = r.type == feature_type::numeric && f.unique_values > 5;
      const aligned_counts a = binned ? equal_width_bins(r.sorted, c.sorted, 30) : align(r, c);
      f.statistic = jensen_shannon_distance(to_double(a.ref), to_double(a.cur));
      break;
    }
    case test_kind::psi:
      if (r.type == feature_type::numeric) {
        f.statistic = psi_sorted(r.sorted, c.sorted, opts.psi_bins, opts.psi_epsilon);
      } else {
        const aligned_counts a = align(r, c);
        f.statistic = psi_from_counts(a.ref, a.cur, opts.psi_epsilon);
      }
      break;
  }
  f.drifted = is_drift(f.test, f.p_value ? *f.p_value : f.statistic, f.threshold);
  return f;
}

nlohmann::json feature_result::to_json() const {
  nlohmann::json j;
  j["name"] = name;
  j["type"] = to_string(type);
  j["test"] = to_string(test);
  if (std::isnan(statistic))
    j["statistic"] = nullptr;
  else if (std::isinf(statistic))
    j["statistic"] = statistic > 0 ? "Infinity" : "-Infinity";
  else
    j["statistic"] = statistic;
  j["p_value"] = p_value ? nlohmann::json(*p_value) : nlohmann::json(nullptr);
  j["threshold"] = threshold;
  j["drifted"] = drifted;
  j["reference_rows"] = reference_rows;
  j["current_rows"] = current_rows;
  j["reference_missing"] = reference_missing;
  j["current_missing"] = current_missing;
  if (!note.empty()) j["note"] = note;
  return j;
}

drift_report make_report(std::vector<feature_result> features, double drift_share_threshold) {
  if (!std::isfinite(drift_share_threshold)) bad("drift_share_threshold must be finite");
  drift_report r;
  r.features = std::move(features);
  r.drift_share_threshold = drift_share_threshold;
  for (const feature_result& f : r.features) {
    r.tested += f.tested ? 1 : 0;
    r.drifted += f.tested && f.drifted ? 1 : 0;
  }
  r.drift_share = r.tested > 0 ? static_cast<double>(r.drifted) / static_cast<double>(r.tested) : 0.0;
  r.dataset_drift = r.tested > 0 && r.drift_share >= drift_share_threshold;
  return r;
}

drift_report compute_report(std::span<const feature_input> features, const options& opts) {
  std::set<std::string_view> names;
  for (const feature_input& f : features) {
    if (f.name.empty()) bad("a feature needs a name");
    if (!names.insert(f.name).second) bad("feature '" + f.name + "' given twice");
    if (f.reference.type != f.current.type) bad("feature '" + f.name + "': reference and current types differ");
  }
  if (opts.threads < 0) bad("threads must be >= 0");
  std::vector<feature_result> results(features.size());
  auto one = [&](std::size_t i) {
    const prepared_column r = prepare(features[i].reference);
    const prepared_column c = prepare_impl(features[i].current, false);  // its mean/std are unused
    results[i] = test_feature(features[i].name, r, c, opts);
  };
  std::size_t threads = opts.threads == 0 ? std::max(1u, std::thread::hardware_concurrency())
                                          : static_cast<std::size_t>(opts.threads);
  threads = std::min(threads, features.size());
  if (threads <= 1) {
    for (std::size_t i = 0; i < features.size(); ++i) one(i);
  } else {
    // Workers take the next feature index; the first exception is rethrown after the join.
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto work = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < features.size();) {
        try {
          one(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
  }
  return make_report(std::move(results), opts.drift_share_threshold);
}

nlohmann::json drift_report::to_json() const {
  nlohmann::json j;
  j["dataset_drift"] = dataset_drift;
  j["drift_share"] = drift_share;
  j["drift_share_threshold"] = drift_share_threshold;
  j["number_of_features"] = features.size();
  j["number_of_tested_features"] = tested;
  j["number_of_drifted_features"] = drifted;
  nlohmann::json arr = nlohmann::json::array();
  for (const feature_result& f : features) arr.push_back(f.to_json());
  j["features"] = std::move(arr);
  return j;
}

}  // namespace tracker::drift
