// test_metrics.cpp — tracker/metrics.hpp: classification metrics against hand-checked fixtures
// (each also checked against scikit-learn 1.2.1 / numpy 1.24: the numbers in the comments are
// what precision_recall_fscore_support(..., labels=range(k), zero_division=0) and
// numpy.histogram print), then the confusion matrix, histogram and table bodies. Through a real
// store and the CLI: test_metrics_store.cpp.
#include <catch2/catch.hpp>

#include <tracker/metrics.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "metrics_fixtures.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace metrics = tracker::metrics;
using Catch::Matchers::Contains;

using metrics_fixtures::make_cm;
using metrics_fixtures::three_class;

// ============================================================================================
// Classification report
// ============================================================================================

TEST_CASE("compute_report: 3-class fixture matches scikit-learn", "[metrics]") {
  const metrics::classification_report r = metrics::compute_report(three_class());
  CHECK(r.total == 15);
  CHECK(r.accuracy == Approx(10.0 / 15));  // sklearn: 0.6666666666666666

  REQUIRE(r.per_class.size() == 3);
  // precision = diagonal / column sum; recall = diagonal / row sum; f1 = 2tp / (row + col).
  CHECK(r.per_class[0].label == "a");
  CHECK(r.per_class[0].precision == Approx(5.0 / 8));   // 0.625
  CHECK(r.per_class[0].recall == Approx(5.0 / 6));      // 0.8333
  CHECK(r.per_class[0].f1 == Approx(10.0 / 14));        // 0.7142857
  CHECK(r.per_class[0].support == 6);
  CHECK(r.per_class[0].predicted == 8);
  CHECK(r.per_class[1].precision == Approx(3.0 / 4));   // 0.75
  CHECK(r.per_class[1].recall == Approx(0.5));
  CHECK(r.per_class[1].f1 == Approx(0.6));              // 6 / (6 + 4)
  CHECK(r.per_class[2].precision == Approx(2.0 / 3));
  CHECK(r.per_class[2].recall == Approx(2.0 / 3));
  CHECK(r.per_class[2].f1 == Approx(2.0 / 3));          // 4 / (3 + 3)
  CHECK(r.per_class[2].support == 3);

  // macro: plain means. P = (5/8 + 3/4 + 2/3) / 3 = 49/72 (sklearn 0.6805555555555555)
  CHECK(r.macro.precision == Approx(49.0 / 72));
  CHECK(r.macro.recall == Approx(2.0 / 3));             // (5/6 + 3/6 + 4/6) / 3
  CHECK(r.macro.f1 == Approx(208.0 / 315));             // (5/7 + 3/5 + 2/3) / 3 = 0.6603174603
  // micro = accuracy for single-label data over all labels.
  CHECK(r.micro.precision == Approx(10.0 / 15));
  CHECK(r.micro.recall == Approx(10.0 / 15));
  CHECK(r.micro.f1 == Approx(10.0 / 15));
  // weighted by support (6, 6, 3): P = (6·5/8 + 6·3/4 + 3·2/3) / 15 = 41/60 (0.68333)
  CHECK(r.weighted.precision == Approx(41.0 / 60));
  CHECK(r.weighted.recall == Approx(10.0 / 15));        // weighted recall is always accuracy
  CHECK(r.weighted.f1 == Approx(346.0 / 525));          // (6·5/7 + 6·3/5 + 3·2/3)/15 = 0.6590476
}

