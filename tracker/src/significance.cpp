// significance.cpp — see tracker/significance.hpp.
//
// [SECTION] index
//   tests and intervals on counts (binomial tail, McNemar variants, Wilson, Newcombe)
//   paired bootstrap on (true, A, B) class-triple counts
//   compare_paired / compare_unpaired
#include <tracker/significance.hpp>

#include <tracker/types.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <thread>

namespace tracker::significance {

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw tracker::error(error_code::invalid_argument, message);
}

// log P(X = k) for X ~ Binomial(n, 1/2).
double log_pmf_half(std::int64_t k, std::int64_t n) {
  const double nd = static_cast<double>(n), kd = static_cast<double>(k);
  return std::lgamma(nd + 1) - std::lgamma(kd + 1) - std::lgamma(nd - kd + 1) - nd * std::log(2.0);
}

// P(X <= k) / P(X = k) for k < n/2: the tail summed from its largest term down, with
// P(X = i-1) / P(X = i) = i / (n - i + 1); stops once the terms no longer change the sum.
double lower_tail_over_pmf(std::int64_t k, std::int64_t n) {
  double term = 1, sum = 1;
  for (std::int64_t i = k; i > 0; --i) {
    term *= static_cast<double>(i) / static_cast<double>(n - i + 1);
    sum += term;
    if (term < sum * 1e-18) break;
  }
  return sum;
}

}  // namespace

// =============================================================================================
// [SECTION] Tests and intervals on counts
// =============================================================================================

const char* to_string(mcnemar_variant v) noexcept {
  switch (v) {
    case mcnemar_variant::exact:
      return "mcnemar_exact";
    case mcnemar_variant::mid_p:
      return "mcnemar_midp";
    case mcnemar_variant::chi2:
      return "mcnemar_chi2";
  }
  return "mcnemar_exact";
}

std::optional<mcnemar_variant> parse_mcnemar_variant(std::string_view s) noexcept {
  if (s == "mcnemar_exact" || s == "exact") return mcnemar_variant::exact;
  if (s == "mcnemar_midp" || s == "midp" || s == "mid-p") return mcnemar_variant::mid_p;
  if (s == "mcnemar_chi2" || s == "chi2") return mcnemar_variant::chi2;
  return std::nullopt;
}

double binomial_two_sided_p(std::int64_t k, std::int64_t n) {
  if (n <= 0) return 1.0;
  if (k < 0 || k > n) return 0.0;
  const std::int64_t m = std::min(k, n - k);
  if (2 * m == n) return 1.0;  // k is the mode of a symmetric distribution
  // scipy: P(X <= m) + P(X >= n - m), the two tails being equal for p = 1/2.
  const double cdf = std::exp(log_pmf_half(m, n)) * lower_tail_over_pmf(m, n);
  return std::min(1.0, 2.0 * cdf);
}

double mcnemar_p(std::int64_t b, std::int64_t c, mcnemar_variant v) {
  const std::int64_t n = b + c;
  if (n <= 0 || b == c) return 1.0;
  switch (v) {
    case mcnemar_variant::exact:
      return binomial_two_sided_p(std::min(b, c), n);
    case mcnemar_variant::mid_p: {
      const std::int64_t m = std::min(b, c);
      const double pmf = std::exp(log_pmf_half(m, n));
      return std::clamp(pmf * (2.0 * lower_tail_over_pmf(m, n) - 1.0), 0.0, 1.0);
    }
    case mcnemar_variant::chi2: {
      const double d = std::max(std::fabs(static_cast<double>(b - c)) - 1.0, 0.0);
      const double x = d * d / static_cast<double>(n);
      return std::erfc(std::sqrt(x / 2.0));  // survival function of chi-squared with 1 dof
    }
  }
  return 1.0;
}

