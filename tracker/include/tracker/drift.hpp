// tracker/drift.hpp — data drift between a reference (what training saw) and production data,
// per feature and for the whole dataset, with the tests and defaults Evidently uses.
//
//   #include <tracker/drift.hpp>
//   namespace drift = tracker::drift;
//
//   // 1. Columns: numbers (NaN and ±Inf are missing) or category strings ("" is missing).
//   //    Views only: the caller owns the data, nothing is copied until prepare().
//   std::vector<double> ref_brightness = ..., cur_brightness = ...;
//   std::vector<std::string> ref_source = ..., cur_source = ...;
//
//   // 2. One call for a whole report (the test for each feature is chosen as Evidently does) ...
//   std::vector<drift::feature_input> in = {
//       {"brightness", drift::column_view::numeric(ref_brightness), drift::column_view::numeric(cur_brightness)},
//       {"source", drift::column_view::categorical(ref_source), drift::column_view::categorical(cur_source)}};
//   drift::options opts;                                     // drift_share_threshold = 0.5, ...
//   opts.per_feature["source"] = {.test = drift::test_kind::psi, .threshold = 0.2};  // overrides
//   drift::drift_report r = drift::compute_report(in, opts);
//   if (r.dataset_drift) ...;  nlohmann::json j = r.to_json();
//
//   // 3. ... or prepare the reference once (sorts it, counts categories) and test many windows.
//   drift::prepared_column ref = drift::prepare(drift::column_view::numeric(ref_brightness));
//   drift::prepared_column cur = drift::prepare(drift::column_view::numeric(cur_brightness));
//   drift::feature_result f = drift::test_feature("brightness", ref, cur);
//
//   // 4. The statistics themselves, for other callers (all pure functions):
//   drift::ks_result ks = drift::ks_2samp(a, b);             // scipy.stats.ks_2samp(a, b)
//   double p = drift::chi2_sf(3.84, 1);                      // scipy.stats.chi2.sf(3.84, 1)
//
// Everything here is pure computation on values: no I/O, no global state, thread-safe. Errors
// (a test that cannot apply to the column type, a non-finite or out-of-range option) throw
// tracker::error(invalid_argument).
//
// ---------------------------------------------------------------------------------------------
// Test selection (Evidently's get_stattest defaults; evidently/calculations/stattests/registry.py)
// ---------------------------------------------------------------------------------------------
//   n_ref    = non-missing reference rows;  n_values = distinct non-missing values in reference
//              ∪ current (pandas nunique over the concatenation).
//   n_ref <= options::small_reference_rows (1,000):
//     numeric, n_values > 5           → ks           drift when p <= 0.05
//     categorical, or numeric with n_values <= 5:
//              n_values > 2           → chi_squared  drift when p <  0.05
//              n_values <= 2          → z_test       drift when p <  0.05
//   n_ref > 1,000:
//     numeric, n_values > 5           → wasserstein  drift when distance / std >= 0.1
//     categorical, or numeric with n_values <= 5
//                                     → jensen_shannon  drift when distance >= 0.1
//   psi only on request (options::per_feature), drift when PSI >= 0.1.
//   Per feature, options::per_feature[name] replaces the test, the threshold, or both (the
//   threshold keeps the test's comparison: <= for ks, < for chi_squared and z_test, >= for the
//   distances). Numeric columns with <= 5 distinct values are tested as categories: each
//   distinct value is one category (Evidently bins them into 30 equal-width bins for
//   Jensen–Shannon, which gives the same result unless two values share a bin).
//   Dataset drift: drifted features / tested features >= options::drift_share_threshold (0.5).
//
// ---------------------------------------------------------------------------------------------
// The tests (statistic; p-value; source followed)
// ---------------------------------------------------------------------------------------------
//   ks — two-sample Kolmogorov–Smirnov, scipy.stats.ks_2samp(ref, cur, method='auto').
//     D = max over all observed values x of |F_ref(x) − F_cur(x)|, both ECDFs right-continuous
//     (scipy: searchsorted(..., side='right') on the concatenation), so tied values — within a
//     sample or across the two — are stepped over together before comparing.
//     p-value, scipy's rule exactly: exact when max(n1, n2) <= 10,000 (scipy's MAX_AUTO_N; in
//     'auto' mode scipy does NOT test n1·n2 — that lcm check only applies to method='exact'),
//     otherwise asymptotic. Exact: h = round(D · lcm(n1, n2)), D := h / lcm; h = 0 → p = 1;
//     n1 = n2 → the alternating-binomial sum of _compute_prob_outside_square; n1 ≠ n2 →
//     Hodges' inside method computing 1 − p directly (Viehmann 2021), as scipy's
//     _compute_outer_prob_inside_method. If that yields a non-finite value or one outside [0, 1]
//     scipy falls back to asymptotic, and so do we. Asymptotic: en = n1·n2 / (n1 + n2),
//     p = kstwo.sf(D, round(en)) — the exact one-sample Kolmogorov distribution of
//     Simard & L'Ecuyer (2011) as scipy's _kolmogn(cdf=False) dispatches it: Ruben–Gambino
//     closed forms for n·D <= 1 and n·D >= n − 1, 2·smirnov(n, D) (one-sided Birnbaum–Tingey
//     sum) for D >= 0.5, for n·D² >= 2.2 (n > 140) or n·D² > 4 (n <= 140), Durbin's matrix
//     (Marsaglia–Tsang–Wang) for n <= 140 or n <= 100,000 with n·D^1.5 <= 1.4, Pelz–Good's
//     asymptotic series otherwise; 0 for n·D² >= 370 (n > 140). One deliberate difference:
//     where scipy uses Pomeranz's recursion (n <= 140, 0.754693 < n·D² <= 4) we use the Durbin
//     matrix — both are exact, so results agree to rounding. round() is half-to-even (numpy).
//   chi_squared — Pearson's chi-squared of current counts against reference proportions,
//     Evidently's chisquare stattest: categories = union of reference and current values;
//     expected_i = ref_count_i · n_cur / n_ref; statistic = Σ (cur_i − expected_i)² / expected_i;
//     dof = categories − 1; p = Q(dof/2, statistic/2), Q the regularized upper incomplete gamma
//     function (Numerical Recipes' gser/gcf: series for x < a + 1, Lentz continued fraction
//     otherwise). A category seen in current but never in reference has expected 0: statistic
//     +∞ and p = 0 (scipy.stats.chisquare gives inf and 0), so it always drifts. One category
//     only (dof 0): statistic 0, p = 1.
//   z_test — two-proportion z-test, Evidently's z_stat_test: with the first category (in sorted
//     order) as "success", p1 = ref share, p2 = cur share, P = pooled share,
//     z = (p1 − p2) / sqrt(P (1 − P) (1/n_ref + 1/n_cur)), p = erfc(|z| / √2) (= 2·(1 − Φ(|z|))).
//     One value overall, or P ∈ {0, 1}: z = 0, p = 1 (Evidently's "both constant and equal").
//     The choice of success category does not change |z| or p.
//   wasserstein — scipy.stats.wasserstein_distance(ref, cur) = ∫ |F_ref − F_cur| dx, divided by
//     max(std_ref, 0.001), std_ref the population (ddof = 0) standard deviation (Evidently's
//     wasserstein_distance_norm, including its 0.001 floor: a constant reference column is
//     normed by 0.001, so any shift of its value by >= 0.0001 drifts). No p-value.
//   jensen_shannon — scipy.spatial.distance.jensenshannon(p_ref, p_cur) with its default base
//     (natural logarithm, as Evidently calls it): sqrt((KL(p‖m) + KL(q‖m)) / 2), m = (p + q)/2,
//     over category shares (no smoothing; an unseen category simply has share 0). Range
//     [0, sqrt(ln 2) ≈ 0.8326]. Numeric columns (by override) are binned as Evidently does:
//     30 equal-width bins over [min, max] of reference ∪ current, numpy's closed last bin.
//     No p-value.
//   psi — population stability index Σ (cur_i − ref_i) · ln(cur_i / ref_i) over shares.
//     Numeric: options::psi_bins (10) buckets at the reference's quantiles (numpy's linear
//     interpolation at k/bins; the outer buckets open to ±∞; duplicate edges — e.g. a constant
//     column — merge buckets), bucket i = [edge_i, edge_{i+1}). Categorical: one bucket per
//     category of the union. A share of 0 is replaced by options::psi_epsilon (1e-4) before
//     the sum. (Evidently's psi uses 30 equal-width bins over reference ∪ current instead; the
//     quantile buckets are the credit-scoring convention and do not depend on the current
//     window's range.) No p-value.
//
// ---------------------------------------------------------------------------------------------
// Edge cases
// ---------------------------------------------------------------------------------------------
//   * Missing values (numeric NaN/±Inf, categorical "") are removed before anything else, as
//     Evidently does (replace ±inf by NaN, dropna), and counted in reference_missing /
//     current_missing. Row counts below mean non-missing rows.
//   * Empty reference or empty current (after removing missing): the feature is not tested —
//     test is still the one that would be chosen, statistic NaN (JSON null), p_value null,
//     drifted false, note "empty reference" / "empty current" — and it does not count in
//     drift_share's denominator. No tested feature: drift_share 0, no dataset drift.
//   * Tiny samples: every test is defined from one row on. KS with 1 vs 1 distinct values:
//     D = 1, exact p = 1 (no evidence). Wasserstein with one reference row: std 0 → norm 0.001.
//   * Constant columns: one distinct value is <= 5 values, so the default is z_test (small
//     reference) or jensen_shannon (large); by override, wasserstein uses the 0.001 floor and
//     ks is defined (D = 0 if both are the same constant, p = 1).
//   * Unseen categories in current: chi_squared → +∞ / p 0; jensen_shannon counts them with
//     reference share 0; psi with epsilon; z_test only applies with <= 2 values overall.
//
// JSON (drift_report::to_json; the "features" entries are the fields `tracker drift` prints):
//   {"dataset_drift": false, "drift_share": 0.25, "drift_share_threshold": 0.5,
//    "number_of_features": 4, "number_of_tested_features": 4, "number_of_drifted_features": 1,
//    "features": [{"name": "brightness", "type": "numeric", "test": "wasserstein",
//                  "statistic": 0.31, "p_value": null, "threshold": 0.1, "drifted": true,
//                  "reference_rows": 10000, "current_rows": 500, "reference_missing": 0,
//                  "current_missing": 3}, ...]}
//   p_value is null for the distance tests; statistic is null for an untested feature (then a
//   "note" field says why) and the string "Infinity" for chi_squared's +∞.
//
// See docs/drift.md for the same in prose, with worked examples.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracker::drift {