TEST_CASE("compute_report: absent classes score 0 and still count in the macro mean", "[metrics]") {
  // c never occurs (no true, no predicted samples); d occurs but is never predicted.
  //        a  b  c  d
  //   a [  3, 1, 0, 0 ]  4
  //   b [  1, 2, 0, 0 ]  3
  //   c [  0, 0, 0, 0 ]  0
  //   d [  2, 0, 0, 0 ]  2       predicted: a 6, b 3, c 0, d 0; total 9; diagonal 5
  const auto r = metrics::compute_report(
      make_cm({"a", "b", "c", "d"}, {{3, 1, 0, 0}, {1, 2, 0, 0}, {0, 0, 0, 0}, {2, 0, 0, 0}}));
  CHECK(r.accuracy == Approx(5.0 / 9));
  CHECK(r.per_class[0].precision == Approx(0.5));
  CHECK(r.per_class[0].recall == Approx(0.75));
  CHECK(r.per_class[0].f1 == Approx(0.6));
  for (std::size_t i : {2u, 3u}) {  // zero_division = 0, never NaN
    CHECK(r.per_class[i].precision == 0.0);
    CHECK(r.per_class[i].recall == 0.0);
    CHECK(r.per_class[i].f1 == 0.0);
  }
  CHECK(r.per_class[2].support == 0);
  CHECK(r.per_class[3].support == 2);
  CHECK(r.per_class[3].predicted == 0);
  // sklearn macro (0.29166666666666663, 0.35416666666666663, 0.31666666666666665)
  CHECK(r.macro.precision == Approx(7.0 / 24));   // (1/2 + 2/3 + 0 + 0) / 4
  CHECK(r.macro.recall == Approx(17.0 / 48));     // (3/4 + 2/3) / 4
  CHECK(r.macro.f1 == Approx(19.0 / 60));         // (3/5 + 2/3) / 4
  // sklearn weighted (0.4444444444444444, 0.5555555555555556, 0.48888888888888893)
  CHECK(r.weighted.precision == Approx(4.0 / 9));  // (4·1/2 + 3·2/3) / 9
  CHECK(r.weighted.recall == Approx(5.0 / 9));
  CHECK(r.weighted.f1 == Approx(22.0 / 45));       // (4·3/5 + 3·2/3) / 9
  CHECK(r.micro.f1 == Approx(5.0 / 9));
}

TEST_CASE("compute_report: a single class, all correct, and with no samples", "[metrics]") {
  metrics::confusion_matrix cm({"only"});
  auto empty = metrics::compute_report(cm);
  CHECK(empty.total == 0);
  CHECK(empty.accuracy == 0.0);  // sklearn would warn; we report 0, never NaN
  CHECK(empty.macro.f1 == 0.0);
  CHECK(empty.weighted.precision == 0.0);
  CHECK(empty.micro.recall == 0.0);

  cm.add(0, 0, 7);
  auto r = metrics::compute_report(cm);  // sklearn: everything 1.0
  CHECK(r.accuracy == 1.0);
  CHECK(r.macro.precision == 1.0);
  CHECK(r.macro.f1 == 1.0);
  CHECK(r.micro.f1 == 1.0);
  CHECK(r.weighted.recall == 1.0);
  CHECK(r.per_class[0].support == 7);
}

TEST_CASE("compute_report: all predictions wrong gives zeros everywhere", "[metrics]") {
  const auto r = metrics::compute_report(make_cm({"x", "y", "z"}, {{0, 2, 1}, {3, 0, 0}, {1, 1, 0}}));
  CHECK(r.total == 8);
  CHECK(r.accuracy == 0.0);
  for (const auto* a : {&r.macro, &r.micro, &r.weighted}) {
    CHECK(a->precision == 0.0);
    CHECK(a->recall == 0.0);
    CHECK(a->f1 == 0.0);
  }
  for (const auto& c : r.per_class) CHECK(c.f1 == 0.0);
}

TEST_CASE("compute_report: an empty label list", "[metrics]") {
  const auto r = metrics::compute_report(metrics::confusion_matrix{});
  CHECK(r.per_class.empty());
  CHECK(r.accuracy == 0.0);
  CHECK(r.macro.f1 == 0.0);
}

TEST_CASE("classification_report::to_json names every number", "[metrics]") {
  const auto j = metrics::compute_report(three_class()).to_json();
  CHECK(j.at("total") == 15);
  CHECK(j.at("macro").at("precision").get<double>() == Approx(49.0 / 72));
  CHECK(j.at("per_class").size() == 3);
  CHECK(j.at("per_class")[1].at("label") == "b");
  CHECK(j.at("per_class")[1].at("support") == 6);
}