interval wilson_interval(std::int64_t successes, std::int64_t n, double z) {
  if (n <= 0) return {0.0, 1.0};
  const double nd = static_cast<double>(n);
  const double p = static_cast<double>(successes) / nd;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / nd;
  const double center = (p + z2 / (2.0 * nd)) / denom;
  const double half = z * std::sqrt(p * (1.0 - p) / nd + z2 / (4.0 * nd * nd)) / denom;
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

interval newcombe_difference(std::int64_t successes_a, std::int64_t n_a, std::int64_t successes_b,
                             std::int64_t n_b, double z) {
  const double pa = n_a > 0 ? static_cast<double>(successes_a) / static_cast<double>(n_a) : 0.0;
  const double pb = n_b > 0 ? static_cast<double>(successes_b) / static_cast<double>(n_b) : 0.0;
  const interval wa = wilson_interval(successes_a, n_a, z),
                 wb = wilson_interval(successes_b, n_b, z);
  const double d = pb - pa;
  return {d - std::sqrt((pb - wb.lo) * (pb - wb.lo) + (wa.hi - pa) * (wa.hi - pa)),
          d + std::sqrt((wb.hi - pb) * (wb.hi - pb) + (pa - wa.lo) * (pa - wa.lo))};
}

// =============================================================================================
// [SECTION] Paired bootstrap on class-triple counts
// =============================================================================================

namespace {

// Samples with the same (true class, A's prediction, B's prediction) are interchangeable for
// every metric here, so a bootstrap resample is fully described by how many of each triple it
// drew: a Multinomial(N, count_i / N) vector, drawn as a chain of binomials.
struct triple {
  std::uint32_t truth, a, b;
  std::int64_t count;
};

// Accuracy, macro F1 and per-class F1 of A and B from triple counts; out = [acc, macro, f1...]
// for each run. Scratch vectors are reused across resamples.
struct evaluator {
  std::size_t k;
  std::vector<std::int64_t> support, tp_a, pred_a, tp_b, pred_b;

  explicit evaluator(std::size_t classes)
      : k(classes),
        support(classes),
        tp_a(classes),
        pred_a(classes),
        tp_b(classes),
        pred_b(classes) {}

  void run(const std::vector<triple>& triples, const std::vector<std::int64_t>& counts,
           std::vector<double>& out_a, std::vector<double>& out_b) {
    std::fill(support.begin(), support.end(), 0);
    std::fill(tp_a.begin(), tp_a.end(), 0), std::fill(pred_a.begin(), pred_a.end(), 0);
    std::fill(tp_b.begin(), tp_b.end(), 0), std::fill(pred_b.begin(), pred_b.end(), 0);
    std::int64_t n = 0, correct_a = 0, correct_b = 0;
    for (std::size_t i = 0; i < triples.size(); ++i) {
      const std::int64_t x = counts[i];
      if (x == 0) continue;
      const triple& t = triples[i];
      n += x;
      support[t.truth] += x;
      pred_a[t.a] += x;
      pred_b[t.b] += x;
      if (t.a == t.truth) tp_a[t.truth] += x, correct_a += x;
      if (t.b == t.truth) tp_b[t.truth] += x, correct_b += x;
    }
    out_a.assign(2 + k, 0.0), out_b.assign(2 + k, 0.0);
    out_a[0] = n ? static_cast<double>(correct_a) / static_cast<double>(n) : 0.0;
    out_b[0] = n ? static_cast<double>(correct_b) / static_cast<double>(n) : 0.0;
    double sum_a = 0, sum_b = 0;
    for (std::size_t c = 0; c < k; ++c) {
      // metrics::compute_report's F1: 2 tp / (support + predicted), 0 when that is 0 / 0.
      const std::int64_t da = support[c] + pred_a[c], db = support[c] + pred_b[c];
      out_a[2 + c] = da ? 2.0 * static_cast<double>(tp_a[c]) / static_cast<double>(da) : 0.0;
      out_b[2 + c] = db ? 2.0 * static_cast<double>(tp_b[c]) / static_cast<double>(db) : 0.0;
      sum_a += out_a[2 + c], sum_b += out_b[2 + c];
    }
    out_a[1] = k ? sum_a / static_cast<double>(k) : 0.0;
    out_b[1] = k ? sum_b / static_cast<double>(k) : 0.0;
  }
};

// ---- binomial draws -----------------------------------------------------------------------------
// std::binomial_distribution costs ~400 ns per draw here (it rebuilds its tables for every new
// (n, p), which the chain below always has) and differs between standard libraries. This is
// PyTorch's sampler (aten/src/ATen/native/Distributions.h): Hörmann's BTRS transformed
// rejection for n·min(p, 1−p) >= 10, inversion by geometric waiting times below — exact for
// both, ~30 ns per draw, and the same numbers on every platform with IEEE doubles.

// xoshiro256++ (Blackman & Vigna), seeded through splitmix64: one independent stream per
// bootstrap resample (seed, resample index), so the result does not depend on how resamples
// are spread over threads.
class uniform01 {
 public:
  uniform01(std::uint64_t seed, std::uint64_t stream) {
    std::uint64_t x = seed ^ (stream * 0x9E3779B97F4A7C15ull);
    for (std::uint64_t& w : s_) {  // splitmix64
      std::uint64_t z = (x += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      w = z ^ (z >> 31);
    }
  }
  double operator()() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0], s_[3] ^= s_[1], s_[1] ^= s_[2], s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  std::uint64_t s_[4];
};

// log(k!) − Stirling's approximation of it, for BTRS.
double stirling_tail(double k) {
  static constexpr double table[] = {0.0810614667953272,  0.0413406959554092, 0.0276779256849983,
                                     0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                                     0.0118967099458917,  0.0104112652619720, 0.00925546218271273,
                                     0.00833056343336287};
  if (k <= 9) return table[static_cast<int>(k)];
  const double kp1sq = (k + 1) * (k + 1);
  return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

double binomial_btrs(double n, double p, uniform01& u) {
  const double spq = std::sqrt(n * p * (1 - p));
  const double b = 1.15 + 2.53 * spq;
  const double a = -0.0873 + 0.0248 * b + 0.01 * p;
  const double c = n * p + 0.5;
  const double v_r = 0.92 - 4.2 / b;
  const double log_r = std::log(p / (1 - p));
  const double alpha = (2.83 + 5.1 / b) * spq;
  const double m = std::floor((n + 1) * p);
  // The parts of Hörmann's bound that do not depend on k, computed once (the slow path then
  // needs 3 logarithms instead of 5).
  const double log_nm1 = std::log(n - m + 1);
  const double fixed = (m + 0.5) * (std::log(m + 1) - log_r - log_nm1) + (n + 1) * log_nm1 +
                       stirling_tail(m) + stirling_tail(n - m);
  for (;;) {
    const double uu = u() - 0.5;
    const double v = u();
    const double us = 0.5 - std::fabs(uu);
    const double k = std::floor((2 * a / us + b) * uu + c);
    if (k < 0 || k > n) continue;
    if (us >= 0.07 && v <= v_r) return k;
    const double log_nk1 = std::log(n - k + 1);
    const double bound = fixed - (n + 1) * log_nk1 +
                         (k + 0.5) * (log_r + log_nk1 - std::log(k + 1)) - stirling_tail(k) -
                         stirling_tail(n - k);
    if (std::log(v * alpha / (a / (us * us) + b)) <= bound) return k;
  }
}

double binomial_inversion(double n, double p, uniform01& u) {
  const double log_q = std::log1p(-p);
  double trials = 0, successes = 0;
  for (;;) {
    trials += std::ceil(std::log(u()) / log_q);  // waiting time to the next success
    if (trials > n) return successes;
    ++successes;
  }
}

std::int64_t binomial(std::int64_t count, double p, uniform01& u) {
  if (count <= 0 || p <= 0) return 0;
  if (p >= 1) return count;
  const double n = static_cast<double>(count);
  if (p <= 0.5)
    return static_cast<std::int64_t>(n * p >= 10 ? binomial_btrs(n, p, u)
                                                 : binomial_inversion(n, p, u));
  const double q = 1 - p;
  return count - static_cast<std::int64_t>(n * q >= 10 ? binomial_btrs(n, q, u)
                                                       : binomial_inversion(n, q, u));
}

// numpy.percentile(sorted, 100 q) with the default linear interpolation.
double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

std::vector<triple> count_triples(std::span<const std::uint16_t> truth,
                                  std::span<const std::uint16_t> pa,
                                  std::span<const std::uint16_t> pb, std::size_t k) {
  std::vector<triple> out;
  const std::size_t cells = k * k * k;
  if (cells <= (std::size_t{1} << 22)) {  // dense: up to 161 classes
    std::vector<std::int64_t> dense(cells, 0);
    for (std::size_t i = 0; i < truth.size(); ++i) ++dense[(truth[i] * k + pa[i]) * k + pb[i]];
    for (std::size_t c = 0; c < cells; ++c)
      if (dense[c])
        out.push_back({static_cast<std::uint32_t>(c / (k * k)),
                       static_cast<std::uint32_t>(c / k % k), static_cast<std::uint32_t>(c % k),
                       dense[c]});
  } else {
    std::map<std::uint64_t, std::int64_t> sparse;
    for (std::size_t i = 0; i < truth.size(); ++i)
      ++sparse[(std::uint64_t(truth[i]) * k + pa[i]) * k + pb[i]];
    for (const auto& [c, n] : sparse)
      out.push_back({static_cast<std::uint32_t>(c / (k * k)), static_cast<std::uint32_t>(c / k % k),
                     static_cast<std::uint32_t>(c % k), n});
  }
  return out;
}

// The two-sided normal critical value: P(|Z| > z) = alpha, by bisection on erfc.
double z_for_alpha(double alpha) {
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erfc(mid / std::sqrt(2.0)) > alpha ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace

// =============================================================================================
// [SECTION] compare_paired / compare_unpaired
// =============================================================================================

const metric_difference* comparison::find(std::string_view name) const noexcept {
  for (const metric_difference& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

comparison compare_paired(std::span<const std::uint16_t> truth,
                          std::span<const std::uint16_t> pred_a,
                          std::span<const std::uint16_t> pred_b,
                          const std::vector<std::string>& labels, const options& o) {
  const std::size_t n = truth.size(), k = labels.size();
  if (pred_a.size() != n || pred_b.size() != n)
    invalid("compare_paired: truth, pred_a and pred_b must have one entry per sample");
  if (n == 0) invalid("no samples to compare (the per-sample predictions are empty)");
  if (k == 0) invalid("compare_paired: no class labels");
  for (std::size_t i = 0; i < n; ++i)
    if (truth[i] >= k || pred_a[i] >= k || pred_b[i] >= k)
      invalid("compare_paired: sample " + std::to_string(i) + " has a class outside [0, " +
              std::to_string(k) + ")");

  comparison out;
  out.paired = true;
  out.samples = static_cast<std::int64_t>(n);
  const std::vector<triple> triples = count_triples(truth, pred_a, pred_b, k);
  for (const triple& t : triples) {
    const bool ra = t.a == t.truth, rb = t.b == t.truth;
    (ra && rb ? out.both_correct
     : ra     ? out.only_a_correct
     : rb     ? out.only_b_correct
              : out.both_wrong) += t.count;
  }

  evaluator ev(k);
  std::vector<std::int64_t> counts(triples.size());
  for (std::size_t i = 0; i < triples.size(); ++i) counts[i] = triples[i].count;
  std::vector<double> point_a, point_b;
  ev.run(triples, counts, point_a, point_b);

  // Bootstrap: diffs[m][r] = metric m of B minus A in resample r.
  const std::size_t metrics_n = 2 + k, r_n = o.resamples;
  std::vector<std::vector<double>> diffs(metrics_n, std::vector<double>(r_n));
  if (r_n > 0) {
    // Tail sums: the chain draws triple i from what is left after triples 0..i-1.
    std::vector<std::int64_t> rest(triples.size() + 1, 0);
    for (std::size_t i = triples.size(); i-- > 0;) rest[i] = rest[i + 1] + triples[i].count;
    // Resamples r = first, first + step, ...: each with its own stream, so any split over
    // threads gives the same numbers.
    auto work = [&](std::size_t first, std::size_t step) {
      evaluator wev(k);
      std::vector<std::int64_t> draw(triples.size());
      std::vector<double> ra, rb;
      for (std::size_t r = first; r < r_n; r += step) {
        uniform01 rng(o.seed, r);
        std::int64_t left = out.samples;
        for (std::size_t i = 0; i < triples.size(); ++i) {
          if (left == 0 || i + 1 == triples.size()) {
            draw[i] = left;
            left = 0;
            continue;
          }
          draw[i] = binomial(
              left, static_cast<double>(triples[i].count) / static_cast<double>(rest[i]), rng);
          left -= draw[i];
        }
        wev.run(triples, draw, ra, rb);
        for (std::size_t m = 0; m < metrics_n; ++m) diffs[m][r] = rb[m] - ra[m];
      }
    };
    std::size_t threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    // Threads only pay off for real work: ~1 µs per triple and resample.
    threads = std::min({threads, std::size_t{8}, 1 + triples.size() * r_n / 2'000'000});
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t, threads);
    work(0, threads);
    for (std::thread& t : pool) t.join();
  }

  for (std::size_t m = 0; m < metrics_n; ++m) {
    metric_difference d;
    d.name = m == 0 ? "accuracy" : m == 1 ? "f1_macro" : "f1/" + labels[m - 2];
    d.a = point_a[m], d.b = point_b[m], d.diff = point_b[m] - point_a[m];
    if (r_n > 0) {
      std::vector<double>& v = diffs[m];
      std::size_t le0 = 0, ge0 = 0;
      for (double x : v) le0 += x <= 0, ge0 += x >= 0;
      std::sort(v.begin(), v.end());
      d.ci95 = interval{percentile(v, 0.025), percentile(v, 0.975)};
      // Monte Carlo p-value with the +1 correction (Davison & Hinkley 1997): never 0, at least
      // 2 / (resamples + 1), since 10,000 resamples cannot show anything rarer.
      if (m > 0)
        d.p_value = std::min(
            1.0, 2.0 * static_cast<double>(std::min(le0, ge0) + 1) / static_cast<double>(r_n + 1));
    }
    if (m == 0) {
      d.test = to_string(o.test);
      d.p_value = mcnemar_p(out.only_a_correct, out.only_b_correct, o.test);
    } else {
      d.test = "paired_bootstrap";
    }
    d.significant = d.p_value && *d.p_value < o.alpha;
    out.metrics.push_back(std::move(d));
  }
  return out;
}

comparison compare_paired(const metrics::predictions& a, const metrics::predictions& b,
                          const options& o) {
  if (a.labels() != b.labels())
    invalid("the runs' predictions use different class labels (" + std::to_string(a.classes()) +
            " vs " + std::to_string(b.classes()) +
            " labels, or another order): not the same validation set");
  if (a.size() != b.size())
    invalid("different validation sets: A has predictions for " + std::to_string(a.size()) +
            " samples, B for " + std::to_string(b.size()) +
            "; a paired comparison needs the same samples");
  // Both in dataset-index order (objects read from the store already are).
  auto order = [](const metrics::predictions& p) {
    std::vector<std::size_t> idx(p.size());
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t x, std::size_t y) {
      return p.dataset_index()[x] < p.dataset_index()[y];
    });
    return idx;
  };
  const auto oa = order(a), ob = order(b);
  std::vector<std::uint16_t> truth(a.size()), pa(a.size()), pb(a.size());
  std::size_t mismatched = 0;
  std::int64_t first_mismatch = -1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::uint32_t ia = a.dataset_index()[oa[i]], ib = b.dataset_index()[ob[i]];
    if (ia != ib)
      invalid("different validation sets: the dataset indices differ (A's sample " +
              std::to_string(i) + " is index " + std::to_string(ia) + ", B's is " +
              std::to_string(ib) + ")");
    truth[i] = a.true_class()[oa[i]];
    if (b.true_class()[ob[i]] != truth[i]) {
      if (mismatched++ == 0) first_mismatch = ia;
    }
    pa[i] = a.predicted_class()[oa[i]];
    pb[i] = b.predicted_class()[ob[i]];
  }
  if (mismatched > 0)
    invalid("different validation sets: the true class differs at " + std::to_string(mismatched) +
            " of " + std::to_string(a.size()) + " samples (first at dataset index " +
            std::to_string(first_mismatch) +
            "); evaluate both runs on the same data in the same order");
  return compare_paired(truth, pa, pb, a.labels(), o);
}

comparison compare_unpaired(const metrics::confusion_matrix& a, const metrics::confusion_matrix& b,
                            const options& o) {
  if (a.labels() != b.labels())
    invalid("the runs' confusion matrices use different class labels: not the same validation set");
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::int64_t sa = 0, sb = 0;
    for (std::size_t j = 0; j < a.size(); ++j) sa += a.at(i, j), sb += b.at(i, j);
    if (sa != sb)
      invalid("different validation sets: class '" + a.labels()[i] + "' has " + std::to_string(sa) +
              " samples in A and " + std::to_string(sb) + " in B");
  }
  if (a.total() == 0) invalid("no samples to compare (the confusion matrices are empty)");
  comparison out;
  out.paired = false;
  out.samples = a.total();
  metric_difference d;
  d.name = "accuracy";
  d.a = static_cast<double>(a.correct()) / static_cast<double>(a.total());
  d.b = static_cast<double>(b.correct()) / static_cast<double>(b.total());
  d.diff = d.b - d.a;
  d.test = "wilson_unpaired";
  d.a_ci95 = wilson_interval(a.correct(), a.total());
  d.b_ci95 = wilson_interval(b.correct(), b.total());
  // At level alpha for the decision; the reported interval is always 95%.
  const double z = o.alpha > 0 && o.alpha < 1 ? z_for_alpha(o.alpha) : z95;
  d.ci95 = newcombe_difference(a.correct(), a.total(), b.correct(), b.total());
  const interval decide = newcombe_difference(a.correct(), a.total(), b.correct(), b.total(), z);
  d.significant = decide.lo > 0 || decide.hi < 0;
  out.metrics.push_back(std::move(d));
  return out;
}

}  // namespace tracker::significance
