// test_monitor.cpp — the drift report (tracker/monitor.hpp) end to end: records written through
// production::store into a real store in a temp dir, read back by monitor::drift_report.
//
// The data are built so that every expected value can be worked out by hand; the derivation
// (or the independent computation) is written next to each check. The statistics themselves are
// verified in tests/metrics/test_drift.cpp; here we check that the report feeds them the right
// columns and windows and assembles the fields docs/drift.md promises.
#include "test_support.hpp"

#include <tracker/monitor.hpp>
#include <tracker/production.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace prod = tracker::production;
namespace monitor = tracker::monitor;
using json = nlohmann::json;
using Catch::Detail::Approx;

const std::vector<std::string> classes = {"T-shirt", "Trouser", "Pullover"};
constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double t_reference = 1793491200;    // 2026-11-01T00:00:00Z (Python datetime)
constexpr double t_clean = 1795341600;        // 2026-11-22T10:00:00Z
constexpr double t_shifted = t_clean + 7200;  // 2026-11-22T12:00:00Z

// A training run to attach production data to, in a fresh store.
struct model_store {
  tracker_test::temp_dir dir;
  std::string run_id;

  model_store() {
    tracker::options o;
    o.store = dir.store();
    o.project = "production";
    o.name = "fashion-cnn";
    tracker::run r = tracker::init(o);
    run_id = r.id();
    r.finish();
    prod::store s = prod::store::open(dir.store());
    s.set_classes(run_id, classes);
  }

  void write(prod::record_kind kind, std::vector<prod::record> records) {
    prod::store s = prod::store::open(dir.store());
    s.write(s.model(run_id), kind, std::move(records));
  }
  void feedback(std::vector<prod::feedback> items) {
    prod::store s = prod::store::open(dir.store());
    s.write_feedback(std::move(items));
  }
  json report(const monitor::report_options& o = {}) {
    const tracker::reader rd = tracker::reader::open(dir.store());
    return monitor::drift_report(rd, run_id, o);
  }
};

// Row k (0..99) of the reference set:
//   brightness (k + 0.5) / 100            0.005 .. 0.995, all distinct
//   source     camera (k even) / upload   50 / 50
//   label      classes[k % 3]             34 / 33 / 33 rows
//   predicted  the label, except k % 10 == 0 (k = 0, 10, ..., 90): classes[(k + 1) % 3]
//   confidence 0.5 + (k % 50) / 100      each of 0.50 .. 0.99 twice
// So the reference confusion matrix (rows true, columns predicted) is
//   T-shirt  [30, 4, 0]   (k = 0, 30, 60, 90 wrong)
//   Trouser  [0, 30, 3]   (k = 10, 40, 70)
//   Pullover [3, 0, 30]   (k = 20, 50, 80)      accuracy 90 / 100.
prod::record row(int k, double time, const std::string& id_prefix) {
  prod::record r;
  r.id = id_prefix + std::to_string(k);
  r.time = time;
  r.features = {{"brightness", (k + 0.5) / 100},
                {"source", std::string(k % 2 == 0 ? "camera" : "upload")}};
  r.predicted = classes[(k % 10 == 0 ? k + 1 : k) % 3];
  r.confidence = 0.5 + (k % 50) / 100.0;
  return r;
}

std::vector<prod::record> reference_rows() {
  std::vector<prod::record> out;
  for (int k = 0; k < 100; ++k) {
    prod::record r = row(k, t_reference + k, "ref-");
    r.label = classes[k % 3];
    out.push_back(std::move(r));
  }
  return out;
}