// =============================================================================================
// [SECTION] Storage
// =============================================================================================

// The allocator of the library's large arrays (sorted columns). Blocks of 1 MiB and more are
// 2 MiB-aligned and advised as transparent huge pages (Linux madvise(MADV_HUGEPAGE)) before
// they are touched: on a VM a 4 KiB page fault costs ~17 µs, i.e. 35 ms for the 8 MB of a
// million doubles — more than sorting them; with huge pages it is 0.6 ms. Smaller blocks and
// other systems use operator new. Stateless; all instances compare equal.
// NOTE: value-less construction default-initializes, so value_vector(n) and resize(n) leave
// new doubles uninitialized (the sort overwrites every element; zero-filling 8 MB first cost
// 11% of it). Use value_vector(n, 0.0) when zeros are wanted.
template <class T>
struct big_allocator {
  using value_type = T;
  big_allocator() noexcept = default;
  template <class U>
  big_allocator(const big_allocator<U>&) noexcept {}
  T* allocate(std::size_t n);
  void deallocate(T* p, std::size_t n) noexcept;
  template <class U>
  void construct(U* p) noexcept(noexcept(::new (static_cast<void*>(p)) U)) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  struct rebind {
    using other = big_allocator<U>;
  };
  template <class U>
  friend bool operator==(const big_allocator&, const big_allocator<U>&) noexcept { return true; }
};
void* big_allocate(std::size_t bytes);
void big_deallocate(void* p, std::size_t bytes) noexcept;
template <class T>
T* big_allocator<T>::allocate(std::size_t n) {
  return static_cast<T*>(big_allocate(n * sizeof(T)));
}
template <class T>
void big_allocator<T>::deallocate(T* p, std::size_t n) noexcept {
  big_deallocate(p, n * sizeof(T));
}

