// test_drift_report.cpp — tracker/drift.hpp: the test chosen per feature (Evidently's
// defaults and overrides), thresholds, edge cases (constant, missing, empty, unseen), and
// compute_report. Sources of expected values as listed in test_drift.cpp.
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
  one.threads = 1;  // the caller's thread only (the default, 0, picks by size)
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
