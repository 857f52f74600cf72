// test_drift.cpp — tracker/drift.hpp: every statistic against independently computed values
// (the sort, KS and its distributions, chi-squared, z, Wasserstein, Jensen–Shannon, PSI);
// test_drift_report.cpp: the test choice, feature results, edge cases and the report.
//
//
// scipy is not installed on this machine (python3 -c "import scipy" fails), so no expected value
// below comes from scipy. Sources, written next to each value:
//   * [enum]  Python, exact rational arithmetic (fractions.Fraction), by brute force: the KS
//             statistic from bisect_right ECDFs on the concatenation; the exact two-sample
//             p-value by enumerating all C(n1+n2, n1) orderings of n1+n2 distinct points and
//             counting those with D >= d (the null distribution scipy's exact method computes).
//   * [dp]    Python, exact integer lattice-path counting (the classical Hodges/Gnedenko DP:
//             paths from (0,0) to (n1,n2) with |i·n2 − j·n1| < d·n1·n2), p = 1 − inside/C(n1+n2,n1)
//             — a different algorithm from the library's floating Viehmann recursion.
//   * [durbin] Python, Durbin's matrix with exact rationals (Fraction matrix power, no scaling):
//             Pr(D_n <= d) = n!/n^n · (H^n)[k−1][k−1]; checked against the published example of
//             Marsaglia, Tsang & Wang (2003, J. Stat. Softw. 8(18)): n = 10, d = 0.274 →
//             0.6284796154565043.
//   * [bt]    Python, the Birnbaum–Tingey sum for the one-sided Smirnov tail in exact rationals.
//   * [table] published critical values (chi-squared 0.05 points: 3.841458820694124 (1 dof),
//             5.991464547107979 (2), 18.307038053275146 (10), e.g. NIST/SEMATECH e-Handbook
//             §1.3.6.7.4, to the digits given there; more digits from the closed forms below).
//   * [closed] closed forms evaluated with Python's math module: chi-squared sf with 1 dof =
//             erfc(sqrt(x/2)), 2 dof = exp(−x/2), 3 dof = erfc(sqrt(x/2)) + sqrt(2x/π)·exp(−x/2);
//             normal two-sided p = erfc(|z|/√2).
#include "drift_test_support.hpp"

#include <tracker/drift.hpp>
#include <tracker/types.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

using namespace drift_test;
using Catch::Matchers::Contains;


// =============================================================================================
// Sorting and missing values
// =============================================================================================