using value_vector = std::vector<double, big_allocator<double>>;

// =============================================================================================
// [SECTION] Names
// =============================================================================================

enum class feature_type : std::uint8_t { numeric = 0, categorical = 1 };

enum class test_kind : std::uint8_t {
  ks = 0,              // "ks"              p-value, drift when p <= threshold (0.05)
  chi_squared = 1,     // "chi_squared"     p-value, drift when p <  threshold (0.05)
  z_test = 2,          // "z_test"          p-value, drift when p <  threshold (0.05)
  wasserstein = 3,     // "wasserstein"     normed distance, drift when >= threshold (0.1)
  jensen_shannon = 4,  // "jensen_shannon"  distance, drift when >= threshold (0.1)
  psi = 5,             // "psi"             index, drift when >= threshold (0.1)
};

const char* to_string(feature_type t) noexcept;  // "numeric", "categorical"
const char* to_string(test_kind t) noexcept;
std::optional<feature_type> parse_feature_type(std::string_view s) noexcept;
std::optional<test_kind> parse_test_kind(std::string_view s) noexcept;
double default_threshold(test_kind t) noexcept;  // 0.05 for the p-value tests, 0.1 otherwise
bool has_p_value(test_kind t) noexcept;          // ks, chi_squared, z_test
// The decision rule of each test: p <= t (ks), p < t (chi_squared, z_test), s >= t (others).
bool is_drift(test_kind t, double statistic_or_p, double threshold) noexcept;

