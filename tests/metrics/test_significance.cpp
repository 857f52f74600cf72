// test_significance.cpp — tracker/significance.hpp and the "predictions" object of metrics.hpp.
//
// Where each expected value comes from is written next to it. Binomial tails were computed
// exactly with integer arithmetic (Python: sum(math.comb(n, i) for i in range(k + 1)) / 2**n
// as a fractions.Fraction, then float) — an independent route from the library's lgamma and
// pmf-ratio summation. Small cases are also worked by hand in the comments.
#include "test_support.hpp"

#include <tracker/metrics.hpp>
#include <tracker/query.hpp>
#include <tracker/significance.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace {

namespace sig = tracker::significance;
namespace metrics = tracker::metrics;

const std::vector<std::string> abc = {"a", "b", "c"};

// A validation set of n samples over 3 classes where A and B agree with the truth in the
// proportions asked for: both right, only A right, only B right, both wrong (B then predicts
// the next class, A the one after, so "both wrong" disagree with each other too).
struct paired_set {
  std::vector<std::uint16_t> truth, a, b;
};
paired_set make_set(int both, int only_a, int only_b, int neither) {
  paired_set s;
  auto push = [&](std::uint16_t t, bool ra, bool rb) {
    s.truth.push_back(t);
    s.a.push_back(ra ? t : static_cast<std::uint16_t>((t + 2) % 3));
    s.b.push_back(rb ? t : static_cast<std::uint16_t>((t + 1) % 3));
  };
  int i = 0;
  for (int k = 0; k < both; ++k) push(static_cast<std::uint16_t>(i++ % 3), true, true);
  for (int k = 0; k < only_a; ++k) push(static_cast<std::uint16_t>(i++ % 3), true, false);
  for (int k = 0; k < only_b; ++k) push(static_cast<std::uint16_t>(i++ % 3), false, true);
  for (int k = 0; k < neither; ++k) push(static_cast<std::uint16_t>(i++ % 3), false, false);
  return s;
}

sig::comparison compare(const paired_set& s, const sig::options& o = {}) {
  return sig::compare_paired(s.truth, s.a, s.b, abc, o);
}

metrics::predictions to_predictions(const std::vector<std::uint16_t>& truth,
                                    const std::vector<std::uint16_t>& pred) {
  metrics::predictions p(abc);
  for (std::size_t i = 0; i < truth.size(); ++i) p.add(truth[i], pred[i], 0.5);
  return p;
}

tracker::options store_options(const tracker_test::temp_dir& tmp) {
  tracker::options o;
  o.project = "significance";
  o.store = tmp.store();
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

}  // namespace

// =============================================================================================
// Binomial and McNemar
// =============================================================================================