// ============================================================================================
// Confusion matrix
// ============================================================================================

TEST_CASE("confusion_matrix: counting, bounds, merge", "[metrics]") {
  metrics::confusion_matrix cm({"cat", "dog"});
  cm.add(0, 0);
  cm.add(0, 1, 2);
  const std::int64_t t[] = {1, 1, 0};
  const std::int64_t p[] = {1, 0, 0};
  cm.add_all(t, p, 3);
  CHECK(cm.at(0, 0) == 2);
  CHECK(cm.at(0, 1) == 2);
  CHECK(cm.at(1, 0) == 1);
  CHECK(cm.at(1, 1) == 1);
  CHECK(cm.total() == 6);
  CHECK(cm.correct() == 3);

  CHECK_THROWS_AS(cm.add(2, 0), tracker::error);
  CHECK_THROWS_AS(cm.add(0, -1), tracker::error);
  CHECK_THROWS_AS(cm.add(0, 0, -3), tracker::error);
  CHECK_THROWS_AS(cm.at(2, 0), tracker::error);
  // add_all checks everything before adding anything.
  const std::int64_t bad_t[] = {0, 5};
  const std::int64_t bad_p[] = {0, 0};
  CHECK_THROWS_WITH(cm.add_all(bad_t, bad_p, 2), Contains("pair 1"));
  CHECK(cm.total() == 6);

  metrics::confusion_matrix other({"cat", "dog"});
  other.add(1, 1, 10);
  cm.merge(other);
  CHECK(cm.at(1, 1) == 11);
  CHECK_THROWS_AS(cm.merge(metrics::confusion_matrix({"dog", "cat"})), tracker::error);
  cm.reset();
  CHECK(cm.total() == 0);
  CHECK(cm.labels() == std::vector<std::string>{"cat", "dog"});

  CHECK_THROWS_AS(metrics::confusion_matrix({"a", "a"}), tracker::error);
  CHECK_THROWS_AS(metrics::confusion_matrix({"a", ""}), tracker::error);
}

TEST_CASE("confusion_matrix: JSON body round trip and validation", "[metrics]") {
  const metrics::confusion_matrix cm = three_class();
  const nlohmann::json body = cm.to_json();
  CHECK(body.at("version") == 1);
  CHECK(body.at("labels") == nlohmann::json({"a", "b", "c"}));
  CHECK(body.at("matrix") == nlohmann::json({{5, 1, 0}, {2, 3, 1}, {1, 0, 2}}));
  CHECK(metrics::confusion_matrix::from_json(body) == cm);
  CHECK(metrics::confusion_matrix::from_json(nlohmann::json::parse(body.dump())) == cm);

  // A hand-written body without a version reads as version 1.
  auto hand = nlohmann::json::parse(R"({"labels": ["p", "q"], "matrix": [[1, 2], [3, 4.0]]})");
  CHECK(metrics::confusion_matrix::from_json(hand).at(1, 1) == 4);

  auto throws_with = [](const char* text, const char* needle) {
    INFO(text);
    CHECK_THROWS_WITH(metrics::confusion_matrix::from_json(nlohmann::json::parse(text)), Contains(needle));
  };
  throws_with(R"({"labels": ["p", "q"], "matrix": [[1, 2]]})", "one row per label");
  throws_with(R"({"labels": ["p", "q"], "matrix": [[1, 2], [3]]})", "square");
  throws_with(R"({"labels": ["p", "q"], "matrix": [[1, -2], [3, 4]]})", "negative");
  throws_with(R"({"labels": ["p", "q"], "matrix": [[1, 2.5], [3, 4]]})", "non-negative integer");
  throws_with(R"({"labels": ["p", "q"], "matrix": [[1, "2"], [3, 4]]})", "must be a number");
  throws_with(R"({"labels": ["p"]})", "no \"matrix\"");
  throws_with(R"({"version": 2, "labels": ["p"], "matrix": [[1]]})", "upgrade tracker");
  throws_with(R"([1, 2])", "JSON object");
  try {
    metrics::confusion_matrix::from_json(nlohmann::json::parse(R"({"labels": [1], "matrix": [[1]]})"));
    FAIL("expected an error");
  } catch (const tracker::error& e) {
    CHECK(e.code() == tracker::error_code::invalid_argument);
  }
}