TEST_CASE("sorted_finite sorts (radix path too) and counts NaN and infinities as missing", "[drift]") {
  std::vector<double> v = {3, nan_v, -1, inf_v, 2, -inf_v, -0.0, 0.0, -7.5};
  std::int64_t missing = 0;
  const drift::value_vector s = drift::sorted_finite(v, &missing);
  CHECK(missing == 3);
  REQUIRE(s == drift::value_vector{-7.5, -1, 0, 0, 2, 3});
  CHECK_FALSE(std::signbit(s[2]));  // -0 is stored as +0

  // Above 1,024 values the LSD radix sort runs: compare with std::sort on random data,
  // negative and positive, of very different magnitudes.
  std::mt19937_64 gen(7);
  std::normal_distribution<double> nd(0, 1);
  std::vector<double> big(200'000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = nd(gen) * std::pow(10.0, static_cast<int>(i % 7) - 3);
  big[100] = nan_v;
  std::vector<double> expected;
  for (double x : big)
    if (std::isfinite(x)) expected.push_back(x);
  std::sort(expected.begin(), expected.end());
  std::int64_t m2 = 0;
  const drift::value_vector got = drift::sorted_finite(big, &m2);  // 1.6 MB: a huge-page block
  CHECK(std::equal(got.begin(), got.end(), expected.begin(), expected.end()));
  CHECK(m2 == 1);

  // Values that are all exactly floats (features computed in float32).
  std::vector<double> floats(5000);
  for (std::size_t i = 0; i < floats.size(); ++i) floats[i] = static_cast<float>(big[i + 200] * 3.7);
  std::vector<double> fexp = floats;
  std::sort(fexp.begin(), fexp.end());
  const drift::value_vector fgot = drift::sorted_finite(floats);
  CHECK(std::equal(fgot.begin(), fgot.end(), fexp.begin(), fexp.end()));

  // Keys that differ only in their lowest bits (values within a few ulps of 1, with many
  // duplicates), and a column of one repeated value: the MSD pass's edge cases.
  std::vector<double> close(5000), same(3000, -2.5);
  for (std::size_t i = 0; i < close.size(); ++i) close[i] = 1.0 + static_cast<double>((i * 7919) % 97) * 0x1p-52;
  std::vector<double> cexp = close;
  std::sort(cexp.begin(), cexp.end());
  const drift::value_vector cgot = drift::sorted_finite(close), sgot = drift::sorted_finite(same);
  CHECK(std::equal(cgot.begin(), cgot.end(), cexp.begin(), cexp.end()));
  CHECK(std::equal(sgot.begin(), sgot.end(), same.begin(), same.end()));
}

// =============================================================================================
// Kolmogorov–Smirnov
// =============================================================================================

TEST_CASE("ks_2samp: statistic and exact p-value on small samples", "[drift]") {
  // [enum] a = 1..5, b = {3.5, 6, 7, 8}: at x = 5, F_a = 5/5, F_b = 1/4 → D = 3/4;
  // enumeration of the 126 orderings: P(D >= 3/4) = 18/126 = 1/7.
  auto r = drift::ks_2samp(std::vector<double>{1, 2, 3, 4, 5}, std::vector<double>{3.5, 6, 7, 8});
  CHECK(r.statistic == Approx(0.75).epsilon(1e-15));
  CHECK(r.p_value == Approx(1.0 / 7).epsilon(1e-12));
  CHECK(r.exact);

  // [enum] equal sizes (scipy's _compute_prob_outside_square branch): D = 4/6 at x = 0.6,
  // p = 1/7. By hand: P(D_{6,6} >= 4/6) = 2·Σ_k (−1)^(k−1) C(12, 6 − 4k) / C(12, 6); only k = 1
  // has 6 − 4k >= 0, so p = 2·C(12, 2)/C(12, 6) = 2·66/924 = 1/7.
  r = drift::ks_2samp(std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6},
                      std::vector<double>{0.35, 0.45, 0.7, 0.8, 0.9, 1.0});
  CHECK(r.statistic == Approx(2.0 / 3).epsilon(1e-15));
  CHECK(r.p_value == Approx(1.0 / 7).epsilon(1e-12));

  // [enum] completely separated 3 vs 7: D = 1, p = 2 / C(10, 3) = 2/120 = 1/60.
  r = drift::ks_2samp(std::vector<double>{1, 2, 3}, std::vector<double>{4, 5, 6, 7, 8, 9, 10});
  CHECK(r.statistic == 1.0);
  CHECK(r.p_value == Approx(1.0 / 60).epsilon(1e-12));
}

TEST_CASE("ks_2samp: ties are stepped over together, as scipy's searchsorted(side='right')", "[drift]") {
  // [hand] a = {1, 2, 2, 3}, b = {2, 3, 3, 4, 5}. Right-continuous ECDFs at each value:
  //   x = 1: 1/4 − 0/5 = 0.25;  x = 2: 3/4 − 1/5 = 0.55;  x = 3: 4/4 − 3/5 = 0.40;
  //   x = 4: 1 − 4/5 = 0.2;  x = 5: 0.  D = 0.55. (Stepping over a's two 2s one at a time
  //   would see 2/4 − 0 or 2/4 − 1/5 on the way — never larger here, but the recorded
  //   differences at x = 2 must use all copies in both samples.)
  // [enum] p = P(D_{4,5} >= 0.55) = 54/126 = 3/7.
  auto r = drift::ks_2samp(std::vector<double>{1, 2, 2, 3}, std::vector<double>{2, 3, 3, 4, 5});
  CHECK(r.statistic == Approx(0.55).epsilon(1e-15));
  CHECK(r.p_value == Approx(3.0 / 7).epsilon(1e-12));

  // [hand] Ties across samples that would give a spurious D if counted one by one:
  // a = {1, 1}, b = {1, 1}: after x = 1 both ECDFs are 1 → D = 0, p = 1.
  r = drift::ks_2samp(std::vector<double>{1, 1}, std::vector<double>{1, 1});
  CHECK(r.statistic == 0.0);
  CHECK_FALSE(std::signbit(r.statistic));
  CHECK(r.p_value == 1.0);
}