TEST_CASE("binomial two-sided p matches scipy.stats.binomtest(k, n, 0.5) exactly computed",
          "[significance]") {
  // n = 10, k = 1: P(X <= 1) = (C(10,0) + C(10,1)) / 2^10 = 11/1024; two-sided = 22/1024.
  CHECK(sig::binomial_two_sided_p(1, 10) == Approx(0.021484375).epsilon(1e-12));
  CHECK(sig::binomial_two_sided_p(9, 10) == Approx(0.021484375).epsilon(1e-12));  // symmetric
  // n = 10, k = 2: 2 · (1 + 10 + 45) / 1024 = 112/1024.
  CHECK(sig::binomial_two_sided_p(2, 10) == Approx(0.109375).epsilon(1e-12));
  // n = 6, k = 0: 2 · 1/64.
  CHECK(sig::binomial_two_sided_p(0, 6) == Approx(0.03125).epsilon(1e-12));
  // n = 15, k = 3: 2 · (1 + 15 + 105 + 455) / 32768 = 1152/32768.
  CHECK(sig::binomial_two_sided_p(3, 15) == Approx(0.03515625).epsilon(1e-12));
  // Larger n, exact integer sums (see the file comment).
  CHECK(sig::binomial_two_sided_p(40, 100) == Approx(0.05688793364098079).epsilon(1e-9));
  CHECK(sig::binomial_two_sided_p(312, 661) == Approx(0.16139142537866866).epsilon(1e-9));
  CHECK(sig::binomial_two_sided_p(4900, 10000) == Approx(0.04658552770494739).epsilon(1e-8));
  // Capped at 1: n = 3, k = 1 gives 2 · 4/8 = 1; n = 1, k = 0 gives 2 · 1/2 = 1 (scipy: 1.0).
  CHECK(sig::binomial_two_sided_p(1, 3) == 1.0);
  CHECK(sig::binomial_two_sided_p(0, 1) == 1.0);
  // k at the centre: exactly 1 (scipy returns 1 when k == n·p).
  CHECK(sig::binomial_two_sided_p(5, 10) == 1.0);
  CHECK(sig::binomial_two_sided_p(0, 0) == 1.0);
  // Far tails underflow gracefully to (near) zero, never NaN.
  const double tiny = sig::binomial_two_sided_p(0, 5000);
  CHECK(tiny >= 0);
  CHECK(tiny < 1e-300);
  const double big = sig::binomial_two_sided_p(450'000, 1'000'000);
  CHECK(big >= 0);
  CHECK(big < 1e-100);
}

TEST_CASE("McNemar: exact, mid-p and chi-squared variants, ties and zero discordance",
          "[significance]") {
  using v = sig::mcnemar_variant;
  // b = 1 only-A-right, c = 9 only-B-right: binomial test of 1 in Binomial(10, 1/2) (above).
  CHECK(sig::mcnemar_p(1, 9) == Approx(0.021484375).epsilon(1e-12));
  CHECK(sig::mcnemar_p(9, 1) == Approx(0.021484375).epsilon(1e-12));
  // mid-p = 2 · P(X <= 1) − P(X = 1) = 22/1024 − 10/1024 = 12/1024.
  CHECK(sig::mcnemar_p(1, 9, v::mid_p) == Approx(0.01171875).epsilon(1e-12));
  // n = 15, k = 3: (2 · 576 − 455) / 32768 = 697/32768.
  CHECK(sig::mcnemar_p(3, 12, v::mid_p) == Approx(0.021270751953125).epsilon(1e-12));
  // chi-squared with continuity correction: (|1 − 9| − 1)² / 10 = 4.9; P(chi2_1 > 4.9) =
  // erfc(sqrt(4.9 / 2)) = 0.026856695507524425. (10, 20): 81/30 = 2.7 -> 0.10034824646229074.
  CHECK(sig::mcnemar_p(1, 9, v::chi2) == Approx(0.026856695507524425).epsilon(1e-12));
  CHECK(sig::mcnemar_p(10, 20, v::chi2) == Approx(0.10034824646229074).epsilon(1e-12));
  // Reference point of the chi-squared distribution: P(chi2_1 > 3.841458820694124) = 0.05.
  // (|b − c| − 1)² / (b + c) = 3.8414588... is not reachable with integers; check monotonicity
  // around it instead: (20, 40) gives 361/60 = 6.02 -> p < 0.05; (25, 35) gives 81/60 -> p > 0.05.
  CHECK(sig::mcnemar_p(20, 40, v::chi2) < 0.05);
  CHECK(sig::mcnemar_p(25, 35, v::chi2) > 0.05);

  for (v variant : {v::exact, v::mid_p, v::chi2}) {
    INFO(sig::to_string(variant));
    CHECK(sig::mcnemar_p(0, 0, variant) == 1.0);  // no discordant pairs: identical correctness
    CHECK(sig::mcnemar_p(7, 7, variant) == 1.0);  // a tie
    CHECK(sig::mcnemar_p(500, 500, variant) == 1.0);
  }
  // One discordant pair: exact 2 · 1/2 = 1; mid-p 1 − 1/2 = 0.5; chi-squared (1 − 1)² / 1 = 0 -> 1.
  CHECK(sig::mcnemar_p(0, 1) == 1.0);
  CHECK(sig::mcnemar_p(0, 1, v::mid_p) == Approx(0.5));
  CHECK(sig::mcnemar_p(0, 1, v::chi2) == 1.0);
  CHECK(sig::parse_mcnemar_variant("mcnemar_midp") == v::mid_p);
  CHECK(sig::parse_mcnemar_variant("mcnemar_chi2") == v::chi2);
  CHECK(sig::parse_mcnemar_variant("mcnemar_exact") == v::exact);
  CHECK_FALSE(sig::parse_mcnemar_variant("fisher"));
}

// =============================================================================================
// Wilson and Newcombe
// =============================================================================================

TEST_CASE("Wilson interval and Newcombe's difference match the published examples",
          "[significance]") {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I,
  // method 3 (score, no continuity correction): 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624
  // to 0.1605. Our values to 4 decimals, and to 1e-9 against the closed form computed
  // separately: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n).
  sig::interval w = sig::wilson_interval(81, 263);
  CHECK(w.lo == Approx(0.2552885198782742).epsilon(1e-9));
  CHECK(w.hi == Approx(0.36620957698280004).epsilon(1e-9));
  w = sig::wilson_interval(15, 148);
  CHECK(w.lo == Approx(0.0623863995307363).epsilon(1e-9));
  CHECK(w.hi == Approx(0.16048724172330803).epsilon(1e-9));
  // 8/10: statsmodels proportion_confint(8, 10, method="wilson") = (0.4901625, 0.9433178).
  w = sig::wilson_interval(8, 10);
  CHECK(w.lo == Approx(0.49016247153664183).epsilon(1e-9));
  CHECK(w.hi == Approx(0.9433178485456247).epsilon(1e-9));
  // Edges: 0/10 starts at exactly 0, 10/10 ends at 1; no data is [0, 1].
  CHECK(sig::wilson_interval(0, 10).lo == 0.0);
  CHECK(sig::wilson_interval(0, 10).hi == Approx(0.2775327998628892).epsilon(1e-9));
  CHECK(sig::wilson_interval(10, 10).hi == Approx(1.0));
  CHECK(sig::wilson_interval(0, 0) == sig::interval{0.0, 1.0});

  // Newcombe (1998), "Interval estimation for the difference between independent proportions",
  // Table II example (a): 56/70 − 48/80, method 10 -> +0.0524 to +0.3339.
  const sig::interval d = sig::newcombe_difference(48, 80, 56, 70);
  CHECK(d.lo == Approx(0.0524).margin(5e-5));
  CHECK(d.hi == Approx(0.3339).margin(5e-5));
}

// =============================================================================================
// Paired comparison and bootstrap
// =============================================================================================

TEST_CASE("paired comparison: point values, the 2x2 table and McNemar from per-sample data",
          "[significance]") {
  // 100 samples: 80 both right, 1 only A, 9 only B, 10 neither -> b = 1, c = 9.
  const paired_set s = make_set(80, 1, 9, 10);
  const sig::comparison c = compare(s);
  CHECK(c.paired);
  CHECK(c.samples == 100);
  CHECK(c.both_correct == 80);
  CHECK(c.only_a_correct == 1);
  CHECK(c.only_b_correct == 9);
  CHECK(c.both_wrong == 10);
  const sig::metric_difference* acc = c.find("accuracy");
  REQUIRE(acc);
  CHECK(acc->a == Approx(0.81));
  CHECK(acc->b == Approx(0.89));
  CHECK(acc->diff == Approx(0.08));
  CHECK(acc->test == "mcnemar_exact");
  REQUIRE(acc->p_value);
  CHECK(*acc->p_value == Approx(0.021484375).epsilon(1e-12));  // 22/1024, as above
  CHECK(acc->significant);

  // Macro and per-class F1 equal metrics::compute_report on each run's confusion matrix.
  metrics::confusion_matrix cm_a(abc), cm_b(abc);
  for (std::size_t i = 0; i < s.truth.size(); ++i)
    cm_a.add(s.truth[i], s.a[i]), cm_b.add(s.truth[i], s.b[i]);
  const auto ra = metrics::compute_report(cm_a), rb = metrics::compute_report(cm_b);
  REQUIRE(c.find("f1_macro"));
  CHECK(c.find("f1_macro")->a == Approx(ra.macro.f1));
  CHECK(c.find("f1_macro")->b == Approx(rb.macro.f1));
  CHECK(c.find("f1_macro")->test == "paired_bootstrap");
  for (std::size_t k = 0; k < abc.size(); ++k) {
    const sig::metric_difference* f = c.find("f1/" + abc[k]);
    REQUIRE(f);
    CHECK(f->a == Approx(ra.per_class[k].f1));
    CHECK(f->b == Approx(rb.per_class[k].f1));
  }
  REQUIRE(c.metrics.size() == 2 + abc.size());

  // Other variants on request.
  CHECK(*compare(s, {.test = sig::mcnemar_variant::mid_p}).find("accuracy")->p_value ==
        Approx(0.01171875).epsilon(1e-12));
  CHECK(compare(s, {.test = sig::mcnemar_variant::chi2}).find("accuracy")->test == "mcnemar_chi2");
  // alpha moves the decision, not the numbers: p = 0.0215 is not significant at 0.01.
  CHECK_FALSE(compare(s, {.alpha = 0.01}).find("accuracy")->significant);
}

TEST_CASE("identical runs: every difference is 0, p = 1, intervals [0, 0], nothing significant",
          "[significance]") {
  paired_set s = make_set(70, 0, 0, 30);
  s.b = s.a;
  const sig::comparison c = compare(s);
  CHECK(c.only_a_correct == 0);
  CHECK(c.only_b_correct == 0);
  for (const sig::metric_difference& m : c.metrics) {
    INFO(m.name);
    CHECK(m.diff == 0.0);
    REQUIRE(m.p_value);
    CHECK(*m.p_value == 1.0);
    REQUIRE(m.ci95);
    CHECK(m.ci95->lo == 0.0);
    CHECK(m.ci95->hi == 0.0);
    CHECK_FALSE(m.significant);
  }
  // Different predictions with identical correctness (both wrong, differently): McNemar p = 1.
  paired_set t = make_set(50, 0, 0, 50);
  const sig::comparison ct = compare(t);
  CHECK(*ct.find("accuracy")->p_value == 1.0);
  CHECK(ct.find("accuracy")->diff == 0.0);
}

TEST_CASE("paired bootstrap: seeded and reproducible, interval width as the delta method predicts",
          "[significance]") {
  // 10,000 samples: 8000 both right, 300 only A, 400 only B, 1300 neither. Accuracy B − A =
  // (400 − 300) / 10000 = 0.01. The bootstrap distribution of the paired difference has
  // standard error sqrt((p_b + p_c − (p_c − p_b)²) / N) = sqrt((0.07 − 0.0001) / 10000)
  // = 0.0026439 (the variance of the mean of a variable taking −1, +1, 0 with probabilities
  // 0.03, 0.04, 0.93), so the 95% percentile interval is close to 0.01 ± 1.96 · 0.0026439 =
  // [0.004818, 0.015182]; Monte Carlo error of the 2.5% quantile with 10,000 resamples is
  // ~0.03 SE ≈ 8e-5, and the normal approximation is good at N = 10,000.
  const paired_set s = make_set(8000, 300, 400, 1300);
  const sig::comparison c1 = compare(s, {.seed = 42});
  const sig::metric_difference* acc = c1.find("accuracy");
  REQUIRE(acc->ci95);
  CHECK(acc->ci95->lo == Approx(0.004818).margin(4e-4));
  CHECK(acc->ci95->hi == Approx(0.015182).margin(4e-4));
  // McNemar: binomial test of 300 in Binomial(700, 1/2): p far below 0.05.
  CHECK(*acc->p_value < 1e-3);

  // Same seed, same everything; another seed moves the intervals a little.
  const sig::comparison c2 = compare(s, {.seed = 42});
  for (std::size_t m = 0; m < c1.metrics.size(); ++m) {
    CHECK(c1.metrics[m].ci95 == c2.metrics[m].ci95);
    CHECK(c1.metrics[m].p_value == c2.metrics[m].p_value);
  }
  // The thread count does not change a single number (one random stream per resample).
  const sig::comparison one = compare(s, {.seed = 42, .threads = 1}),
                        three = compare(s, {.seed = 42, .threads = 3});
  for (std::size_t m = 0; m < c1.metrics.size(); ++m) {
    CHECK(one.metrics[m].ci95 == c1.metrics[m].ci95);
    CHECK(three.metrics[m].ci95 == c1.metrics[m].ci95);
    CHECK(three.metrics[m].p_value == c1.metrics[m].p_value);
  }
  const sig::comparison c3 = compare(s, {.seed = 43});
  CHECK_FALSE(c1.find("f1_macro")->ci95 == c3.find("f1_macro")->ci95);
  CHECK(c3.find("accuracy")->ci95->lo == Approx(0.004818).margin(4e-4));

  // No bootstrap: no intervals, McNemar still there.
  const sig::comparison c0 = compare(s, {.resamples = 0});
  CHECK_FALSE(c0.find("accuracy")->ci95);
  CHECK(c0.find("accuracy")->p_value);
  CHECK_FALSE(c0.find("f1_macro")->p_value);
  CHECK_FALSE(c0.find("f1_macro")->significant);
}

TEST_CASE("paired bootstrap on class-triple counts equals resampling sample indices",
          "[significance]") {
  // The library draws multinomial counts of (true, A, B) triples instead of N indices; the two
  // are the same distribution. Check it against the textbook algorithm written here: draw N
  // indices uniformly with replacement, recompute macro F1 for A and B from confusion matrices
  // (metrics::compute_report), take B − A. Both interval ends agree within Monte Carlo error.
  std::mt19937_64 gen(7);
  std::uniform_int_distribution<int> cls(0, 2), coin(0, 99);
  std::vector<std::uint16_t> truth, a, b;
  for (int i = 0; i < 600; ++i) {
    const auto t = static_cast<std::uint16_t>(cls(gen));
    truth.push_back(t);
    a.push_back(coin(gen) < 75 ? t : static_cast<std::uint16_t>(cls(gen)));
    b.push_back(coin(gen) < 80 ? t : static_cast<std::uint16_t>(cls(gen)));
  }
  const sig::comparison c = sig::compare_paired(truth, a, b, abc, {.resamples = 4000, .seed = 1});

  const int resamples = 4000;
  std::vector<double> diffs;
  std::uniform_int_distribution<std::size_t> pick(0, truth.size() - 1);
  for (int r = 0; r < resamples; ++r) {
    metrics::confusion_matrix ca(abc), cb(abc);
    for (std::size_t i = 0; i < truth.size(); ++i) {
      const std::size_t j = pick(gen);
      ca.add(truth[j], a[j]);
      cb.add(truth[j], b[j]);
    }
    diffs.push_back(metrics::compute_report(cb).macro.f1 - metrics::compute_report(ca).macro.f1);
  }
  std::sort(diffs.begin(), diffs.end());
  const double lo = diffs[static_cast<std::size_t>(0.025 * (resamples - 1))];
  const double hi = diffs[static_cast<std::size_t>(0.975 * (resamples - 1))];
  const double width = hi - lo;  // ~4 SE
  const sig::metric_difference* f = c.find("f1_macro");
  CHECK(f->ci95->lo == Approx(lo).margin(0.08 * width));
  CHECK(f->ci95->hi == Approx(hi).margin(0.08 * width));
}

TEST_CASE("different validation sets are refused with a clear message, never compared",
          "[significance]") {
  const paired_set s = make_set(40, 5, 5, 10);
  const metrics::predictions pa = to_predictions(s.truth, s.a);

  SECTION("a different number of samples") {
    metrics::predictions pb = to_predictions(s.truth, s.b);
    pb.add(0, 0, 0.1);
    CHECK_THROWS_WITH(sig::compare_paired(pa, pb), Catch::Contains("different validation sets") &&
                                                       Catch::Contains("60") &&
                                                       Catch::Contains("61"));
  }
  SECTION("the same size, other true labels") {
    std::vector<std::uint16_t> other = s.truth;
    other[7] = static_cast<std::uint16_t>((other[7] + 1) % 3);
    other[9] = static_cast<std::uint16_t>((other[9] + 1) % 3);
    CHECK_THROWS_WITH(
        sig::compare_paired(pa, to_predictions(other, s.b)),
        Catch::Contains("true class differs at 2 of 60") && Catch::Contains("index 7"));
  }
  SECTION("other dataset indices") {
    metrics::predictions pb(abc);
    for (std::size_t i = 0; i < s.truth.size(); ++i)
      pb.add(s.truth[i], s.b[i], {}, static_cast<std::int64_t>(i + 100));
    CHECK_THROWS_WITH(sig::compare_paired(pa, pb), Catch::Contains("dataset indices differ"));
  }
  SECTION("other class labels") {
    metrics::predictions pb({"a", "b", "z"});
    for (std::size_t i = 0; i < s.truth.size(); ++i) pb.add(s.truth[i], s.b[i]);
    CHECK_THROWS_WITH(sig::compare_paired(pa, pb), Catch::Contains("different class labels"));
  }
  SECTION("nothing to compare") {
    CHECK_THROWS_WITH(sig::compare_paired(metrics::predictions(abc), metrics::predictions(abc)),
                      Catch::Contains("no samples"));
  }
  SECTION("the same samples added in another order are the same set") {
    metrics::predictions pb(abc);
    for (std::size_t i = s.truth.size(); i-- > 0;)
      pb.add(s.truth[i], s.b[i], {}, static_cast<std::int64_t>(i));
    const sig::comparison c = sig::compare_paired(pa, pb);
    CHECK(c.only_a_correct == 5);
    CHECK(c.only_b_correct == 5);
  }
  SECTION("unpaired: confusion matrices of different validation sets") {
    metrics::confusion_matrix a(abc), b(abc);
    a.add(0, 0, 10), a.add(1, 1, 10);
    b.add(0, 0, 10), b.add(1, 1, 9), b.add(2, 2, 1);
    CHECK_THROWS_WITH(sig::compare_unpaired(a, b),
                      Catch::Contains("different validation sets") &&
                          Catch::Contains("'b' has 10 samples in A and 9 in B"));
  }
}

TEST_CASE("unpaired fallback: Wilson interval of each accuracy and Newcombe's interval of B − A",
          "[significance]") {
  // A: 48 of 80 right, B: 56 of 70 would be different sets; the same 80 samples: A 48, B 64.
  metrics::confusion_matrix a({"x", "y"}), b({"x", "y"});
  a.add(0, 0, 30), a.add(0, 1, 10), a.add(1, 1, 18), a.add(1, 0, 22);  // 48 of 80
  b.add(0, 0, 35), b.add(0, 1, 5), b.add(1, 1, 29), b.add(1, 0, 11);   // 64 of 80
  const sig::comparison c = sig::compare_unpaired(a, b);
  CHECK_FALSE(c.paired);
  CHECK(c.samples == 80);
  REQUIRE(c.metrics.size() == 1);
  const sig::metric_difference& m = c.metrics[0];
  CHECK(m.name == "accuracy");
  CHECK(m.test == "wilson_unpaired");
  CHECK(m.a == Approx(0.6));
  CHECK(m.b == Approx(0.8));
  CHECK_FALSE(m.p_value);
  REQUIRE(m.a_ci95);
  CHECK(*m.a_ci95 == sig::wilson_interval(48, 80));
  CHECK(*m.b_ci95 == sig::wilson_interval(64, 80));
  CHECK(*m.ci95 == sig::newcombe_difference(48, 80, 64, 80));
  CHECK(m.ci95->lo > 0);  // 0.2 is clear of 0 even unpaired
  CHECK(m.significant);
  // Same accuracy: not significant.
  CHECK_FALSE(sig::compare_unpaired(a, a).metrics[0].significant);
}

// =============================================================================================
// The predictions object
// =============================================================================================

TEST_CASE("predictions: compact body, exact labels, bfloat16 losses, indices round-trip",
          "[significance][predictions]") {
  SECTION("10,000 samples of 10 classes stay well under 100 KB") {
    std::vector<std::string> labels;
    for (int k = 0; k < 10; ++k) labels.push_back("class" + std::to_string(k));
    metrics::predictions p(labels);
    std::mt19937 gen(3);
    std::uniform_int_distribution<int> cls(0, 9);
    std::exponential_distribution<double> loss(3.0);
    for (int i = 0; i < 10'000; ++i) p.add(cls(gen), cls(gen), loss(gen));
    const std::string text = p.to_json().dump();
    INFO("body bytes: " << text.size());
    // 10,000 · (1 + 1 + 2) bytes = 40,000 raw -> 53,336 base64 characters + labels and keys.
    CHECK(text.size() < 54'000);
    const metrics::predictions back = metrics::predictions::from_json(nlohmann::json::parse(text));
    CHECK(back.true_class() == p.true_class());
    CHECK(back.predicted_class() == p.predicted_class());
    CHECK(back.dataset_index() == p.dataset_index());
    for (std::size_t i = 0; i < p.size(); ++i) {
      // bfloat16 keeps 8 significant bits: relative error <= 2^-8 with round-to-nearest.
      CHECK(std::fabs(back.loss()[i] - p.loss()[i]) <= std::fabs(p.loss()[i]) * (1.0 / 256));
    }
    CHECK(back.confusion() == p.confusion());
  }
  SECTION("bfloat16 values that are exact, and non-finite losses") {
    metrics::predictions p({"a", "b"});
    // 1.0 = 0x3F800000 and 0.5 = 0x3F000000 fit in 16 bits; 0.1f = 0x3DCCCCCD rounds to
    // 0x3DCD -> 0.10009765625; 1e-30 keeps float32's exponent range (bfloat16's point).
    const double inf = std::numeric_limits<double>::infinity();
    for (double l : {1.0, 0.5, 0.1, 1e-30, inf, std::nan("")}) p.add(0, 1, l);
    p.add(1, 1);  // no loss: NaN
    const auto back = metrics::predictions::from_json(p.to_json());
    CHECK(back.loss()[0] == 1.0f);
    CHECK(back.loss()[1] == 0.5f);
    CHECK(back.loss()[2] == 0.10009765625f);
    CHECK(back.loss()[3] == Approx(1e-30).epsilon(1.0 / 256));
    CHECK(std::isinf(back.loss()[4]));
    CHECK(std::isnan(back.loss()[5]));
    CHECK(std::isnan(back.loss()[6]));
  }
  SECTION("no loss at all: the field is left out") {
    metrics::predictions p({"a", "b"});
    p.add(0, 1), p.add(1, 1);
    const nlohmann::json body = p.to_json();
    CHECK_FALSE(body.contains("loss"));
    CHECK_FALSE(metrics::predictions::from_json(body).has_loss());
  }
  SECTION("dataset indices: sorted on write, kept when not 0..n-1, duplicates refused") {
    metrics::predictions p({"a", "b"});
    p.add(1, 1, 0.2, 30);
    p.add(0, 1, 0.3, 10);
    p.add(0, 0, 0.4, 20);
    const nlohmann::json body = p.to_json();
    CHECK(body.contains("index"));
    const auto back = metrics::predictions::from_json(body);
    CHECK(back.dataset_index() == std::vector<std::uint32_t>{10, 20, 30});
    CHECK(back.true_class() == std::vector<std::uint16_t>{0, 0, 1});
    CHECK(back.predicted_class() == std::vector<std::uint16_t>{1, 0, 1});
    p.add(0, 0, 0.1, 20);
    CHECK_THROWS_WITH(p.to_json(), Catch::Contains("dataset index 20 was added twice"));
    metrics::predictions q({"a", "b"});
    q.add(0, 0, {}, 1), q.add(1, 1, {}, 0);  // a permutation of 0..n-1 needs no index field
    CHECK_FALSE(q.to_json().contains("index"));
  }
  SECTION("more than 256 classes use 16-bit labels") {
    std::vector<std::string> labels;
    for (int k = 0; k < 300; ++k) labels.push_back("c" + std::to_string(k));
    metrics::predictions p(labels);
    p.add(299, 5), p.add(7, 256);
    const nlohmann::json body = p.to_json();
    CHECK(body.at("label_type") == "uint16");
    const auto back = metrics::predictions::from_json(body);
    CHECK(back.true_class() == std::vector<std::uint16_t>{299, 7});
    CHECK(back.predicted_class() == std::vector<std::uint16_t>{5, 256});
  }
  SECTION("bad input is refused with the reason") {
    metrics::predictions p({"a", "b"});
    CHECK_THROWS_WITH(p.add(2, 0), Catch::Contains("outside [0, 2)"));
    CHECK_THROWS_WITH(p.add(0, 0, {}, -1), Catch::Contains("dataset index -1"));
    CHECK(p.empty());
    p.add(0, 1), p.add(1, 1), p.add(1, 0);
    nlohmann::json body = p.to_json();
    CHECK(body.at("true_label") == "AAEB");  // bytes 00 01 01 in base64
    nlohmann::json bad = body;
    bad["count"] = 4;
    CHECK_THROWS_WITH(metrics::predictions::from_json(bad), Catch::Contains("count says 4"));
    bad = body;
    bad["true_label"] = "AA!B";
    CHECK_THROWS_WITH(metrics::predictions::from_json(bad), Catch::Contains("not base64"));
    bad = body;
    bad["predicted_label"] = "AQIB";  // 01 02 01: class 2 of 2
    CHECK_THROWS_WITH(metrics::predictions::from_json(bad), Catch::Contains("outside [0, 2)"));
    bad = body;
    bad["version"] = 2;
    CHECK_THROWS_WITH(metrics::predictions::from_json(bad), Catch::Contains("upgrade tracker"));
    CHECK_THROWS(metrics::predictions({"a", "a"}));
  }
}

TEST_CASE("log_predictions stores a predictions object that reads back from the store",
          "[significance][predictions]") {
  tracker_test::temp_dir tmp;
  std::string id;
  {
    tracker::run run = tracker::init(store_options(tmp));
    id = run.id();
    metrics::predictions p({"cat", "dog"});
    p.add(0, 0, 0.25), p.add(1, 0, 2.5), p.add(1, 1, 0.125);
    metrics::log_predictions(run, "val/predictions", p, 3);
    run.finish();
  }
  const tracker::reader store = tracker::reader::open(tmp.store());
  const auto rec = store.object(id, "val/predictions");
  REQUIRE(rec);
  CHECK(rec->kind == "predictions");
  CHECK(rec->step == 3);
  const auto p = metrics::predictions::from_json(nlohmann::json::parse(rec->body_json));
  CHECK(p.labels() == std::vector<std::string>{"cat", "dog"});
  CHECK(p.true_class() == std::vector<std::uint16_t>{0, 1, 1});
  CHECK(p.predicted_class() == std::vector<std::uint16_t>{0, 0, 1});
  CHECK(p.loss() == std::vector<float>{0.25f, 2.5f, 0.125f});  // exact in bfloat16
}