// ============================================================================================
// most_confused
// ============================================================================================

TEST_CASE("most_confused: largest first, ties in row-major order, min_count", "[metrics]") {
  //          a  b  c
  //    a  [  9, 2, 2 ]
  //    b  [  2, 9, 0 ]
  //    c  [  3, 1, 9 ]
  const auto cm = make_cm({"a", "b", "c"}, {{9, 2, 2}, {2, 9, 0}, {3, 1, 9}});
  const auto pairs = metrics::most_confused(cm);
  REQUIRE(pairs.size() == 5);  // zero cells and the diagonal are never listed
  CHECK((pairs[0].true_label == "c" && pairs[0].predicted_label == "a" && pairs[0].count == 3));
  // Three ties at 2: (a,b), (a,c), (b,a) — by true index, then predicted index.
  CHECK((pairs[1].true_index == 0 && pairs[1].predicted_index == 1 && pairs[1].count == 2));
  CHECK((pairs[2].true_index == 0 && pairs[2].predicted_index == 2 && pairs[2].count == 2));
  CHECK((pairs[3].true_index == 1 && pairs[3].predicted_index == 0 && pairs[3].count == 2));
  CHECK((pairs[4].true_label == "c" && pairs[4].predicted_label == "b" && pairs[4].count == 1));

  CHECK(metrics::most_confused(cm, 3).size() == 1);
  CHECK(metrics::most_confused(cm, 4).empty());
  CHECK(metrics::most_confused(cm, 0).size() == 5);  // min_count 0 still leaves out zero cells
  CHECK(metrics::most_confused(make_cm({"x"}, {{4}})).empty());
}

// ============================================================================================
// Histograms (expected values are numpy.histogram's)
// ============================================================================================

