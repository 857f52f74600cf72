// tracker/significance.hpp — is the difference between two runs signal or noise?
//
//   #include <tracker/significance.hpp>
//   namespace sig = tracker::significance;
//
//   // 1. Per-sample predictions of both runs on the same validation set (metrics::predictions,
//   //    logged by the LibTorch evaluator as "val/predictions").
//   metrics::predictions a = ..., b = ...;
//
//   // 2. Paired comparison: McNemar on accuracy, paired bootstrap CIs of B − A for accuracy,
//   //    macro F1 and every per-class F1. Throws invalid_argument when a and b were not
//   //    computed on the same validation set (different labels, sizes, indices or targets).
//   sig::comparison c = sig::compare_paired(a, b, {.resamples = 10'000, .seed = 0});
//   for (const sig::metric_difference& m : c.metrics)
//     if (m.significant) ...  // m.name: "accuracy", "f1_macro", "f1/<label>"
//
//   // 3. Without per-sample data: Wilson intervals of each accuracy from the two confusion
//   //    matrices, and Newcombe's interval of the difference (unpaired, so conservative).
//   sig::comparison u = sig::compare_unpaired(cm_a, cm_b);
//
// Every function is pure computation (no I/O, no global state) and thread-safe. The bootstrap
// is seeded: the same inputs and seed give the same intervals, whatever the thread count and
// standard library (resample r draws from its own xoshiro256++ stream seeded by (seed, r);
// binomials use PyTorch's BTRS/inversion sampler, not std::binomial_distribution).
//
// Definitions (docs/metrics.md, "Significance", has the derivations):
//   * McNemar exact: with b = samples only A got right, c = samples only B got right, the
//     two-sided binomial test of min(b, c) in Binomial(b + c, 1/2), as scipy.stats.binomtest
//     computes it: p = min(1, 2 · P(X ≤ min(b, c))); p = 1 when b = c (including b = c = 0).
//   * mid-p: 2 · P(X ≤ min(b, c)) − P(X = min(b, c)) (Fagerland et al. 2013); 1 when b = c.
//   * chi-squared: (max(|b − c| − 1, 0))² / (b + c) with one degree of freedom (Edwards'
//     continuity correction); p = 1 when b + c = 0.
//   * paired bootstrap: resample the N samples with replacement (the same draw for A and B),
//     recompute each metric for both runs, take B − A; the 95% interval is the 2.5th and 97.5th
//     percentile (numpy's linear interpolation); p = min(1, 2 · (min(#differences ≤ 0,
//     #differences ≥ 0) + 1) / (resamples + 1)) — never below 2 / (resamples + 1). Resampling is
//     done exactly on the counts of (true, A's, B's) class triples (a multinomial draw), which is
//     what makes 1,000,000 samples × 10,000 resamples fast. Resamples run on options::threads
//     threads (default: one per core).
#pragma once

#include <tracker/metrics.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::significance {

// =============================================================================================
// [SECTION] Tests and intervals on counts
// =============================================================================================

enum class mcnemar_variant : std::uint8_t {
  exact = 0,  // "mcnemar_exact": two-sided binomial test on the discordant pairs (the default)
  mid_p = 1,  // "mcnemar_midp": exact minus the point probability; less conservative
  chi2 = 2,   // "mcnemar_chi2": chi-squared with continuity correction; for large counts
};

const char* to_string(
    mcnemar_variant v) noexcept;  // "mcnemar_exact", "mcnemar_midp", "mcnemar_chi2"
std::optional<mcnemar_variant> parse_mcnemar_variant(std::string_view s) noexcept;

// Two-sided p-value of scipy.stats.binomtest(k, n, 0.5). 1 for n = 0. Stable for n up to
// 2^53 (it sums the tail from its largest term with the pmf ratio, never a factorial).
double binomial_two_sided_p(std::int64_t k, std::int64_t n);

// McNemar's test. b: samples A classified right and B wrong; c: the other way round.
double mcnemar_p(std::int64_t b, std::int64_t c, mcnemar_variant v = mcnemar_variant::exact);

struct interval {
  double lo = 0;
  double hi = 0;
  friend bool operator==(const interval&, const interval&) = default;
};

// 1.959963984540054: the 97.5th percentile of the standard normal.
inline constexpr double z95 = 1.959963984540054;

// Wilson score interval of a proportion successes / n (statsmodels proportion_confint(method=
// "wilson")). n = 0 gives [0, 1].
interval wilson_interval(std::int64_t successes, std::int64_t n, double z = z95);
// Newcombe's hybrid score interval (his method 10) of p_b − p_a for two independent proportions,
// built from their Wilson intervals.
interval newcombe_difference(std::int64_t successes_a, std::int64_t n_a, std::int64_t successes_b,
                             std::int64_t n_b, double z = z95);

// =============================================================================================
// [SECTION] Comparing two runs
// =============================================================================================

struct options {
  mcnemar_variant test = mcnemar_variant::exact;  // for accuracy
  std::size_t resamples = 10'000;                 // paired bootstrap; 0 = no bootstrap
  std::uint64_t seed = 0;                         // the bootstrap's seed
  std::size_t threads =
      0;                // bootstrap threads; 0 = hardware concurrency (results do not depend on it)
  double alpha = 0.05;  // significant = p_value < alpha
};

// One metric of both runs.
struct metric_difference {
  std::string name;  // "accuracy", "f1_macro", "f1/<label>" (append to "<prefix>/" for a key)
  double a = 0;      // value for run A (the baseline)
  double b = 0;      // value for run B (the candidate)
  double diff = 0;   // b − a
  std::string test;  // "mcnemar_exact" | "mcnemar_midp" | "mcnemar_chi2" | "paired_bootstrap"
                     // | "wilson_unpaired"
  std::optional<double> p_value;   // empty for wilson_unpaired
  std::optional<interval> ci95;    // of b − a; empty when resamples = 0
  bool significant = false;        // p_value < alpha (unpaired: ci95 excludes 0)
  std::optional<interval> a_ci95;  // wilson_unpaired only: each accuracy's Wilson interval
  std::optional<interval> b_ci95;
};

struct comparison {
  bool paired = false;
  std::int64_t samples = 0;
  // Paired only: the 2×2 table of per-sample correctness.
  std::int64_t both_correct = 0, only_a_correct = 0, only_b_correct = 0, both_wrong = 0;
  std::vector<metric_difference> metrics;  // accuracy, f1_macro, then f1/<label> in label order

  const metric_difference* find(std::string_view name) const noexcept;
};

// Paired comparison of two runs' predictions on the same validation set. Throws
// tracker::error(invalid_argument) with a message saying what differs (labels, sample count,
// dataset indices, true labels) — a comparison across validation sets would be wrong, so it is
// refused. An empty validation set is refused too.
comparison compare_paired(const metrics::predictions& a, const metrics::predictions& b,
                          const options& o = {});

// The same on raw arrays (what the benchmark and tests call): true classes, A's and B's
// predictions, all of one length, classes in [0, labels.size()).
comparison compare_paired(std::span<const std::uint16_t> truth,
                          std::span<const std::uint16_t> pred_a,
                          std::span<const std::uint16_t> pred_b,
                          const std::vector<std::string>& labels, const options& o = {});

// Unpaired fallback from two confusion matrices: accuracy only, test "wilson_unpaired". Throws
// invalid_argument unless both have the same labels and the same per-class support (the same
// validation set, as far as the counts can tell).
comparison compare_unpaired(const metrics::confusion_matrix& a, const metrics::confusion_matrix& b,
                            const options& o = {});

}  // namespace tracker::significance