// The production traffic:
//   clean phase, 10:00:00 + 30 s·k for k = 0..99: exactly the reference rows, every one labeled
//     with its true class (so accuracy 0.9 and the same confusion matrix);
//   shifted phase, 12:00:00 + 30 s·j for j = 0..49 with k = 50 + j: only the upper half of the
//     brightness range (light backgrounds), the same sources 25 / 25, wrong for even j
//     (predicted classes[(k + 1) % 3]); only j = 0..9 get a label; j = 0, 2 are flagged
//     "incorrect" ("it is a bag"), j = 4 "offensive" without a reason.
void write_traffic(model_store& m) {
  std::vector<prod::record> clean, shifted;
  std::vector<prod::feedback> fb;
  for (int k = 0; k < 100; ++k) {
    clean.push_back(row(k, t_clean + 30.0 * k, "clean-"));
    fb.push_back({.id = "clean-" + std::to_string(k), .label = classes[k % 3]});
  }
  for (int j = 0; j < 50; ++j) {
    const int k = 50 + j;
    prod::record r = row(k, t_shifted + 30.0 * j, "shift-");
    r.predicted = classes[(j % 2 == 0 ? k + 1 : k) % 3];
    shifted.push_back(std::move(r));
    if (j < 10) fb.push_back({.id = "shift-" + std::to_string(k), .label = classes[k % 3]});
  }
  fb.push_back({.id = "shift-50", .flag = "incorrect", .reason = "it is a bag"});
  fb.push_back({.id = "shift-52", .flag = "incorrect", .reason = "it is a bag"});
  fb.push_back({.id = "shift-54", .flag = "offensive"});
  m.write(prod::record_kind::reference, reference_rows());
  m.write(prod::record_kind::prediction, clean);
  m.write(prod::record_kind::prediction, shifted);
  m.feedback(fb);
}

const json& feature(const json& report, const std::string& name) {
  for (const json& f : report["features"])
    if (f["name"] == name) return f;
  FAIL("no feature " << name << " in " << report["features"].dump());
  static const json none;
  return none;
}

}  // namespace

TEST_CASE("drift report: a clean window has no drift and the reference's metrics", "[monitor]") {
  model_store m;
  write_traffic(m);
  const json r = m.report({.window = {.until = t_clean + 3600}});  // the clean phase only

  CHECK(r["schema_version"] == 1);
  CHECK(r["model"]["run"] == m.run_id);
  CHECK(r["model"]["name"] == "fashion-cnn");
  CHECK(r["model"]["classes"] == json(classes));
  CHECK(r["reference"]["run"] == m.run_id);
  CHECK(r["reference"]["rows"] == 100);
  CHECK(r["current"]["rows"] == 100);
  CHECK(r["current"]["window"]["until"] == "2026-11-22T11:00:00Z");
  CHECK(r["current"]["window"]["since"].is_null());
  CHECK(r["current"]["from"] == "2026-11-22T10:00:00Z");
  CHECK(r["current"]["to"] == "2026-11-22T10:49:30Z");  // 10:00:00 + 30 s · 99

  // Identical samples: KS D = 0, p = 1 (scipy: h = 0 → p = 1); the z-test of equal shares
  // 50/100 vs 50/100 gives z = 0, p = 1.
  CHECK(r["dataset_drift"] == false);
  CHECK(r["drift_share"] == 0.0);
  CHECK(r["number_of_features"] == 2);
  const json& b = feature(r, "brightness");
  CHECK(b["type"] == "numeric");
  CHECK(b["test"] == "ks");  // 100 reference rows <= 1,000, 200 distinct values > 5
  CHECK(b["statistic"] == 0.0);
  CHECK(b["p_value"] == 1.0);
  CHECK(b["threshold"] == 0.05);
  CHECK(b["drifted"] == false);
  const json& s = feature(r, "source");
  CHECK(s["type"] == "categorical");
  CHECK(s["test"] == "z_test");  // two values
  CHECK(s["p_value"] == 1.0);

  // Prediction drift: the same predicted classes (chi-squared 0, p 1) and confidences.
  CHECK(r["prediction_drift"]["drifted"] == false);
  CHECK(r["prediction_drift"]["predicted_class"]["test"] == "chi_squared");
  CHECK(r["prediction_drift"]["predicted_class"]["statistic"] == 0.0);
  CHECK(r["prediction_drift"]["confidence"]["test"] == "ks");
  CHECK(r["prediction_drift"]["confidence"]["statistic"] == 0.0);

  const json& pm = r["production_metrics"];
  CHECK(pm["labeled"] == 100);
  CHECK(pm["label_coverage"] == 1.0);
  CHECK(pm["accuracy"].get<double>() == Approx(0.9));  // 90 of 100, see reference_rows()
  CHECK(pm["reference_accuracy"].get<double>() == Approx(0.9));
  CHECK(pm["accuracy_change"].get<double>() == Approx(0.0).margin(1e-12));
  CHECK(pm["confusion"]["matrix"] == json::parse("[[30,4,0],[0,30,3],[3,0,30]]"));
  CHECK(pm["reference_confusion"] == pm["confusion"]);
  for (const json& row : pm["confusion_difference"]["matrix"])
    for (const json& v : row) CHECK(v.get<double>() == Approx(0.0).margin(1e-12));
  CHECK(r["flags"]["flagged"] == 0);
  CHECK(r["timeline"].is_null());
}