TEST_CASE("make_histogram: matches numpy.histogram", "[metrics]") {
  SECTION("spread values") {
    // np.histogram([1,2,2,3,10], bins=4) -> [4,0,0,1], edges [1, 3.25, 5.5, 7.75, 10]
    const std::vector<double> v{1, 2, 2, 3, 10};
    const auto h = metrics::make_histogram(v, 4);
    CHECK(h.edges == std::vector<double>{1, 3.25, 5.5, 7.75, 10});
    CHECK(h.counts == std::vector<std::int64_t>{4, 0, 0, 1});
    CHECK(h.count == 5);
    CHECK(h.nonfinite == 0);
    CHECK(h.min == 1);
    CHECK(h.max == 10);
  }
  SECTION("all values equal: range widened by 0.5 each side") {
    // np.histogram([5,5,5], bins=4) -> [0,0,3,0], edges [4.5, 4.75, 5, 5.25, 5.5]
    const std::vector<float> v{5, 5, 5};
    const auto h = metrics::make_histogram(v, 4);
    CHECK(h.edges == std::vector<double>{4.5, 4.75, 5, 5.25, 5.5});
    CHECK(h.counts == std::vector<std::int64_t>{0, 0, 3, 0});
    CHECK(h.min == 5);
    CHECK(h.max == 5);
  }
  SECTION("values on the edges: the edges decide, the last bin is closed") {
    // np.histogram(np.linspace(0,1,11), bins=10) -> [1,1,1,1,1,1,1,1,1,2]: linspace's values
    // are i * 0.1, exactly the edges, so each lands in its own bin and 1.0 in the closed last.
    std::vector<double> v;
    for (int i = 0; i <= 10; ++i) v.push_back(i * 0.1);
    auto h = metrics::make_histogram(v, 10);
    CHECK(h.counts == std::vector<std::int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 2});
    // i / 10.0 is not i * 0.1: 0.3 < edge 3 (0.30000000000000004) falls into bin 2, and so on.
    // np.histogram([i / 10.0 for i in range(11)], bins=10) -> [1,1,2,0,1,2,1,0,1,2]
    for (int i = 0; i <= 10; ++i) v[static_cast<std::size_t>(i)] = i / 10.0;
    h = metrics::make_histogram(v, 10);
    CHECK(h.counts == std::vector<std::int64_t>{1, 1, 2, 0, 1, 2, 1, 0, 1, 2});
    for (std::size_t i = 0; i < v.size(); ++i) {  // every value is inside its bin
      INFO("value " << v[i]);
      CHECK(h.edges.front() <= v[i]);
      CHECK(v[i] <= h.edges.back());
    }
  }
  SECTION("no values: numpy's [0, 1] range, zero counts") {
    // np.histogram([], bins=2) -> [0,0], edges [0, 0.5, 1]
    const auto h = metrics::make_histogram(static_cast<const double*>(nullptr), 0, 2);
    CHECK(h.edges == std::vector<double>{0, 0.5, 1});
    CHECK(h.counts == std::vector<std::int64_t>{0, 0});
    CHECK(h.count == 0);
    CHECK(h.to_json().at("min").is_null());
  }
  SECTION("NaN and Inf are counted apart, not binned") {
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<double> v{std::nan(""), 0.0, inf, 1.0, -inf};
    const auto h = metrics::make_histogram(v, 2);
    CHECK(h.nonfinite == 3);
    CHECK(h.count == 2);
    CHECK(h.counts == std::vector<std::int64_t>{1, 1});
    CHECK(h.edges == std::vector<double>{0, 0.5, 1});
    const std::vector<float> only_nan{std::nanf(""), std::nanf("")};
    const auto hn = metrics::make_histogram(only_nan, 3);
    CHECK(hn.nonfinite == 2);
    CHECK(hn.count == 0);
    CHECK(hn.counts == std::vector<std::int64_t>{0, 0, 0});
  }
  SECTION("a range wider than the largest double") {
    const std::vector<double> v{-1e308, 0.0, 1e308};
    const auto h = metrics::make_histogram(v, 2);
    CHECK(h.edges == std::vector<double>{-1e308, 0.0, 1e308});
    CHECK(h.counts == std::vector<std::int64_t>{1, 2});
  }
  SECTION("huge equal values still get a non-empty range") {
    const std::vector<double> v{1e20, 1e20};
    const auto h = metrics::make_histogram(v, 4);
    CHECK(h.edges.front() < 1e20);
    CHECK(h.edges.back() > 1e20);
    CHECK(h.count == 2);
    std::int64_t sum = 0;
    for (auto c : h.counts) sum += c;
    CHECK(sum == 2);
  }
  SECTION("default 64 bins; 0 bins is an error") {
    const std::vector<float> v{0.f, 1.f, 2.f};
    CHECK(metrics::make_histogram(v).counts.size() == 64);
    CHECK(metrics::make_histogram(v).edges.size() == 65);
    CHECK_THROWS_AS(metrics::make_histogram(v, 0), tracker::error);
  }
}

TEST_CASE("histogram: JSON body round trip and validation", "[metrics]") {
  const std::vector<double> v{0.5, 1.5, 1.7, std::nan("")};
  const auto h = metrics::make_histogram(v, 3);
  const auto body = h.to_json();
  CHECK(body.at("version") == 1);
  CHECK(body.at("nonfinite") == 1);
  CHECK(body.at("count") == 3);
  CHECK(body.at("min") == 0.5);
  CHECK(metrics::histogram::from_json(nlohmann::json::parse(body.dump())) == h);

  auto bad = body;
  bad["edges"].erase(bad["edges"].begin());
  CHECK_THROWS_WITH(metrics::histogram::from_json(bad), Contains("edges for"));
  bad = body;
  bad["count"] = 99;
  CHECK_THROWS_WITH(metrics::histogram::from_json(bad), Contains("add up to"));
  bad = body;
  bad["edges"][1] = 5.0;
  CHECK_THROWS_WITH(metrics::histogram::from_json(bad), Contains("decrease"));
  bad = body;
  bad["counts"][0] = -1;
  CHECK_THROWS_WITH(metrics::histogram::from_json(bad), Contains("negative"));
}