// =============================================================================================
// [SECTION] Statistics on plain arrays
// =============================================================================================

// The finite values of `values`, sorted ascending: a radix sort on the order-preserving IEEE bit
// pattern (one MSD pass, then cache-resident LSD passes per bucket), ~17–22 ns per value on the
// development VM. NaN and ±Inf are skipped and
// counted into *missing when given.
value_vector sorted_finite(std::span<const double> values, std::int64_t* missing = nullptr);

struct ks_result {
  double statistic = 0;  // D (in exact mode rounded to h / lcm(n1, n2), as scipy returns it)
  double p_value = 1;    // two-sided
  bool exact = false;    // true when the exact distribution was used
};
// scipy.stats.ks_2samp(a, b) (two-sided, method='auto'). Both inputs sorted ascending, finite
// and non-empty (throws invalid_argument otherwise — an unsorted input is not detected).
ks_result ks_2samp_sorted(std::span<const double> a_sorted, std::span<const double> b_sorted);
// Convenience: sorts copies first (missing values dropped).
ks_result ks_2samp(std::span<const double> a, std::span<const double> b);
// The pieces: P(D_{n1,n2} >= d) exactly, as scipy's _attempt_exact_2kssamp; nullopt where
// scipy's exact computation fails (and it would fall back to asymptotic).
std::optional<double> ks_2samp_exact_p(std::int64_t n1, std::int64_t n2, double d);
// scipy.stats.kstwo.sf(d, n): P(D_n >= d) for the one-sample two-sided statistic, n >= 1.
double kolmogorov_sf(double d, std::int64_t n);
// scipy.special.smirnov(n, d): P(D+_n >= d), the one-sided statistic (Birnbaum–Tingey sum).
double smirnov_sf(std::int64_t n, double d);

// scipy.stats.wasserstein_distance(a, b): ∫ |F_a − F_b| dx, one linear merge. Sorted, finite,
// non-empty inputs (throws otherwise).
double wasserstein_distance_sorted(std::span<const double> a_sorted, std::span<const double> b_sorted);

// Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), a > 0, x >= 0
// (scipy.special.gammaincc). Series / continued fraction, relative accuracy ~1e-14.
double gamma_q(double a, double x);
// scipy.stats.chi2.sf(x, dof) = Q(dof / 2, x / 2); dof >= 1. +∞ → 0, x <= 0 → 1.
double chi2_sf(double x, double dof);
// Two-sided standard normal tail P(|Z| >= |z|) = erfc(|z| / √2).
double normal_two_sided_p(double z);

struct chi2_result {
  double statistic = 0;  // +∞ when a category has expected 0 and observed > 0
  double p_value = 1;
  int dof = 0;
};
// Evidently's chisquare stattest on aligned counts (category i in both): expected from the
// reference proportions scaled to the current total. Throws when sizes differ, a count is
// negative or a total is 0.
chi2_result chi_squared(std::span<const std::int64_t> ref_counts, std::span<const std::int64_t> cur_counts);

struct z_result {
  double statistic = 0;  // z (sign: reference share minus current share)
  double p_value = 1;
};
// Two-proportion z-test: `ref_hits` of `ref_n` vs `cur_hits` of `cur_n` (both n > 0).
z_result two_proportion_z(std::int64_t ref_hits, std::int64_t ref_n, std::int64_t cur_hits,
                          std::int64_t cur_n);

// scipy.spatial.distance.jensenshannon(p, q) (natural log): p and q are non-negative weights of
// the same length, each normalized to sum 1 here (throws when a sum is 0 or sizes differ).
double jensen_shannon_distance(std::span<const double> p, std::span<const double> q);