TEST_CASE("drift report: a brightness-shifted window drifts on brightness with the accuracy drop",
          "[monitor]") {
  model_store m;
  write_traffic(m);
  const json r = m.report({.window = {.since = t_shifted}});
  CHECK(r["current"]["rows"] == 50);

  // brightness: reference (k + 0.5)/100 for k = 0..99, current the same for k = 50..99. Below
  // 0.5 the reference ECDF reaches 0.5 while the current one is 0: D = 0.5. Exact p (n = 100,
  // m = 50): 5.2852820637809495e-08, counted independently in Python with exact integers
  // (lattice paths from (0,0) to (100,50) staying inside |i/100 − j/50| < 1/2, over C(150,50)).
  const json& b = feature(r, "brightness");
  CHECK(b["test"] == "ks");
  CHECK(b["statistic"].get<double>() == Approx(0.5));
  CHECK(b["p_value"].get<double>() == Approx(5.2852820637809495e-08).epsilon(1e-6));
  CHECK(b["drifted"] == true);
  // source: 25 camera / 25 upload against 50 / 50: equal shares, z = 0, p = 1.
  CHECK(feature(r, "source")["drifted"] == false);
  // 1 of 2 features drifted: share 0.5 >= 0.5 (Evidently's >=) → dataset drift.
  CHECK(r["drift_share"] == 0.5);
  CHECK(r["dataset_drift"] == true);

  // confidence: 0.5 + (k % 50)/100 for k = 50..99 is 0.50..0.99 once each, the reference has
  // each twice: the ECDFs are equal at every value once ties are stepped over together, D = 0.
  CHECK(r["prediction_drift"]["confidence"]["statistic"] == 0.0);
  CHECK(r["prediction_drift"]["confidence"]["p_value"] == 1.0);

  // Labeled rows j = 0..9 (k = 50..59), worked out in write_traffic's terms:
  //   true T-shirt: k 51 ok, 54 → Trouser, 57 ok          [2, 1, 0]
  //   true Trouser: k 52 → Pullover, 55 ok, 58 → Pullover  [0, 1, 2]
  //   true Pullover: k 50 → T-shirt, 53 ok, 56 → T-shirt, 59 ok  [2, 0, 2]
  // accuracy 5/10; precision per class 2/4, 1/2, 2/4; recall 2/3, 1/3, 2/4;
  // F1 = 2tp / (2tp + fp + fn): 4/7, 2/5, 4/8. macro F1 = (4/7 + 2/5 + 1/2) / 3;
  // weighted F1 = (3·4/7 + 3·2/5 + 4·1/2) / 10; micro F1 = accuracy (single-label).
  const json& pm = r["production_metrics"];
  CHECK(pm["labeled"] == 10);
  CHECK(pm["label_coverage"].get<double>() == Approx(0.2));
  CHECK(pm["accuracy"].get<double>() == Approx(0.5));
  CHECK(pm["accuracy_change"].get<double>() == Approx(-0.4));  // 0.5 − 0.9
  CHECK(pm["precision_macro"].get<double>() == Approx(0.5));
  CHECK(pm["recall_macro"].get<double>() == Approx((2.0 / 3 + 1.0 / 3 + 0.5) / 3));
  CHECK(pm["f1_macro"].get<double>() == Approx((4.0 / 7 + 2.0 / 5 + 0.5) / 3));
  CHECK(pm["f1_micro"].get<double>() == Approx(0.5));
  CHECK(pm["f1_weighted"].get<double>() == Approx((3 * 4.0 / 7 + 3 * 2.0 / 5 + 4 * 0.5) / 10));
  CHECK(pm["per_class"].size() == 3);
  CHECK(pm["per_class"][1]["label"] == "Trouser");
  CHECK(pm["per_class"][1]["recall"].get<double>() == Approx(1.0 / 3));
  CHECK(pm["per_class"][2]["support"] == 4);
  CHECK(pm["confusion"]["matrix"] == json::parse("[[2,1,0],[0,1,2],[2,0,2]]"));
  CHECK(pm["confusion"]["labels"] == json(classes));
  // Row-normalized difference: cell (0,0) = 2/3 − 30/34, cell (0,1) = 1/3 − 4/34.
  CHECK(pm["confusion_difference"]["matrix"][0][0].get<double>() == Approx(2.0 / 3 - 30.0 / 34));
  CHECK(pm["confusion_difference"]["matrix"][0][1].get<double>() == Approx(1.0 / 3 - 4.0 / 34));

  // Flags: 3 of 50 rows; incorrect ×2, offensive ×1; newest flagged first.
  const json& f = r["flags"];
  CHECK(f["flagged"] == 3);
  CHECK(f["rate"].get<double>() == Approx(0.06));
  CHECK(f["by_flag"][0] == json({{"flag", "incorrect"}, {"count", 2}, {"rate", 0.04}}));
  CHECK(f["by_flag"][1]["flag"] == "offensive");
  CHECK(f["by_reason"][0]["reason"] == "it is a bag");
  CHECK(f["samples"].size() == 3);
  CHECK(f["samples"][0]["id"] == "shift-54");
  CHECK(f["samples"][0]["image"].is_null());
  CHECK(f["samples"][2]["label"] == "Pullover");  // shift-50: true class 50 % 3 = 2

  // The markdown names the verdict and the drifted feature.
  const std::string md = monitor::to_markdown(r);
  CHECK(md.find("**Dataset drift: YES**") != std::string::npos);
  CHECK(md.find("| brightness | numeric | ks | 0.5 | 5.285e-08 | 0.05 | **yes** |") !=
        std::string::npos);
  CHECK(md.find("Accuracy change against the reference: -0.4") != std::string::npos);
}