TEST_CASE("ks_2samp: tiny samples", "[drift]") {
  // [enum] 1 vs 1 distinct values: D = 1 always, so P(D >= 1) = 1.
  auto r = drift::ks_2samp(std::vector<double>{1}, std::vector<double>{2});
  CHECK(r.statistic == 1.0);
  CHECK(r.p_value == 1.0);
  CHECK(r.exact);
  // [enum] 1 vs 2: D = 1 when the single value is at an end: 2 of the 3 orderings → 2/3.
  r = drift::ks_2samp(std::vector<double>{1}, std::vector<double>{2, 3});
  CHECK(r.p_value == Approx(2.0 / 3).epsilon(1e-12));
  // [hand] 2 vs 2 equal: D = 0, p = 1.
  r = drift::ks_2samp(std::vector<double>{1, 2}, std::vector<double>{1, 2});
  CHECK(r.statistic == 0.0);
  CHECK(r.p_value == 1.0);
  // Empty (or all-missing) samples are refused.
  CHECK_THROWS_AS(drift::ks_2samp(std::vector<double>{}, std::vector<double>{1}), tracker::error);
  CHECK_THROWS_AS(drift::ks_2samp(std::vector<double>{nan_v}, std::vector<double>{1}), tracker::error);
}

TEST_CASE("ks_2samp_exact_p against exact lattice-path counts", "[drift]") {
  // [dp] values from exact integer path counting (see the file header).
  CHECK(*drift::ks_2samp_exact_p(8, 12, 13.0 / 24) == Approx(0.09067238231324919).epsilon(1e-12));
  CHECK(*drift::ks_2samp_exact_p(8, 12, 0.25) == Approx(0.8970707311264586).epsilon(1e-12));
  CHECK(*drift::ks_2samp_exact_p(100, 150, 0.2) == Approx(0.014781614342211475).epsilon(1e-10));
  CHECK(*drift::ks_2samp_exact_p(100, 150, 0.16) == Approx(0.08585107997449201).epsilon(1e-10));
  CHECK(*drift::ks_2samp_exact_p(200, 200, 0.15) == Approx(0.0220923622208589).epsilon(1e-10));
  CHECK(*drift::ks_2samp_exact_p(8, 12, 0.0) == 1.0);  // h = 0 → p = 1 (scipy)
}

TEST_CASE("kolmogorov_sf (scipy.stats.kstwo.sf) in each branch of scipy's dispatch", "[drift]") {
  // [durbin] the Marsaglia–Tsang–Wang example: Pr(D_10 <= 0.274) = 0.6284796154565043.
  CHECK(1.0 - drift::kolmogorov_sf(0.274, 10) == Approx(0.6284796154565043).epsilon(1e-13));
  // [durbin] n <= 140, n·d² <= 4 (scipy: DMTW or Pomeranz, both exact).
  CHECK(drift::kolmogorov_sf(0.15, 50) == Approx(0.19026366518248133).epsilon(1e-12));
  CHECK(drift::kolmogorov_sf(0.1, 100) == Approx(0.2526927570063901).epsilon(1e-12));
  // [durbin] n > 140 with n·d^1.5 <= 1.4 (DMTW): n = 1000, d = 0.0125.
  CHECK(drift::kolmogorov_sf(0.0125, 1000) == Approx(0.9971528020597908).epsilon(1e-12));
  // [durbin] n > 140, n·d^1.5 = 2.24 > 1.4, n·d² = 0.5 < 2.2: scipy uses the Pelz–Good series,
  // an approximation; the exact value is 0.6802627254395576 and Pelz–Good is within 1e-6.
  CHECK(drift::kolmogorov_sf(0.05, 200) == Approx(0.6802627254395576).epsilon(0).margin(1e-6));
  CHECK(std::abs(drift::kolmogorov_sf(0.05, 200) - 0.6802627254395576) > 1e-9);  // really PG, not exact
  // [bt] 2·smirnov branches: d >= 0.5; n > 140 with n·d² >= 2.2; n <= 140 with n·d² > 4.
  CHECK(drift::kolmogorov_sf(0.6, 10) == Approx(0.0005681672).epsilon(1e-12));
  CHECK(drift::kolmogorov_sf(0.1, 400) == Approx(0.0006191797248023305).epsilon(1e-12));
  CHECK(drift::kolmogorov_sf(0.25, 100) == Approx(5.408871776434847e-06).epsilon(1e-11));
  CHECK(drift::smirnov_sf(5, 0.3) == Approx(0.34282).epsilon(1e-13));  // [bt] exactly 17141/50000
  // [hand] Ruben–Gambino closed forms. n·d = 0.8 <= 1: cdf = n!/n^n · (2·0.8 − 1)^10,
  // sf = 1 − 10!/10^10 · 0.6^10 = 0.9999978058034054. n·d >= n − 1: sf = 2(1 − d)^n = 2·0.05^10.
  CHECK(drift::kolmogorov_sf(0.08, 10) == Approx(0.9999978058034054).epsilon(1e-14));
  CHECK(drift::kolmogorov_sf(0.95, 10) == Approx(1.953125e-13).epsilon(1e-12));
  CHECK(drift::kolmogorov_sf(0.04, 10) == 1.0);  // n·d <= 0.5
  CHECK(drift::kolmogorov_sf(1.0, 10) == 0.0);
  // n > 140 and n·d² >= 370: 0.
  CHECK(drift::kolmogorov_sf(0.7, 1000) == 0.0);
}