// ============================================================================================
// Tables
// ============================================================================================

TEST_CASE("table: typed columns, row checks, JSON round trip", "[metrics]") {
  metrics::table t({{"image", metrics::column_type::image},
               {"true", metrics::column_type::text},
               {"loss", metrics::column_type::number},
               {"index", metrics::column_type::number}});
  t.add_row({std::string("media/r1/val/0.png"), std::string("Shirt, long"), 2.5, 17.0});
  t.add_row({std::monostate{}, std::string("Bag"), std::nan(""), 3.0});
  CHECK(t.size() == 2);
  CHECK(t.find_column("loss") == std::optional<std::size_t>(2));
  CHECK_FALSE(t.find_column("nope"));

  CHECK_THROWS_WITH(t.add_row({std::string("x"), std::string("y"), 1.0}), Contains("3 cells for 4"));
  CHECK_THROWS_WITH(t.add_row({std::string("x"), 1.0, 1.0, 1.0}), Contains("'true' is text"));
  CHECK_THROWS_WITH(t.add_row({std::string("x"), std::string("y"), std::string("z"), 1.0}),
                    Contains("'loss' is number"));
  CHECK(t.size() == 2);  // failed rows left nothing behind

  const auto body = t.to_json();
  CHECK(body.at("version") == 1);
  CHECK(body.at("columns")[0] == nlohmann::json({{"name", "image"}, {"type", "image"}}));
  CHECK(body.at("rows")[0][3].is_number_integer());  // an index reads "17", not "17.0"
  CHECK(body.at("rows")[0][2] == 2.5);
  CHECK(body.at("rows")[1][0].is_null());
  CHECK(body.at("rows")[1][2] == "NaN");

  const metrics::table back = metrics::table::from_json(nlohmann::json::parse(body.dump()));
  REQUIRE(back.size() == 2);
  CHECK(back.columns().size() == 4);
  CHECK(back.columns()[0].type == metrics::column_type::image);
  CHECK(std::get<std::string>(back.rows()[0][1]) == "Shirt, long");
  CHECK(std::get<double>(back.rows()[0][3]) == 17.0);
  CHECK(std::holds_alternative<std::monostate>(back.rows()[1][0]));
  CHECK(std::isnan(std::get<double>(back.rows()[1][2])));

  CHECK_THROWS_AS(metrics::table({{"a", metrics::column_type::text}, {"a", metrics::column_type::number}}),
                  tracker::error);
  CHECK_THROWS_WITH(metrics::table::from_json(nlohmann::json::parse(
                        R"({"columns": [{"name": "a", "type": "video"}], "rows": []})")),
                    Contains("unknown type 'video'"));
  CHECK_THROWS_WITH(metrics::table::from_json(nlohmann::json::parse(
                        R"({"columns": [{"name": "a", "type": "number"}], "rows": [["x"]]})")),
                    Contains("not a number"));
  CHECK_THROWS_WITH(metrics::table::from_json(nlohmann::json::parse(
                        R"({"columns": [{"name": "a", "type": "text"}], "rows": [[1, 2]]})")),
                    Contains("1 cells"));
}

// ============================================================================================
// epoch_average
// ============================================================================================

TEST_CASE("epoch_average: weighted mean, reset, NaN propagates", "[metrics]") {
  metrics::epoch_average avg;
  CHECK(avg.empty());
  CHECK(std::isnan(avg.mean()));
  avg.add(1.0, 2.0);  // a batch of 2 with mean loss 1
  avg.add(4.0, 1.0);  // a last, smaller batch
  CHECK(avg.mean() == Approx(2.0));  // (2·1 + 1·4) / 3
  CHECK(avg.count() == 2);
  CHECK(avg.weight() == 3.0);
  avg.reset();
  CHECK(avg.empty());
  avg.add(0.5);
  avg.add(1.5);
  CHECK(avg.mean() == 1.0);
  avg.add(std::nan(""));
  CHECK(std::isnan(avg.mean()));  // a diverged step makes the epoch's mean NaN
}