TEST_CASE("drift report: windows since, until (inclusive), last, and the hourly timeline",
          "[monitor]") {
  model_store m;
  write_traffic(m);
  CHECK(m.report()["current"]["rows"] == 150);
  CHECK(m.report({.window = {.last = 50}})["current"]["from"] == "2026-11-22T12:00:00Z");
  // 10:00:00 and 10:00:30 are both inside [10:00:00, 10:00:30].
  CHECK(m.report({.window = {.since = t_clean, .until = t_clean + 30}})["current"]["rows"] == 2);
  CHECK(m.report({.window = {.since = t_shifted, .last = 5}})["current"]["rows"] == 5);
  // An empty window: nothing tested, no drift, no scores.
  const json empty = m.report({.window = {.since = t_shifted + 86400}});
  CHECK(empty["current"]["rows"] == 0);
  CHECK(empty["current"]["from"].is_null());
  CHECK(empty["dataset_drift"] == false);
  CHECK(empty["number_of_tested_features"] == 0);
  CHECK(feature(empty, "brightness")["note"] == "empty current");
  CHECK(empty["production_metrics"]["accuracy"].is_null());
  CHECK(empty["flags"]["rate"].is_null());

  const json r = m.report({.bucket = "hour"});
  REQUIRE(r["timeline"]["bucket"] == "hour");
  const json& buckets = r["timeline"]["buckets"];
  REQUIRE(buckets.size() == 2);  // 10:00 and 12:00; the empty 11:00 bucket is left out
  CHECK(buckets[0]["start"] == "2026-11-22T10:00:00Z");
  CHECK(buckets[0]["start_unix"] == t_clean);
  CHECK(buckets[0]["rows"] == 100);
  CHECK(buckets[0]["drift_share"] == 0.0);
  CHECK(buckets[0]["accuracy"].get<double>() == Approx(0.9));
  CHECK(buckets[0]["flag_rate"] == 0.0);
  CHECK(buckets[1]["start"] == "2026-11-22T12:00:00Z");
  CHECK(buckets[1]["rows"] == 50);
  CHECK(buckets[1]["drift_share"] == 0.5);
  CHECK(buckets[1]["dataset_drift"] == true);
  CHECK(buckets[1]["labeled"] == 10);
  CHECK(buckets[1]["accuracy"].get<double>() == Approx(0.5));
  CHECK(buckets[1]["flag_rate"].get<double>() == Approx(0.06));
  CHECK(m.report({.bucket = "day"})["timeline"]["buckets"].size() == 1);

  CHECK_THROWS_WITH(m.report({.bucket = "week"}), Catch::Contains("'hour' or 'day'"));
}