TEST_CASE("ks_2samp switches to the asymptotic p-value above 10,000 rows, as scipy's 'auto'", "[drift]") {
  // ref = (i + 0.5)/1000, i < 1000; cur = 0.9·(j + 0.5)/20000, j < 20000 (max(n1, n2) > 10,000).
  std::vector<double> ref, cur;
  for (int i = 0; i < 1000; ++i) ref.push_back((i + 0.5) / 1000);
  for (int j = 0; j < 20000; ++j) cur.push_back((j + 0.5) / 20000 * 0.9);
  const auto r = drift::ks_2samp(ref, cur);
  // [enum] D by brute-force bisect_right ECDFs in Python floats: 0.10044999999999993. By hand:
  // the largest gap is just below the reference value 0.8995, where F_ref = 899/1000 and
  // F_cur = #(cur < 0.8995)/20000 = 19989/20000 = 0.99945 → |0.899 − 0.99945| = 0.10045.
  CHECK(r.statistic == Approx(0.10045).epsilon(1e-12));
  CHECK_FALSE(r.exact);
  // en = 1000·20000/21000 = 952.38 → round → 952; n·D² = 9.6 >= 2.2 → 2·smirnov(952, D).
  // [bt] exact rational Birnbaum–Tingey with D = 0.10044999999999993: 8.155505523181153e-09.
  CHECK(r.p_value == Approx(8.155505523181153e-09).epsilon(1e-9));

  // At exactly 10,000 rows the exact method is still used (max(n1, n2) <= 10,000).
  std::vector<double> cur10k(cur.begin(), cur.begin() + 10000);
  CHECK(drift::ks_2samp(ref, cur10k).exact);
}

// =============================================================================================
// Chi-squared, incomplete gamma, z-test
// =============================================================================================

TEST_CASE("gamma_q and chi2_sf against tables and closed forms", "[drift]") {
  // [table] the 0.05 critical values give 0.05.
  CHECK(drift::chi2_sf(3.841458820694124, 1) == Approx(0.05).epsilon(1e-12));
  CHECK(drift::chi2_sf(5.991464547107979, 2) == Approx(0.05).epsilon(1e-12));
  CHECK(drift::chi2_sf(18.307038053275146, 10) == Approx(0.05).epsilon(1e-12));
  // [closed] continued-fraction branch far in the tail, 3 dof at x = 100.
  CHECK(drift::chi2_sf(100, 3) == Approx(1.554159431389605e-21).epsilon(1e-12));
  // [closed] series branch (x < a + 1): 2 dof at x = 0.5 → exp(−0.25).
  CHECK(drift::chi2_sf(0.5, 2) == Approx(std::exp(-0.25)).epsilon(1e-14));
  // [closed] Q(1, x) = e^{−x}; Q(a, 0) = 1.
  CHECK(drift::gamma_q(1.0, 3.0) == Approx(std::exp(-3.0)).epsilon(1e-14));
  CHECK(drift::gamma_q(2.5, 0.0) == 1.0);
  CHECK(drift::chi2_sf(inf_v, 4) == 0.0);
  CHECK_THROWS_AS(drift::gamma_q(0.0, 1.0), tracker::error);
}

