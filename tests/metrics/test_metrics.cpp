// test_metrics.cpp — tracker/metrics.hpp: classification metrics against hand-checked fixtures
// (each also checked against scikit-learn 1.2.1 / numpy 1.24: the numbers in the comments are
// what precision_recall_fscore_support(..., labels=range(k), zero_division=0) and
// numpy.histogram print), then confusion matrices, tables and histograms through a real store
// and through the CLI commands in-process.
#include <catch2/catch.hpp>

#include <tracker/metrics.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "cli.hpp"
#include "../cli/cli_runner.hpp"
#include "test_support.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace metrics = tracker::metrics;
using Catch::Matchers::Contains;

namespace {

metrics::confusion_matrix make_cm(std::vector<std::string> labels,
                             const std::vector<std::vector<std::int64_t>>& rows) {
  metrics::confusion_matrix cm(std::move(labels));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      if (rows[i][j]) cm.add(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j), rows[i][j]);
  return cm;
}

// The 3-class fixture used throughout (rows = true, columns = predicted):
//          a  b  c   support
//    a  [  5, 1, 0 ]   6
//    b  [  2, 3, 1 ]   6
//    c  [  1, 0, 2 ]   3
//  predicted: a 8, b 4, c 3; total 15; diagonal 10.
metrics::confusion_matrix three_class() { return make_cm({"a", "b", "c"}, {{5, 1, 0}, {2, 3, 1}, {1, 0, 2}}); }