TEST_CASE("drift report: tiny samples, constant columns, missing values, unseen categories",
          "[monitor]") {
  model_store m;
  std::vector<prod::record> ref = reference_rows();
  for (int k = 0; k < 100; ++k) {
    ref[k].features.emplace_back("const", 1.0);
    ref[k].features.emplace_back("score", k % 5 == 0 ? nan_v : k / 100.0);
    ref[k].features.emplace_back("zone", static_cast<double>(k % 4));
  }
  m.write(prod::record_kind::reference, ref);
  prod::record one = row(30, t_clean, "one-");
  one.features = {{"brightness", 0.3}, {"source", std::string("scanner")}, {"const", 1.0},
                  {"score", nan_v},    {"zone", std::string("north")},     {"extra", 5.0}};
  m.write(prod::record_kind::prediction, {one});
  const json r = m.report();

  // brightness, one current row 0.3 against (k + 0.5)/100: 30 reference values lie below it, so
  // D = max(0.3, 0.7) = 0.7. Exact p: the one value falls into any of the 101 gaps with equal
  // probability; D >= 0.7 when 0..30 or 70..100 reference values lie below it: 62/101.
  const json& b = feature(r, "brightness");
  CHECK(b["statistic"].get<double>() == Approx(0.7));
  CHECK(b["p_value"].get<double>() == Approx(62.0 / 101));
  CHECK(b["drifted"] == false);
  // const: one value → z_test; the same constant: z = 0, p = 1.
  const json& c = feature(r, "const");
  CHECK(c["test"] == "z_test");
  CHECK(c["p_value"] == 1.0);
  CHECK(c["drifted"] == false);
  // score: 20 of 100 reference values missing (k % 5 == 0); the current one is missing, so
  // the current side is empty: untested, not in the share's denominator.
  const json& sc = feature(r, "score");
  CHECK(sc["reference_missing"] == 20);
  CHECK(sc["reference_rows"] == 80);
  CHECK(sc["current_missing"] == 1);
  CHECK(sc["p_value"].is_null());
  CHECK(sc["note"] == "empty current");
  // source: "scanner" never seen → 3 values → chi-squared, expected 0 for it: +∞, p = 0.
  const json& so = feature(r, "source");
  CHECK(so["test"] == "chi_squared");
  CHECK(so["statistic"] == "Infinity");
  CHECK(so["p_value"] == 0.0);
  CHECK(so["drifted"] == true);
  // zone: numbers 0..3 in the reference, text in production → compared as categories
  // ("0".."3" vs "north"), the unseen one drifts.
  const json& z = feature(r, "zone");
  CHECK(z["type"] == "categorical");
  CHECK(z["drifted"] == true);
  // extra: only in production → empty reference, untested.
  CHECK(feature(r, "extra")["note"] == "empty reference");
  // Tested: brightness, const, source, zone; drifted: source, zone → 2/4 = 0.5 → drift.
  CHECK(r["number_of_features"] == 6);
  CHECK(r["number_of_tested_features"] == 4);
  CHECK(r["number_of_drifted_features"] == 2);
  CHECK(r["dataset_drift"] == true);
  // No labels yet: scores are null, the matrix is zeros.
  CHECK(r["production_metrics"]["labeled"] == 0);
  CHECK(r["production_metrics"]["f1_macro"].is_null());
  CHECK(r["production_metrics"]["confusion"]["matrix"] == json::parse("[[0,0,0],[0,0,0],[0,0,0]]"));
  CHECK(monitor::to_markdown(r).find("No feedback labels") != std::string::npos);
}