TEST_CASE("chi_squared: Evidently's expected counts from reference proportions", "[drift]") {
  // [hand] Evidently's own unit test data: ref a×5, b×5; cur a×8, b×3 (n_cur = 11).
  // expected = 5·11/10 = 5.5 each; χ² = (8 − 5.5)²/5.5 + (3 − 5.5)²/5.5 = 12.5/5.5
  // = 2.272727...; 1 dof → [closed] p = erfc(sqrt(2.2727/2)) = 0.1316680160228142.
  // (Evidently's old test asserts 0.11690 for an earlier version that swapped observed and
  // expected; its current code passes (observed, expected) and gives this value.)
  const std::vector<std::int64_t> r1 = {5, 5}, c1 = {8, 3};
  auto x = drift::chi_squared(r1, c1);
  CHECK(x.statistic == Approx(12.5 / 5.5).epsilon(1e-14));
  CHECK(x.dof == 1);
  CHECK(x.p_value == Approx(0.1316680160228142).epsilon(1e-12));

  // [hand] 3 categories: ref 10/20/30, cur 20/20/20 (both 60): expected 10, 20, 30;
  // χ² = 100/10 + 0 + 100/30 = 13.3333; 2 dof → [closed] p = exp(−13.3333/2) = 0.0012726338013398079.
  const std::vector<std::int64_t> r2 = {10, 20, 30}, c2 = {20, 20, 20};
  x = drift::chi_squared(r2, c2);
  CHECK(x.statistic == Approx(40.0 / 3).epsilon(1e-14));
  CHECK(x.p_value == Approx(0.0012726338013398079).epsilon(1e-12));

  // Unseen category in current: expected 0 → +∞, p = 0.
  const std::vector<std::int64_t> r3 = {5, 5, 0}, c3 = {4, 4, 2};
  x = drift::chi_squared(r3, c3);
  CHECK(std::isinf(x.statistic));
  CHECK(x.p_value == 0.0);
  // One category: dof 0 → statistic 0, p 1.
  const std::vector<std::int64_t> r4 = {5}, c4 = {9};
  x = drift::chi_squared(r4, c4);
  CHECK(x.statistic == 0.0);
  CHECK(x.p_value == 1.0);
}

TEST_CASE("two-proportion z-test", "[drift]") {
  // [hand] 60/100 vs 40/100: pooled P = 0.5; z = 0.2 / sqrt(0.25·(1/100 + 1/100))
  // = 0.2/sqrt(0.005) = 2.8284271247461903; p = erfc(2.8284/√2) = erfc(2) = 0.004677734981047265.
  auto z = drift::two_proportion_z(60, 100, 40, 100);
  CHECK(z.statistic == Approx(2.8284271247461903).epsilon(1e-14));
  CHECK(z.p_value == Approx(0.004677734981047265).epsilon(1e-12));
  // The other category as "success": same |z|, same p.
  auto z2 = drift::two_proportion_z(40, 100, 60, 100);
  CHECK(z2.statistic == Approx(-2.8284271247461903).epsilon(1e-14));
  CHECK(z2.p_value == Approx(z.p_value).epsilon(1e-15));
  // Constant everywhere (pooled 0 or 1): z 0, p 1.
  CHECK(drift::two_proportion_z(10, 10, 3, 3).p_value == 1.0);
  CHECK(drift::two_proportion_z(0, 10, 0, 3).p_value == 1.0);
}

// =============================================================================================
// Distances
// =============================================================================================

TEST_CASE("wasserstein_distance_sorted", "[drift]") {
  // [hand] u = {0, 1, 3}, v = {5, 6, 8}: a pure shift by 5 → 5.
  CHECK(drift::wasserstein_distance_sorted(std::vector<double>{0, 1, 3}, std::vector<double>{5, 6, 8}) ==
        Approx(5.0).epsilon(1e-15));
  // [hand] unequal sizes: a = {0, 2}, b = {1}: on [0,1) |1/2 − 0| = 1/2, on [1,2) |1/2 − 1| = 1/2 → 1.
  CHECK(drift::wasserstein_distance_sorted(std::vector<double>{0, 2}, std::vector<double>{1}) ==
        Approx(1.0).epsilon(1e-15));
  // [hand] ties: a = {1, 1, 2}, b = {1, 2, 2}: on [1,2) |2/3 − 1/3| = 1/3, elsewhere 0.
  CHECK(drift::wasserstein_distance_sorted(std::vector<double>{1, 1, 2}, std::vector<double>{1, 2, 2}) ==
        Approx(1.0 / 3).epsilon(1e-14));
  // Symmetric; 0 on identical samples.
  CHECK(drift::wasserstein_distance_sorted(std::vector<double>{1}, std::vector<double>{0, 2}) ==
        Approx(1.0).epsilon(1e-15));
  CHECK(drift::wasserstein_distance_sorted(std::vector<double>{4, 4}, std::vector<double>{4}) == 0.0);
}