bool same_double(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

using tracker_test::cli_result;

cli_result cli(std::vector<std::string> args) { return tracker_test::run_cli_in_process(std::move(args)); }

tracker::options store_options(const tracker_test::temp_dir& tmp) {
  tracker::options o;
  o.project = "metrics";
  o.store = tmp.store();
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

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

// ============================================================================================
// Through a real store
// ============================================================================================

TEST_CASE("log_classification: scalars and the matrix land in the store at one step", "[metrics][store]") {
  tracker_test::temp_dir tmp;
  std::string run_id;
  const metrics::confusion_matrix cm = three_class();
  {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    metrics::log_classification(run, "val", cm, 3);
    REQUIRE(run.flush());
    run.finish();
  }
  const tracker::reader store = tracker::reader::open(tmp.store());
  const auto sums = store.summaries(run_id);
  CHECK(sums.size() == 10 + 4 * 3);
  auto value = [&](const std::string& key) -> double {
    const auto s = store.summary(run_id, key);
    INFO(key);
    REQUIRE(s);
    CHECK(s->last_step == 3);
    return s->last;
  };
  CHECK(value("val/accuracy") == Approx(10.0 / 15));
  CHECK(value("val/precision_macro") == Approx(49.0 / 72));
  CHECK(value("val/recall_macro") == Approx(2.0 / 3));
  CHECK(value("val/f1_macro") == Approx(208.0 / 315));
  CHECK(value("val/precision_micro") == Approx(10.0 / 15));
  CHECK(value("val/recall_micro") == Approx(10.0 / 15));
  CHECK(value("val/f1_micro") == Approx(10.0 / 15));
  CHECK(value("val/precision_weighted") == Approx(41.0 / 60));
  CHECK(value("val/recall_weighted") == Approx(10.0 / 15));
  CHECK(value("val/f1_weighted") == Approx(346.0 / 525));
  CHECK(value("val/precision/a") == Approx(5.0 / 8));
  CHECK(value("val/recall/b") == Approx(0.5));
  CHECK(value("val/f1/b") == Approx(0.6));
  CHECK(value("val/support/c") == 3.0);

  const auto obj = store.object(run_id, "val/confusion", 3);
  REQUIRE(obj);
  CHECK(obj->kind == "confusion_matrix");
  CHECK(obj->step == 3);
  CHECK(metrics::confusion_matrix::from_json(nlohmann::json::parse(obj->body_json)) == cm);
}

TEST_CASE("log_classification without a step: everything at the run's next step", "[metrics][store]") {
  tracker_test::temp_dir tmp;
  std::string run_id;
  {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    run.log("train/loss", 0.5, 7);
    // An empty prefix gives bare keys ("accuracy", "confusion").
    metrics::log_classification(run, "", make_cm({"p", "q"}, {{1, 1}, {0, 2}}));
    REQUIRE(run.flush());
  }
  const tracker::reader store = tracker::reader::open(tmp.store());
  for (const char* key : {"accuracy", "f1_macro", "precision/p", "support/q"}) {
    INFO(key);
    const auto s = store.summary(run_id, key);
    REQUIRE(s);
    CHECK(s->first_step == 8);
    CHECK(s->last_step == 8);
  }
  CHECK(store.summary(run_id, "accuracy")->last == Approx(0.75));
  const auto obj = store.object(run_id, "confusion");
  REQUIRE(obj);
  CHECK(obj->step == 8);
}

TEST_CASE("log_table and log_histogram: round trip through the store, media referenced", "[metrics][store]") {
  tracker_test::temp_dir tmp;
  std::string run_id, media;
  metrics::table t({{"image", metrics::column_type::image}, {"label", metrics::column_type::text},
               {"loss", metrics::column_type::number}});
  const std::vector<double> values{0.1, 0.2, 0.2, 0.9, std::nan("")};
  const metrics::histogram h = metrics::make_histogram(values, 8);
  {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    media = run.log_media("val/0.png", {0x89, 'P', 'N', 'G'});
    REQUIRE_FALSE(media.empty());
    t.add_row({media, std::string("Shirt"), 2.25});
    t.add_row({std::monostate{}, std::string("Coat"), 1.0});
    metrics::log_table(run, "val/misclassified", t, 1);
    metrics::log_histogram(run, "weights/fc", h, 1);
    metrics::log_histogram(run, "weights/fc", metrics::make_histogram(values, 2), 2);
    REQUIRE(run.flush());
  }
  const tracker::reader store = tracker::reader::open(tmp.store());
  const auto to = store.object(run_id, "val/misclassified", 1);
  REQUIRE(to);
  CHECK(to->kind == "table");
  const metrics::table back = metrics::table::from_json(nlohmann::json::parse(to->body_json));
  CHECK(back == t);
  const std::string path = std::get<std::string>(back.rows()[0][0]);
  CHECK(path == media);
  std::ifstream png(tmp.store() + "/" + path, std::ios::binary);
  CHECK(png.good());  // the reference resolves against the store directory

  const auto hist = store.objects(run_id, "weights/fc", "histogram");
  REQUIRE(hist.size() == 2);
  CHECK(hist[0].step == 1);
  CHECK(hist[1].step == 2);  // latest last
  CHECK(metrics::histogram::from_json(nlohmann::json::parse(hist[0].body_json)) == h);
  const auto latest = store.object(run_id, "weights/fc");
  REQUIRE(latest);
  CHECK(latest->step == 2);
}

// ============================================================================================
// Through the CLI (in-process)
// ============================================================================================

namespace {

// A store with one run holding: val/confusion at steps 1 and 3 (three_class() at 3), a table
// at step 3 and a histogram at step 3.
struct object_store {
  tracker_test::temp_dir tmp;
  std::string run_id;
  object_store() {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    metrics::log_confusion_matrix(run, "val/confusion", make_cm({"a", "b", "c"}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}), 1);
    metrics::log_classification(run, "val", three_class(), 3);
    metrics::table t({{"image", metrics::column_type::image}, {"label", metrics::column_type::text},
                 {"loss", metrics::column_type::number}, {"index", metrics::column_type::number}});
    t.add_row({std::string("media/x/val/0.png"), std::string("Shirt, long \"sleeve\""), 2.25, 17.0});
    t.add_row({std::monostate{}, std::string("Coat"), std::nan(""), 4.0});
    metrics::log_table(run, "val/misclassified", t, 3);
    const std::vector<double> v{1, 2, 2, 3, 10, std::nan("")};
    metrics::log_histogram(run, "weights/fc", metrics::make_histogram(v, 4), 3);
    REQUIRE(run.flush());
  }
  std::string store() const { return tmp.store(); }
};

}  // namespace

TEST_CASE("tracker confusion: JSON, markdown, most confused, step selection", "[metrics][cli]") {
  object_store s;
  SECTION("json at the latest step") {
    auto r = cli({"confusion", s.run_id, "--key", "val/confusion", "--format", "json", "--store", s.store()});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("schema_version") == 1);
    CHECK(j.at("step") == 3);
    CHECK(j.at("run") == s.run_id);
    CHECK(j.at("key") == "val/confusion");
    CHECK(j.at("labels") == nlohmann::json({"a", "b", "c"}));
    CHECK(j.at("matrix") == nlohmann::json({{5, 1, 0}, {2, 3, 1}, {1, 0, 2}}));
    CHECK(r.err.empty());
  }
  SECTION("json at an earlier step, run named 'latest'") {
    auto r = cli({"confusion", "latest", "--key", "val/confusion", "--step", "1", "--format=json",
                  "--store", s.store()});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("step") == 1);
    CHECK(j.at("matrix") == nlohmann::json({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}));
  }
  SECTION("markdown: the matrix and per-class scores") {
    auto r = cli({"confusion", s.run_id, "--key", "val/confusion", "--store", s.store()});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Contains("| true \\ predicted | a | b | c |"));
    CHECK_THAT(r.out, Contains("| b | 2 | 3 | 1 |"));
    CHECK_THAT(r.out, Contains("| b | 0.75 | 0.5 | 0.6 | 6 |"));
    CHECK_THAT(r.out, Contains("| macro avg | 0.680556 | 0.666667 | 0.660317 | 15 |"));
    CHECK_THAT(r.out, Contains("accuracy 0.666667 (10 of 15)"));
  }
  SECTION("most confused, json and markdown") {
    auto r = cli({"confusion", s.run_id, "--key", "val/confusion", "--most-confused", "--format",
                  "json", "--store", s.store()});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("schema_version") == 1);
    CHECK(j.at("step") == 3);
    // off-diagonal of three_class(): (b,a)=2, then ties at 1 in row-major order.
    const auto expected = nlohmann::json::parse(R"([
      {"true": "b", "predicted": "a", "count": 2},
      {"true": "a", "predicted": "b", "count": 1},
      {"true": "b", "predicted": "c", "count": 1},
      {"true": "c", "predicted": "a", "count": 1}])");
    CHECK(j.at("most_confused") == expected);

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--most-confused", "--min-count", "2",
             "--store", s.store()});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Contains("| b | a | 2 |"));
    CHECK_THAT(r.out, !Contains("| a | b | 1 |"));
  }
  SECTION("input errors exit 2 with one line that says what is there") {
    auto r = cli({"confusion", "nosuchrun", "--key", "val/confusion", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.out.empty());

    r = cli({"confusion", s.run_id, "--key", "val/nothing", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("no object under key 'val/nothing'"));
    CHECK(count_lines(r.err) == 1);

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--step", "2", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("logged steps: 1, 3"));
    CHECK(count_lines(r.err) == 1);

    r = cli({"confusion", s.run_id, "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("--key is required"));
    CHECK_THAT(r.err, Contains("val/confusion"));

    r = cli({"confusion", s.run_id, "--key", "val/misclassified", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("use `tracker table`"));

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--step", "x", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("--step must be an integer"));

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--format", "csv", "--store", s.store()});
    CHECK(r.code == 2);

    tracker_test::temp_dir empty;
    r = cli({"confusion", "latest", "--key", "k", "--store", empty.path() + "/none"});
    CHECK(r.code == 2);
    CHECK(count_lines(r.err) == 1);
  }
  SECTION("--help") {
    auto r = cli({"confusion", "--help"});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Contains("--most-confused"));
  }
}

TEST_CASE("tracker table: CSV, JSON and markdown", "[metrics][cli]") {
  object_store s;
  SECTION("csv") {
    auto r = cli({"table", s.run_id, "--key", "val/misclassified", "--format", "csv", "--store", s.store()});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out ==
          "image,label,loss,index\n"
          "media/x/val/0.png,\"Shirt, long \"\"sleeve\"\"\",2.25,17\n"
          ",Coat,NaN,4\n");
  }
  SECTION("json") {
    auto r = cli({"table", s.run_id, "--key", "val/misclassified", "--step", "3", "--format", "json",
                  "--store", s.store()});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("schema_version") == 1);
    CHECK(j.at("step") == 3);
    CHECK(j.at("columns")[2] == nlohmann::json({{"name", "loss"}, {"type", "number"}}));
    CHECK(j.at("rows").size() == 2);
    CHECK(j.at("rows")[0][0] == "media/x/val/0.png");
    CHECK(j.at("rows")[0][2] == 2.25);
    CHECK(j.at("rows")[1][0].is_null());
    CHECK(j.at("rows")[1][2] == "NaN");
    REQUIRE(j.contains("store"));
    CHECK(std::filesystem::path(j.at("store").get<std::string>()).is_absolute());
  }
  SECTION("markdown") {
    auto r = cli({"table", s.run_id, "--key", "val/misclassified", "--store", s.store()});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Contains("(2 rows)"));
    CHECK_THAT(r.out, Contains("| image | label | loss | index |"));
    CHECK_THAT(r.out, Contains("| — | Coat | NaN | 4 |"));
  }
  SECTION("errors") {
    auto r = cli({"table", s.run_id, "--key", "val/confusion", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("use `tracker confusion`"));
    r = cli({"table", s.run_id, "--key", "val/misclassified", "--step", "9", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("logged steps: 3"));
    r = cli({"table", s.run_id, "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("val/misclassified"));
  }
}

TEST_CASE("tracker histogram: JSON and markdown", "[metrics][cli]") {
  object_store s;
  auto r = cli({"histogram", s.run_id, "--key", "weights/fc", "--format", "json", "--store", s.store()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("schema_version") == 1);
  CHECK(j.at("step") == 3);
  CHECK(j.at("edges") == nlohmann::json({1, 3.25, 5.5, 7.75, 10}));
  CHECK(j.at("counts") == nlohmann::json({4, 0, 0, 1}));
  CHECK(j.at("nonfinite") == 1);
  CHECK(j.at("count") == 5);
  CHECK(j.at("min") == 1);
  CHECK(j.at("max") == 10);

  r = cli({"histogram", s.run_id, "--key", "weights/fc", "--store", s.store()});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("5 finite values in [1, 10], 1 NaN/Inf not binned"));
  CHECK_THAT(r.out, Contains("| 1 | 3.25 | 4 |"));
  CHECK_THAT(r.out, Contains("| 5.5 | 7.75 | 0 |  |"));

  r = cli({"histogram", s.run_id, "--key", "weights/fc", "--step", "4", "--store", s.store()});
  CHECK(r.code == 2);
  CHECK(count_lines(r.err) == 1);
}