TEST_CASE("drift report: scores average over the classes present (scikit-learn's labels=None)",
          "[monitor]") {
  model_store m;
  m.write(prod::record_kind::reference, reference_rows());
  // true T-shirt → T-shirt ×2, true Trouser → T-shirt ×1, true Trouser → Trouser ×1.
  std::vector<prod::record> recs;
  const std::vector<std::pair<int, int>> pairs = {{0, 0}, {0, 0}, {1, 0}, {1, 1}};
  std::vector<prod::feedback> fb;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    prod::record r = row(static_cast<int>(i), t_clean + i, "p-");
    r.predicted = classes[pairs[i].second];
    recs.push_back(r);
    fb.push_back({.id = r.id, .label = classes[pairs[i].first]});
  }
  m.write(prod::record_kind::prediction, recs);
  m.feedback(fb);
  const json pm = m.report()["production_metrics"];
  // sklearn.metrics.f1_score(y_true, y_pred, average="macro") with labels = {T-shirt, Trouser}:
  // T-shirt P 2/3 R 1 F1 4/5; Trouser P 1 R 1/2 F1 2/3; macro F1 = (4/5 + 2/3) / 2 = 11/15.
  // (Over all three model classes it would be 22/45: Pullover's 0 would count.)
  CHECK(pm["f1_macro"].get<double>() == Approx(11.0 / 15));
  CHECK(pm["precision_macro"].get<double>() == Approx((2.0 / 3 + 1) / 2));
  CHECK(pm["per_class"].size() == 2);
  CHECK(pm["confusion"]["labels"].size() == 3);  // the matrix keeps every class
}

TEST_CASE("drift report: overrides, and what it refuses", "[monitor]") {
  model_store m;
  write_traffic(m);
  monitor::report_options o;
  o.window.since = t_shifted;
  o.drift.per_feature["brightness"] = {.test = tracker::drift::test_kind::wasserstein};
  o.drift.per_feature["source"] = {.threshold = 1.01};  // p = 1 < 1.01 → drifted
  const json r = m.report(o);
  // Wasserstein of the upper half against the whole: ∫|F_ref − F_cur| dx = 1/4 exactly and the
  // reference's population variance is (100² − 1)/12 / 100² = 0.083325, so the normed distance
  // is 0.25 / sqrt(0.083325) = 0.8660687083024937 (both in Python with exact fractions: the
  // ECDF difference summed over the gaps between the sorted distinct values).
  const json& b = feature(r, "brightness");
  CHECK(b["test"] == "wasserstein");
  CHECK(b["statistic"].get<double>() == Approx(0.8660687083024937));
  CHECK(feature(r, "source")["threshold"] == 1.01);
  CHECK(feature(r, "source")["drifted"] == true);

  monitor::report_options bad;
  bad.drift.per_feature["brightnes"] = {.threshold = 0.2};
  CHECK_THROWS_WITH(m.report(bad), Catch::Contains("no feature named 'brightnes'") &&
                                       Catch::Contains("brightness"));
  CHECK_THROWS_AS(m.report({.window = {.since = t_shifted, .until = t_clean}}), tracker::error);
}

TEST_CASE("drift report: the same on several threads", "[monitor]") {
  model_store m;
  write_traffic(m);
  monitor::report_options one{.window = {.since = t_shifted}, .bucket = "hour"};
  monitor::report_options many = one;
  many.drift.threads = 4;
  CHECK(m.report(one) == m.report(many));
}