// PSI over aligned counts (shares = count / total, 0 → epsilon).
double psi_from_counts(std::span<const std::int64_t> ref_counts, std::span<const std::int64_t> cur_counts,
                       double epsilon = 1e-4);
// PSI of numeric data over `bins` reference-quantile buckets (see the header comment).
double psi_sorted(std::span<const double> ref_sorted, std::span<const double> cur_sorted, int bins = 10,
                  double epsilon = 1e-4);

// =============================================================================================
// [SECTION] Columns and reports
// =============================================================================================

// A non-owning view of one feature's values.
struct column_view {
  feature_type type = feature_type::numeric;
  std::span<const double> numbers;          // numeric: NaN / ±Inf are missing
  std::span<const std::string> categories;  // categorical: "" is missing

  static column_view numeric(std::span<const double> v) { return {feature_type::numeric, v, {}}; }
  static column_view categorical(std::span<const std::string> v) {
    return {feature_type::categorical, {}, v};
  }
};

// A column ready for testing: numeric values sorted (missing dropped) with mean and population
// std; categories counted. Prepare a reference once and test it against many windows.
struct prepared_column {
  feature_type type = feature_type::numeric;
  value_vector sorted;                                       // numeric
  std::map<std::string, std::int64_t, std::less<>> counts;   // categorical, "" excluded
  std::int64_t rows = 0;     // non-missing values
  std::int64_t missing = 0;  // NaN / ±Inf, or ""
  double mean = 0;           // numeric, 0 when rows == 0
  double std = 0;            // numeric, population (ddof = 0)
};
prepared_column prepare(const column_view& c);

struct feature_options {
  std::optional<test_kind> test;     // replaces the default choice
  std::optional<double> threshold;   // replaces the test's default threshold
};

struct options {
  double drift_share_threshold = 0.5;          // dataset drift when drifted/tested >= this
  std::int64_t small_reference_rows = 1000;    // n_ref <= this → p-value tests
  int psi_bins = 10;
  double psi_epsilon = 1e-4;
  double wasserstein_min_std = 0.001;          // Evidently's floor on the norm
  // compute_report: features are prepared and tested on this many threads (1: the caller's
  // thread only; 0: one per core, fewer for small inputs — about one per 200,000 values).
  // Results do not depend on it.
  int threads = 0;
  std::map<std::string, feature_options, std::less<>> per_feature;
};

struct feature_result {
  std::string name;
  feature_type type = feature_type::numeric;
  test_kind test = test_kind::ks;
  double statistic = 0;               // p-value tests: the test statistic (D, χ², z); NaN if untested
  std::optional<double> p_value;      // ks, chi_squared, z_test (when tested)
  double threshold = 0;
  bool drifted = false;
  bool tested = true;                 // false for an empty reference or current
  bool exact = false;                 // ks: exact distribution used
  std::int64_t reference_rows = 0;    // non-missing
  std::int64_t current_rows = 0;
  std::int64_t reference_missing = 0;
  std::int64_t current_missing = 0;
  std::int64_t unique_values = 0;     // distinct non-missing values in reference ∪ current,
                                      // counted up to 6 for numeric columns (only <= 5 matters)
  std::string note;                   // why untested ("empty reference", "empty current")

  nlohmann::json to_json() const;
};

// Chooses the test (Evidently's defaults, then opts.per_feature[name]) and runs it. Throws
// invalid_argument for a column type mismatch or a test that cannot apply (ks / wasserstein
// on categorical data).
feature_result test_feature(std::string name, const prepared_column& reference, const prepared_column& current,
                            const options& opts = {});
// The test the defaults choose for these columns (before per-feature overrides).
test_kind default_test(const prepared_column& reference, const prepared_column& current,
                       const options& opts = {});

struct feature_input {
  std::string name;
  column_view reference;
  column_view current;
};

struct drift_report {
  std::vector<feature_result> features;  // input order
  std::int64_t tested = 0;               // features actually tested
  std::int64_t drifted = 0;
  double drift_share = 0;                // drifted / tested; 0 when nothing was tested
  double drift_share_threshold = 0.5;
  bool dataset_drift = false;            // tested > 0 && drift_share >= threshold

  nlohmann::json to_json() const;
};

// Prepares and tests every feature (names must be unique and non-empty), then aggregates.
drift_report compute_report(std::span<const feature_input> features, const options& opts = {});
// Aggregates results computed elsewhere (e.g. with prepared references).
drift_report make_report(std::vector<feature_result> features, double drift_share_threshold = 0.5);

}  // namespace tracker::drift