TEST_CASE("jensen_shannon_distance uses the natural log (scipy's default base)", "[drift]") {
  // [hand] disjoint supports: m = (½, ½), KL(p‖m) = KL(q‖m) = ln 2 → sqrt((2 ln 2)/2) = sqrt(ln 2)
  // = 0.8325546111576977 (base 2 would give 1).
  CHECK(drift::jensen_shannon_distance(std::vector<double>{1, 0}, std::vector<double>{0, 1}) ==
        Approx(0.8325546111576977).epsilon(1e-14));
  // [hand] p = (.5, .5), q = (.9, .1), m = (.7, .3):
  // KL(p‖m) + KL(q‖m) = .5 ln(.5/.7) + .5 ln(.5/.3) + .9 ln(.9/.7) + .1 ln(.1/.3);
  // sqrt(sum / 2) = 0.31898154347735663 (Python math). Unnormalized weights are normalized.
  CHECK(drift::jensen_shannon_distance(std::vector<double>{5, 5}, std::vector<double>{9, 1}) ==
        Approx(0.31898154347735663).epsilon(1e-13));
  CHECK(drift::jensen_shannon_distance(std::vector<double>{1, 2, 3}, std::vector<double>{2, 4, 6}) ==
        Approx(0.0).margin(1e-12));
}

TEST_CASE("psi: counts, epsilon, and reference-quantile buckets", "[drift]") {
  // [hand] shares ref (.5, .5), cur (.8, .2): .3·ln(1.6) + (−.3)·ln(.4) = 0.4158883083359672.
  const std::vector<std::int64_t> r1 = {50, 50}, c1 = {80, 20};
  CHECK(drift::psi_from_counts(r1, c1) == Approx(0.4158883083359672).epsilon(1e-13));
  // [hand] an empty reference bucket uses epsilon = 1e-4: ref (1, 1e-4), cur (.5, .5):
  // (.5 − 1)·ln(.5) + (.5 − 1e-4)·ln(.5/1e-4) = 4.60431846666895.
  const std::vector<std::int64_t> r2 = {100, 0}, c2 = {50, 50};
  CHECK(drift::psi_from_counts(r2, c2) == Approx(4.60431846666895).epsilon(1e-12));
  // [hand] numeric: ref = 1..100, 10 buckets. numpy-linear quantile k/10 sits at position
  // 99k/10 = 9.9k → edges 10.9, 20.8, ..., 90.1; each reference bucket holds 10 values.
  // cur = 51..150: buckets 1–5 empty (→ 1e-4), [50.5, 60.4) … [80.2, 90.1) hold 10 each
  // (share .1 = reference), [90.1, ∞) holds 91..150 = 60 (share .6).
  // PSI = 5·(1e-4 − .1)·ln(1e-4/.1) + (.6 − .1)·ln(6) = 4.346303496465604.
  const auto ref = seq(1, 100), cur = seq(51, 150);
  CHECK(drift::psi_sorted(ref, cur) == Approx(4.346303496465604).epsilon(1e-12));
  CHECK(drift::psi_sorted(ref, ref) == 0.0);
  // Constant reference: all edges coincide → 2 buckets (< c, >= c).
  const std::vector<double> constant(50, 3.0), shifted(50, 4.0);
  CHECK(drift::psi_sorted(constant, constant) == 0.0);
  CHECK(drift::psi_sorted(constant, shifted) == 0.0);  // both entirely in the bucket [3, ∞)
  const std::vector<double> below(50, 2.0);
  // [hand] below: ref (1e-4, 1) vs cur (1, 1e-4) → 2·(1 − 1e-4)·ln(1e4) = 18.4188...
  CHECK(drift::psi_sorted(constant, below) == Approx(2 * (1 - 1e-4) * std::log(1e4)).epsilon(1e-12));
}

// =============================================================================================
// Test selection, per-feature results, reports
// =============================================================================================
