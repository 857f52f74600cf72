// test_drift.cpp — tracker/drift.hpp: every statistic against independently computed values.
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
//   * [hand]  worked by hand in the comment next to the check.
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

namespace {

namespace drift = tracker::drift;
using Catch::Matchers::Contains;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

std::vector<double> seq(int from, int to) {  // from..to inclusive
  std::vector<double> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

std::vector<std::string> repeat(std::initializer_list<std::pair<const char*, int>> parts) {
  std::vector<std::string> v;
  for (const auto& [s, n] : parts)
    for (int i = 0; i < n; ++i) v.emplace_back(s);
  return v;
}

drift::feature_result run_one(const drift::column_view& r, const drift::column_view& c,
                              const drift::options& o = {}, const std::string& name = "f") {
  return drift::test_feature(name, drift::prepare(r), drift::prepare(c), o);
}

}  // namespace

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

TEST_CASE("default test selection follows Evidently", "[drift]") {
  std::mt19937_64 gen(3);
  std::normal_distribution<double> nd(0, 1);
  auto normal = [&](int n) {
    std::vector<double> v(n);
    for (double& x : v) x = nd(gen);
    return v;
  };
  const auto small = normal(1000), large = normal(1001), cur = normal(300);
  CHECK(run_one(drift::column_view::numeric(small), drift::column_view::numeric(cur)).test == drift::test_kind::ks);
  CHECK(run_one(drift::column_view::numeric(large), drift::column_view::numeric(cur)).test ==
        drift::test_kind::wasserstein);

  // Numeric with few values: 3 values → chi_squared (small) / jensen_shannon (large);
  // 2 values → z_test (small). Counted over reference ∪ current: 5 values still "few", 6 not.
  std::vector<double> three, two, five, six;
  for (int i = 0; i < 600; ++i) {
    three.push_back(i % 3);
    two.push_back(i % 2);
    five.push_back(i % 5);
    six.push_back(i % 6);
  }
  const std::vector<double> five_plus_one = {0, 1, 2, 3, 4, 5};
  CHECK(run_one(drift::column_view::numeric(three), drift::column_view::numeric(three)).test ==
        drift::test_kind::chi_squared);
  CHECK(run_one(drift::column_view::numeric(two), drift::column_view::numeric(two)).test == drift::test_kind::z_test);
  CHECK(run_one(drift::column_view::numeric(five), drift::column_view::numeric(five)).test ==
        drift::test_kind::chi_squared);
  CHECK(run_one(drift::column_view::numeric(six), drift::column_view::numeric(six)).test == drift::test_kind::ks);
  CHECK(run_one(drift::column_view::numeric(five), drift::column_view::numeric(five_plus_one)).test ==
        drift::test_kind::ks);  // the 6th value only occurs in current
  std::vector<double> three_large(2000);
  for (int i = 0; i < 2000; ++i) three_large[i] = i % 3;
  CHECK(run_one(drift::column_view::numeric(three_large), drift::column_view::numeric(three)).test ==
        drift::test_kind::jensen_shannon);

  // Categorical: > 2 values → chi_squared, <= 2 → z_test; large reference → jensen_shannon.
  const auto c3 = repeat({{"a", 10}, {"b", 10}, {"c", 10}}), c2 = repeat({{"a", 10}, {"b", 10}});
  const auto c2_large = repeat({{"a", 1000}, {"b", 1000}});
  CHECK(run_one(drift::column_view::categorical(c3), drift::column_view::categorical(c3)).test ==
        drift::test_kind::chi_squared);
  CHECK(run_one(drift::column_view::categorical(c2), drift::column_view::categorical(c2)).test ==
        drift::test_kind::z_test);
  CHECK(run_one(drift::column_view::categorical(c2_large), drift::column_view::categorical(c2)).test ==
        drift::test_kind::jensen_shannon);
  // ... and a third category appearing only in current turns z_test into chi_squared.
  const auto c2_plus = repeat({{"a", 10}, {"b", 10}, {"new", 1}});
  CHECK(run_one(drift::column_view::categorical(c2), drift::column_view::categorical(c2_plus)).test ==
        drift::test_kind::chi_squared);
}

TEST_CASE("feature results: thresholds and their comparisons", "[drift]") {
  // KS: drift when p <= 0.05. 1..5 vs 3.5,6,7,8 has p = 1/7 → no drift; 3 vs 7 separated has
  // p = 1/60 → drift. (6 distinct values needed for ks: both have >= 6 in the union.)
  auto f = run_one(drift::column_view::numeric(std::vector<double>{1, 2, 3, 4, 5}),
                   drift::column_view::numeric(std::vector<double>{3.5, 6, 7, 8}));
  CHECK(f.test == drift::test_kind::ks);
  CHECK(f.threshold == 0.05);
  CHECK(*f.p_value == Approx(1.0 / 7).epsilon(1e-12));
  CHECK_FALSE(f.drifted);
  f = run_one(drift::column_view::numeric(std::vector<double>{1, 2, 3}),
              drift::column_view::numeric(std::vector<double>{4, 5, 6, 7, 8, 9, 10}));
  CHECK(f.drifted);
  CHECK(f.exact);

  // is_drift's boundaries: p == threshold drifts for ks (<=), not for chi_squared / z_test (<);
  // distance == threshold drifts (>=).
  CHECK(drift::is_drift(drift::test_kind::ks, 0.05, 0.05));
  CHECK_FALSE(drift::is_drift(drift::test_kind::chi_squared, 0.05, 0.05));
  CHECK_FALSE(drift::is_drift(drift::test_kind::z_test, 0.05, 0.05));
  CHECK(drift::is_drift(drift::test_kind::wasserstein, 0.1, 0.1));
  CHECK(drift::is_drift(drift::test_kind::jensen_shannon, 0.1, 0.1));
  CHECK(drift::is_drift(drift::test_kind::psi, 0.1, 0.1));
  CHECK_FALSE(drift::is_drift(drift::test_kind::psi, 0.0999, 0.1));

  // Per-feature override of test and threshold.
  drift::options o;
  o.per_feature["f"] = {.test = drift::test_kind::psi, .threshold = 5.0};
  const auto ref = seq(1, 100), cur = seq(51, 150);
  f = run_one(drift::column_view::numeric(ref), drift::column_view::numeric(cur), o);
  CHECK(f.test == drift::test_kind::psi);
  CHECK(f.statistic == Approx(4.346303496465604).epsilon(1e-12));  // as in the psi test
  CHECK_FALSE(f.p_value);
  CHECK(f.threshold == 5.0);
  CHECK_FALSE(f.drifted);  // 4.35 < 5
  o.per_feature["f"] = {.test = std::nullopt, .threshold = 0.5};  // threshold only: test stays ks
  f = run_one(drift::column_view::numeric(std::vector<double>{1, 2, 3, 4, 5}),
              drift::column_view::numeric(std::vector<double>{3.5, 6, 7, 8}), o);
  CHECK(f.test == drift::test_kind::ks);
  CHECK(f.drifted);  // p = 1/7 <= 0.5
  // ks / wasserstein cannot apply to categories.
  o.per_feature["f"] = {.test = drift::test_kind::wasserstein, .threshold = std::nullopt};
  const auto cats = repeat({{"a", 3}});
  CHECK_THROWS_AS(run_one(drift::column_view::categorical(cats), drift::column_view::categorical(cats), o),
                  tracker::error);
}

TEST_CASE("wasserstein normed by the reference std, with Evidently's 0.001 floor", "[drift]") {
  drift::options o;
  o.per_feature["f"] = {.test = drift::test_kind::wasserstein, .threshold = std::nullopt};
  // [hand] ref {1, 1, 2}: mean 4/3, population variance ((1/3)²·2 + (2/3)²)/3 = 2/9,
  // std = 0.4714; W(ref, {1, 2, 2}) = 1/3 (see above) → 1/3 / 0.4714 = 0.7071067811865475.
  auto f = run_one(drift::column_view::numeric(std::vector<double>{1, 1, 2}),
                   drift::column_view::numeric(std::vector<double>{1, 2, 2}), o);
  CHECK(f.statistic == Approx(0.7071067811865475).epsilon(1e-13));
  CHECK_FALSE(f.p_value);
  CHECK(f.drifted);
  // Constant reference (std 0): normed by 0.001. 5.0 vs 5.0002: W = 0.0002 → 0.2 → drift;
  // vs 5.00005: 0.05 → no drift.
  const std::vector<double> c(2000, 5.0), up(100, 5.0002), tiny(100, 5.00005);
  f = run_one(drift::column_view::numeric(c), drift::column_view::numeric(up), o);
  CHECK(f.statistic == Approx(0.2).epsilon(1e-9));
  CHECK(f.drifted);
  f = run_one(drift::column_view::numeric(c), drift::column_view::numeric(tiny), o);
  CHECK(f.statistic == Approx(0.05).epsilon(1e-8));
  CHECK_FALSE(f.drifted);
  // A single reference row works the same way (std 0).
  f = run_one(drift::column_view::numeric(std::vector<double>{5.0}), drift::column_view::numeric(up), o);
  CHECK(f.statistic == Approx(0.2).epsilon(1e-9));
}

TEST_CASE("constant columns under the default tests", "[drift]") {
  // One value in both, same value: z_test (<= 2 values), p = 1, no drift.
  const std::vector<double> c(500, 7.0), d(300, 7.0), e(300, 8.0);
  auto f = run_one(drift::column_view::numeric(c), drift::column_view::numeric(d));
  CHECK(f.test == drift::test_kind::z_test);
  CHECK(*f.p_value == 1.0);
  CHECK_FALSE(f.drifted);
  // Constant but different: 2 values; "success" = 7: ref 500/500, cur 0/300. Pooled P = 5/8.
  // [hand] z = (1 − 0)/sqrt(5/8·3/8·(1/500 + 1/300)) = 1/sqrt(0.234375·0.0053333) = 14.142…;
  // p = erfc(14.14/√2) ≈ 2e-45 → drift.
  f = run_one(drift::column_view::numeric(c), drift::column_view::numeric(e));
  CHECK(f.test == drift::test_kind::z_test);
  CHECK(f.statistic == Approx(1.0 / std::sqrt(0.234375 * (1.0 / 500 + 1.0 / 300))).epsilon(1e-12));
  CHECK(f.drifted);
  // Large constant reference → jensen_shannon on the values: same value → 0; disjoint → sqrt(ln 2).
  const std::vector<double> big(5000, 7.0);
  f = run_one(drift::column_view::numeric(big), drift::column_view::numeric(d));
  CHECK(f.test == drift::test_kind::jensen_shannon);
  CHECK(f.statistic == Approx(0.0).margin(1e-15));
  f = run_one(drift::column_view::numeric(big), drift::column_view::numeric(e));
  CHECK(f.statistic == Approx(0.8325546111576977).epsilon(1e-14));
  CHECK(f.drifted);
}

TEST_CASE("missing values are excluded and counted; empty columns are not tested", "[drift]") {
  // Numeric: NaN and ±Inf dropped. Reference 1..5 plus 2 missing, current {3.5, 6, 7, 8} plus 1
  // → same as the plain KS case: D = 3/4, p = 1/7.
  std::vector<double> ref = {1, nan_v, 2, 3, inf_v, 4, 5}, cur = {3.5, 6, -inf_v, 7, 8};
  auto f = run_one(drift::column_view::numeric(ref), drift::column_view::numeric(cur));
  CHECK(f.reference_rows == 5);
  CHECK(f.reference_missing == 2);
  CHECK(f.current_rows == 4);
  CHECK(f.current_missing == 1);
  CHECK(f.statistic == Approx(0.75).epsilon(1e-15));
  CHECK(*f.p_value == Approx(1.0 / 7).epsilon(1e-12));

  // Categorical: "" is missing. ref a×5 b×5 + 2 "", cur a×8 b×3 + 1 "" → the chi-squared
  // example above... with 2 categories that is a z_test: 5/10 vs 8/11.
  // [hand] P = 13/21; z = (0.5 − 8/11)/sqrt(13/21·8/21·(1/10 + 1/11)) = −1.0716...;
  // compare with the library's own two_proportion_z on the counts (the point here is the counts).
  auto rc = repeat({{"a", 5}, {"", 2}, {"b", 5}}), cc = repeat({{"a", 8}, {"b", 3}, {"", 1}});
  f = run_one(drift::column_view::categorical(rc), drift::column_view::categorical(cc));
  CHECK(f.test == drift::test_kind::z_test);
  CHECK(f.reference_missing == 2);
  CHECK(f.current_missing == 1);
  CHECK(f.reference_rows == 10);
  CHECK(f.current_rows == 11);
  const double P = 13.0 / 21;
  CHECK(f.statistic == Approx((0.5 - 8.0 / 11) / std::sqrt(P * (1 - P) * (0.1 + 1.0 / 11))).epsilon(1e-13));
  // Forced chi_squared on the same data gives the Evidently example's p.
  drift::options o;
  o.per_feature["f"] = {.test = drift::test_kind::chi_squared, .threshold = std::nullopt};
  f = run_one(drift::column_view::categorical(rc), drift::column_view::categorical(cc), o);
  CHECK(*f.p_value == Approx(0.1316680160228142).epsilon(1e-12));

  // Empty current (all missing, or no rows): untested, not drifted, note says why.
  const std::vector<double> none = {nan_v, nan_v};
  f = run_one(drift::column_view::numeric(ref), drift::column_view::numeric(none));
  CHECK_FALSE(f.tested);
  CHECK_FALSE(f.drifted);
  CHECK(std::isnan(f.statistic));
  CHECK_FALSE(f.p_value);
  CHECK(f.note == "empty current");
  CHECK(f.current_missing == 2);
  f = run_one(drift::column_view::numeric(std::vector<double>{}), drift::column_view::numeric(cur));
  CHECK(f.note == "empty reference");
  const nlohmann::json j = f.to_json();
  CHECK(j["statistic"].is_null());
  CHECK(j["p_value"].is_null());
  CHECK(j["note"] == "empty reference");
}

TEST_CASE("unseen categories in current", "[drift]") {
  // Small reference, chi_squared: a category never seen in reference has expected 0 → ∞, p = 0.
  const auto ref = repeat({{"a", 10}, {"b", 10}, {"c", 10}}), cur = repeat({{"a", 10}, {"b", 10}, {"zzz", 1}});
  auto f = run_one(drift::column_view::categorical(ref), drift::column_view::categorical(cur));
  CHECK(f.test == drift::test_kind::chi_squared);
  CHECK(std::isinf(f.statistic));
  CHECK(*f.p_value == 0.0);
  CHECK(f.drifted);
  CHECK(f.to_json()["statistic"] == "Infinity");
  // Large reference, jensen_shannon: shares ref (.5, .5, 0), cur (0, .5, .5) over a, b, new.
  // [hand] m = (.25, .5, .25): KL(p‖m) = .5 ln 2 + 0 = .3466; KL(q‖m) = .5 ln 2 → sqrt(ln 2 / 2)
  // = 0.5887050112577373.
  const auto big = repeat({{"a", 1000}, {"b", 1000}}), cur2 = repeat({{"b", 50}, {"new", 50}});
  f = run_one(drift::column_view::categorical(big), drift::column_view::categorical(cur2));
  CHECK(f.test == drift::test_kind::jensen_shannon);
  CHECK(f.statistic == Approx(std::sqrt(std::log(2.0) / 2)).epsilon(1e-14));
  CHECK(f.drifted);
  // PSI on categories: the unseen one gets epsilon in the reference.
  drift::options o;
  o.per_feature["f"] = {.test = drift::test_kind::psi, .threshold = std::nullopt};
  f = run_one(drift::column_view::categorical(big), drift::column_view::categorical(cur2), o);
  // [hand] a: (1e-4 − .5)·ln(1e-4/.5); b: 0; new: (.5 − 1e-4)·ln(.5/1e-4) → 2·(.5 − 1e-4)·ln(5000).
  CHECK(f.statistic == Approx(2 * (0.5 - 1e-4) * std::log(5000.0)).epsilon(1e-12));
}

TEST_CASE("compute_report: drift share, dataset drift, JSON shape", "[drift]") {
  // Four features, two drifted (ks p = 1/60 and a categorical with an unseen value), two not.
  const std::vector<double> a3 = {1, 2, 3}, b7 = {4, 5, 6, 7, 8, 9, 10};   // ks, p = 1/60 → drift
  const std::vector<double> a5 = {1, 2, 3, 4, 5}, b4 = {3.5, 6, 7, 8};     // ks, p = 1/7
  const auto cref = repeat({{"x", 10}, {"y", 10}, {"z", 10}});
  const auto ccur_same = repeat({{"x", 10}, {"y", 10}, {"z", 10}});
  const auto ccur_new = repeat({{"x", 10}, {"w", 3}});
  std::vector<drift::feature_input> in = {
      {"sep", drift::column_view::numeric(a3), drift::column_view::numeric(b7)},
      {"close", drift::column_view::numeric(a5), drift::column_view::numeric(b4)},
      {"cat_same", drift::column_view::categorical(cref), drift::column_view::categorical(ccur_same)},
      {"cat_new", drift::column_view::categorical(cref), drift::column_view::categorical(ccur_new)},
  };
  drift::drift_report r = drift::compute_report(in);
  REQUIRE(r.features.size() == 4);
  CHECK(r.features[0].drifted);
  CHECK_FALSE(r.features[1].drifted);
  CHECK_FALSE(r.features[2].drifted);
  CHECK(*r.features[2].p_value == Approx(1.0).epsilon(1e-14));  // identical counts: χ² = 0
  CHECK(r.features[3].drifted);
  CHECK(r.tested == 4);
  CHECK(r.drifted == 2);
  CHECK(r.drift_share == 0.5);
  CHECK(r.dataset_drift);  // 0.5 >= 0.5

  drift::options o;
  o.drift_share_threshold = 0.6;
  CHECK_FALSE(drift::compute_report(in, o).dataset_drift);

  const nlohmann::json j = r.to_json();
  CHECK(j["dataset_drift"] == true);
  CHECK(j["drift_share"] == 0.5);
  CHECK(j["number_of_drifted_features"] == 2);
  const nlohmann::json& f0 = j["features"][0];
  for (const char* k : {"name", "type", "test", "statistic", "p_value", "threshold", "drifted"})
    CHECK(f0.contains(k));
  CHECK(f0["name"] == "sep");
  CHECK(f0["type"] == "numeric");
  CHECK(f0["test"] == "ks");
  CHECK(f0["statistic"] == 1.0);
  CHECK(f0["p_value"].get<double>() == Approx(1.0 / 60).epsilon(1e-12));
  CHECK(f0["threshold"] == 0.05);
  CHECK(f0["drifted"] == true);
  CHECK(j["features"][3]["statistic"] == "Infinity");

  // A distance test has p_value null.
  o.per_feature["close"] = {.test = drift::test_kind::wasserstein, .threshold = std::nullopt};
  const nlohmann::json j2 = drift::compute_report(in, o).to_json();
  CHECK(j2["features"][1]["test"] == "wasserstein");
  CHECK(j2["features"][1]["p_value"].is_null());

  // An untested (empty) feature leaves the denominator: 1 drifted of 1 tested → share 1.
  const std::vector<double> empty;
  std::vector<drift::feature_input> in2 = {
      {"sep", drift::column_view::numeric(a3), drift::column_view::numeric(b7)},
      {"gone", drift::column_view::numeric(a5), drift::column_view::numeric(empty)},
  };
  r = drift::compute_report(in2);
  CHECK(r.tested == 1);
  CHECK(r.drift_share == 1.0);
  CHECK(r.dataset_drift);
  // Nothing tested: share 0, no dataset drift.
  std::vector<drift::feature_input> in3 = {{"gone", drift::column_view::numeric(a5), drift::column_view::numeric(empty)}};
  r = drift::compute_report(in3);
  CHECK(r.drift_share == 0.0);
  CHECK_FALSE(r.dataset_drift);

  // Duplicate or empty names and mismatched types are refused.
  std::vector<drift::feature_input> dup = {in[0], in[0]};
  CHECK_THROWS_WITH(drift::compute_report(dup), Contains("given twice"));
  std::vector<drift::feature_input> mixed = {
      {"m", drift::column_view::numeric(a3), drift::column_view::categorical(cref)}};
  CHECK_THROWS_AS(drift::compute_report(mixed), tracker::error);
}

TEST_CASE("compute_report gives the same results on several threads", "[drift]") {
  std::mt19937_64 gen(11);
  std::normal_distribution<double> nd(0, 1);
  std::vector<std::vector<double>> cols(12);
  for (auto& c : cols) {
    c.resize(3000);
    for (double& x : c) x = nd(gen);
  }
  for (double& x : cols[5]) x += 1.0;  // drifts against cols[4]
  std::vector<drift::feature_input> in;
  for (int f = 0; f < 6; ++f)
    in.push_back({std::string("f").append(std::to_string(f)), drift::column_view::numeric(cols[2 * f]),
                  drift::column_view::numeric(cols[2 * f + 1])});
  drift::options one, many;
  many.threads = 3;
  const nlohmann::json a = drift::compute_report(in, one).to_json(), b = drift::compute_report(in, many).to_json();
  CHECK(a == b);
  CHECK(a["features"][2]["drifted"] == true);
  CHECK(a["features"][2]["test"] == "wasserstein");
  // An error in one feature surfaces from the workers too.
  many.per_feature["f1"] = {.test = drift::test_kind::z_test, .threshold = std::nullopt};  // > 2 values
  CHECK_THROWS_AS(drift::compute_report(in, many), tracker::error);
}

TEST_CASE("names round-trip", "[drift]") {
  for (auto t : {drift::test_kind::ks, drift::test_kind::chi_squared, drift::test_kind::z_test,
                 drift::test_kind::wasserstein, drift::test_kind::jensen_shannon, drift::test_kind::psi})
    CHECK(drift::parse_test_kind(drift::to_string(t)) == t);
  CHECK_FALSE(drift::parse_test_kind("kolmogorov"));
  CHECK(drift::parse_feature_type("categorical") == drift::feature_type::categorical);
  CHECK(drift::default_threshold(drift::test_kind::ks) == 0.05);
  CHECK(drift::default_threshold(drift::test_kind::psi) == 0.1);
}
