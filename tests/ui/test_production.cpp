// test_production.cpp — the production view's model (binning, overlays, the drift table's
// order, the timeline from a report), its loader on the fixture store, and the view drawn in a
// hidden ImGui context. No window.
#include "fixture.hpp"
#include "model/production.hpp"
#include "model/production_loader.hpp"
#include "views/viewer.hpp"
#include "widgets/theme.hpp"

#include <catch2/catch.hpp>
#include <imgui.h>
#include <test_support.hpp>

#include <chrono>
#include <cmath>
#include <numeric>
#include <thread>

using namespace tracker::ui;
using nlohmann::json;

namespace {
constexpr double nan_ = std::numeric_limits<double>::quiet_NaN();

double sum(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); }

drift_row row(const std::string& name, double p, bool drifted, bool tested = true) {
  drift_row r;
  r.name = name;
  r.p_value = p;
  r.statistic = std::isnan(p) ? 0.3 : 1 - p;
  r.drifted = drifted;
  r.tested = tested;
  return r;
}
std::vector<std::string> names(const std::vector<drift_row>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.name);
  return out;
}
}  // namespace

TEST_CASE("production: numeric overlays share bins over both sides' range, as shares") {
  // Range [0, 1] in 5 bins of 0.2; the top edge (1.0) falls into the last bin, NaN is missing.
  std::vector<double> ref = {0, 0.1, 0.3, 0.35};
  std::vector<double> cur = {0.65, 0.75, 0.85, 1.0, nan_};
  overlay o = numeric_overlay(ref, cur, 5);
  CHECK(o.numeric);
  CHECK(o.lo == 0);
  CHECK(o.hi == 1);
  CHECK(o.reference == std::vector<double>{0.5, 0.5, 0, 0, 0});
  CHECK(o.production == std::vector<double>{0, 0, 0, 0.5, 0.5});
  CHECK(o.reference_n == 4);
  CHECK(o.production_n == 4);
  CHECK(o.max_share() == 0.5);

  // Sides of different sizes still each sum to 1.
  std::vector<double> many(1000), few = {0.2, 0.4, 0.6};
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = double(i) / 999;
  overlay m = numeric_overlay(many, few, 10);
  CHECK(sum(m.reference) == Approx(1));
  CHECK(sum(m.production) == Approx(1));

  // A constant column: the range widens so the value sits in the middle bin.
  overlay c = numeric_overlay(std::vector<double>{2, 2}, std::vector<double>{2}, 3);
  CHECK(c.lo == 1.5);
  CHECK(c.hi == 2.5);
  CHECK(c.reference == std::vector<double>{0, 1, 0});
  // Nothing on either side: zeros, not NaN.
  overlay e = numeric_overlay({}, {}, 4);
  CHECK(e.reference == std::vector<double>(4, 0.0));
  CHECK(e.reference_n == 0);

  CHECK(auto_bins(1, 0) == 10);           // at least 10
  CHECK(auto_bins(300, 400) == 10);       // Sturges: ceil(log2 400) + 1 = 10
  CHECK(auto_bins(100000, 10) == 18);     // ceil(log2 1e5) + 1
  CHECK(auto_bins(1ull << 50, 0) == 40);  // at most 40
}

TEST_CASE("production: categorical overlays order by the model's classes, then by count") {
  std::vector<std::string> ref = {"a", "b", "b", "c", ""};
  std::vector<std::string> cur = {"c", "c", "d", "d", "d", "a"};
  overlay o = category_overlay(ref, cur, {"b", "a"});
  CHECK_FALSE(o.numeric);
  // b and a (the given order), then c and d (3 values each: a tie keeps name order).
  CHECK(o.categories == std::vector<std::string>{"b", "a", "c", "d"});
  CHECK(o.reference_n == 4);  // "" is missing
  CHECK(o.reference == std::vector<double>{0.5, 0.25, 0.25, 0});
  CHECK(o.production == std::vector<double>{0, 1.0 / 6, 2.0 / 6, 3.0 / 6});
  // At most `limit` bins: the rest folded into "(other)".
  overlay f = category_overlay(ref, cur, {}, 2);
  REQUIRE(f.categories.size() == 2);
  CHECK(f.categories.back() == "(other)");
  CHECK(sum(f.reference) == Approx(1));
  CHECK(sum(f.production) == Approx(1));
}

TEST_CASE("production: the drift table sorts by any column with untested rows last") {
  std::vector<drift_row> rows = {row("source", 0.4, false), row("brightness", 1e-30, true),
                                 row("entropy", nan_, false, false), row("contrast", 1e-5, true),
                                 row("width", nan_, false)};
  sort_drift_rows(rows, drift_column::drifted, false);  // the default: drifted first, by name
  CHECK(names(rows) ==
        std::vector<std::string>{"brightness", "contrast", "source", "width", "entropy"});
  sort_drift_rows(rows, drift_column::p_value, true);  // NaN p-values (distances, untested) last
  CHECK(names(rows) ==
        std::vector<std::string>{"brightness", "contrast", "source", "entropy", "width"});
  sort_drift_rows(rows, drift_column::p_value, false);
  CHECK(names(rows) ==
        std::vector<std::string>{"source", "contrast", "brightness", "entropy", "width"});
  sort_drift_rows(rows, drift_column::name, false);
  CHECK(names(rows) ==
        std::vector<std::string>{"width", "source", "entropy", "contrast", "brightness"});
}

TEST_CASE("production: drift rows, timeline, matrices and flags are read from a report") {
  json report = json::parse(R"({
    "features": [
      {"name": "brightness", "type": "numeric", "test": "ks", "statistic": 0.9, "p_value": 1e-40,
       "threshold": 0.05, "drifted": true, "reference_rows": 300, "current_rows": 400},
      {"name": "source", "type": "categorical", "test": "z_test", "statistic": 0.1, "p_value": null,
       "threshold": 0.05, "drifted": false, "note": "empty current"}],
    "prediction_drift": {"confidence": {"name": "confidence", "test": "ks", "drifted": true}},
    "production_metrics": {"accuracy": 0.5, "reference_accuracy": null,
      "confusion": {"version": 1, "labels": ["x", "y"], "matrix": [[3, 1], [0, 2]]}},
    "flags": {"flagged": 1, "samples": [{"id": "r-1", "time": "2026-11-20T01:00:00Z",
      "predicted": "x", "label": null, "flag": "incorrect", "reason": "light", "image": "media/a.png"}]},
    "timeline": {"bucket": "hour", "buckets": [
      {"start_unix": 3600, "rows": 10, "drift_share": 0.2, "accuracy": null, "flag_rate": 0.1},
      {"start_unix": 7200, "rows": 5, "drift_share": 0.6, "accuracy": 0.4, "flag_rate": 0}]}})");
  auto rows = drift_rows(report);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].name == "brightness");
  CHECK(rows[0].drifted);
  CHECK(rows[0].p_value == 1e-40);
  CHECK(rows[0].current_rows == 400);
  CHECK(std::isnan(rows[1].p_value));
  CHECK_FALSE(rows[1].tested);
  CHECK(prediction_drift_row(report, "confidence")->drifted);
  CHECK_FALSE(prediction_drift_row(report, "predicted_class"));

  timeline_series t = timeline_of(report);
  CHECK(t.bucket == "hour");
  CHECK(t.start == std::vector<double>{3600, 7200});
  CHECK(t.drift_share == std::vector<double>{0.2, 0.6});
  CHECK(std::isnan(t.accuracy[0]));  // no labels in that hour
  CHECK(t.accuracy[1] == 0.4);
  plot_series p = as_plot(t.start, t.drift_share);
  REQUIRE(p.pts.size() == 2);
  CHECK(p.pts[1].x == 7200);
  CHECK(p.pts[1].y == 0.6);
  CHECK(p.pts[1].ys == 0.6);  // not smoothed
  CHECK(as_plot(t.start, t.accuracy).version != p.version);

  auto cm = report_confusion(report, "confusion");
  REQUIRE(cm);
  CHECK(cm->counts() == std::vector<std::int64_t>{3, 1, 0, 2});
  CHECK_FALSE(report_confusion(report, "reference_confusion"));

  auto flags = flagged_samples(report);
  REQUIRE(flags.size() == 1);
  CHECK(flags[0].reason == "light");
  CHECK(flags[0].label.empty());
  CHECK(flags[0].time == Approx(*tracker::production::parse_time("2026-11-20T01:00:00Z")));

  CHECK(report_number(report, "/production_metrics/accuracy") == 0.5);
  CHECK(std::isnan(report_number(report, "/production_metrics/reference_accuracy")));
  CHECK(std::isnan(report_number(report, "/nothing/here")));

  CHECK(pick_bucket(0, 3 * 86400) == "hour");
  CHECK(pick_bucket(0, 3 * 86400 + 1) == "day");
}

TEST_CASE("production: the loader reads the fixture's shifted window off the frame thread") {
  tracker_test::temp_dir dir;
  tracker_ui_test::make_fixture_store(dir.store());
  production_loader loader(dir.store());
  loader.want("cnn-lr1e-3");
  for (int i = 0; i < 3000 && (loader.busy() || !loader.latest()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto d = loader.latest();
  REQUIRE(d);
  INFO(d->error);
  REQUIRE(d->error.empty());
  CHECK(d->reference->size() == 300);
  CHECK(d->current->size() == 400);
  const drift_row* brightness = nullptr;
  for (const auto& r : d->rows)
    if (r.name == "brightness") brightness = &r;
  REQUIRE(brightness);
  CHECK(brightness->drifted);
  CHECK(brightness->test == "ks");
  // The overlay: the reference's mass on the dark side, production's on the light side.
  const overlay& o = d->overlays.at("brightness");
  double ref_dark = 0, cur_light = 0;
  for (std::size_t i = 0; i < o.bins(); ++i) {
    double mid = o.lo + (o.hi - o.lo) * (double(i) + 0.5) / double(o.bins());
    if (mid < 0.5) ref_dark += o.reference[i];
    if (mid > 0.5) cur_light += o.production[i];
  }
  CHECK(ref_dark > 0.99);
  CHECK(cur_light > 0.6);
  CHECK(d->timeline.bucket == "hour");  // 36 hours of records
  CHECK(d->timeline.size() == 36);
  REQUIRE(d->confusion);
  CHECK(d->confusion->size() == 10);
  REQUIRE(d->reference_confusion);
  CHECK(d->predicted->categories.size() <= 10);
  CHECK_FALSE(d->flags.empty());
  for (const auto& f : d->flags) CHECK(f.image.rfind("media/", 0) == 0);

  auto bad = load_production(dir.store(), "no-such-run");
  CHECK_FALSE(bad.error.empty());

  // Windows: the newest 100 records; the last 24 h before the newest record (records every
  // 324 s, the newest at 399 * 324 s: i >= (129276 - 86400) / 324 = 132.3, so 267 of them).
  auto last = load_production(dir.store(), "cnn-lr1e-3", {.last = 100});
  REQUIRE(last.error.empty());
  CHECK(last.current->size() == 100);
  CHECK(last.report["current"]["rows"] == 100);
  auto day = load_production(dir.store(), "cnn-lr1e-3", {.hours = 24});
  REQUIRE(day.error.empty());
  CHECK(day.current->size() == 267);
  CHECK(day.report["current"]["rows"] == 267);
  CHECK(day.timeline.bucket == "hour");
}

TEST_CASE("production: window labels") {
  CHECK(label(production_window{}) == "all records");
  CHECK(label(production_window{.hours = 24}) == "last 24 h");
  CHECK(label(production_window{.hours = 24 * 7}) == "last 7 days");
  CHECK(label(production_window{.last = 1000}) == "last 1,000 records");
  CHECK(label(production_window{.last = 500}) == "last 500 records");
  CHECK(label(production_window{.last = 1500}) == "last 1,500 records");
  CHECK(label(production_window{.last = 1}) == "last 1 record");
  const double t0 = *tracker::production::parse_time("2026-11-20T00:00:00Z");
  CHECK(label(production_window{.since = t0}) == "since 2026-11-20 00:00 UTC");
  CHECK(label(production_window{.until = t0 + 25200.5}) == "until 2026-11-20 07:00:00 UTC");
  CHECK(label(production_window{.last = 50, .since = t0, .until = t0 + 25200}) ==
        "2026-11-20 00:00 .. 2026-11-20 07:00 UTC, last 50 records");
  CHECK(window_choices().front() == production_window{});
}

TEST_CASE("production: --since, --until and --last parse into the view's window") {
  const double t0 = *tracker::production::parse_time("2026-11-20T00:00:00Z");
  auto o = parse_options({"--screenshot", "x.png", "--view", "production", "--since",
                          "2026-11-20T00:00:00Z", "--until", "1795590000", "--last", "50"});
  CHECK(o.since == t0);
  CHECK(o.until == 1795590000.0);
  CHECK(o.last == 50);
  auto none = parse_options({});
  CHECK_FALSE(none.since);
  CHECK_FALSE(none.until);
  CHECK(none.last == 0);
  CHECK_THROWS_WITH(parse_options({"--since", "yesterday"}),
                    Catch::Contains("--since expects ISO-8601 (2026-11-22T10:00:00Z) or unix seconds, got 'yesterday'"));
  CHECK_THROWS_WITH(parse_options({"--until"}), "--until needs a value");
  CHECK_THROWS_WITH(parse_options({"--last", "0"}), Catch::Contains("--last expects a number of records >= 1"));
  CHECK_THROWS_WITH(parse_options({"--last", "-5"}), Catch::Contains("--last expects"));
  CHECK_THROWS_WITH(parse_options({"--last", "12x"}), Catch::Contains("--last expects"));
  CHECK_THROWS_WITH(parse_options({"--since", "2026-11-21", "--until", "2026-11-20"}),
                    "--since is after --until");

}

TEST_CASE("production: a --since/--until window loads only its records, --last the newest of them") {
  tracker_test::temp_dir dir;
  tracker_ui_test::make_fixture_store(dir.store());
  // Records every 324 s from 2026-11-20T00:00Z, dark for 8 hours: 00:00..07:00 holds records
  // 0..77, all dark like the reference, so brightness does not drift there.
  const double t0 = *tracker::production::parse_time("2026-11-20T00:00:00Z");
  auto early = load_production(dir.store(), "cnn-lr1e-3", {.since = t0, .until = t0 + 7 * 3600});
  INFO(early.error);
  REQUIRE(early.error.empty());
  REQUIRE(early.current->size() == 78);
  CHECK(early.current->times.front() == t0);
  CHECK(early.current->times.back() == t0 + 77 * 324);
  CHECK(early.report["current"]["rows"] == 78);
  bool brightness = false;
  for (const auto& r : early.rows)
    if (r.name == "brightness") {
      brightness = true;
      CHECK_FALSE(r.drifted);
    }
  CHECK(brightness);
  // --last of the range: the newest 50 of those 78; --since alone: from record 100 on.
  auto last = load_production(dir.store(), "cnn-lr1e-3", {.last = 50, .since = t0, .until = t0 + 7 * 3600});
  REQUIRE(last.error.empty());
  REQUIRE(last.current->size() == 50);
  CHECK(last.current->times.front() == t0 + 28 * 324);
  auto late = load_production(dir.store(), "cnn-lr1e-3", {.since = t0 + 100 * 324});
  REQUIRE(late.error.empty());
  CHECK(late.current->size() == 300);
  // A range with no records: an empty production side, no error.
  auto empty = load_production(dir.store(), "cnn-lr1e-3", {.until = t0 - 1});
  CHECK(empty.error.empty());
  CHECK(empty.current->size() == 0);

  // tracker-ui's --since/--until/--last become the view's starting window.
  sync_feed feed(store_source::open(dir.store()));
  feed.pump();
  const app_options o = parse_options({"--store", dir.store(), "--view", "production", "--since",
                                       "2026-11-20T00:00:00Z", "--until", "2026-11-20T07:00:00Z", "--last", "50"});
  viewer v(feed, o);
  CHECK(v.production().window == production_window{.last = 50, .since = t0, .until = t0 + 7 * 3600});
}

TEST_CASE("production: new predictions committed by another writer reload the data by themselves") {
  tracker_test::temp_dir dir;
  tracker_ui_test::make_fixture_store(dir.store());
  production_loader loader(dir.store(), std::chrono::milliseconds(20),
                           std::chrono::milliseconds(0));
  loader.want("cnn-lr1e-3");
  auto wait_for = [&](std::size_t rows) {
    for (int i = 0; i < 3000; ++i) {
      auto d = loader.latest();
      if (d && d->current && d->current->size() == rows) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  };
  REQUIRE(wait_for(400));
  namespace prod = tracker::production;
  prod::store s = prod::store::open(dir.store());
  prod::model_info m = s.model("cnn-lr1e-3");
  prod::record r;
  r.id = "req-new";
  r.time = *prod::parse_time("2026-11-21T12:30:00Z");
  r.predicted = "Bag";
  r.features = {{"brightness", 0.8}};
  s.write(m, prod::record_kind::prediction, {r});
  CHECK(wait_for(401));  // nobody called refresh()
}

TEST_CASE("production: the view draws the table, overlays, timeline, matrices and flags") {
  tracker_test::temp_dir dir;
  tracker_ui_test::make_fixture_store(dir.store());
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  io.DisplaySize = ImVec2(1600, 1000);
  io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
  widgets::apply_theme(16.0f);
  unsigned char* px = nullptr;
  int w = 0, h = 0;
  io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  {
    sync_feed feed(store_source::open(dir.store()));
    feed.pump();
    app_options opts;
    opts.store = dir.store();
    opts.view = view_id::production;
    opts.runs = {"cnn-lr1e-3"};
    viewer v(feed, opts);
    for (int i = 0; i < 1500 && !v.ready(); ++i) {
      io.DeltaTime = 1.0f / 60.0f;
      ImGui::NewFrame();
      v.frame();
      ImGui::Render();
      feed.pump();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(v.ready());
    CHECK(v.active_view() == view_id::production);
    const auto& pd = v.drawn_production_view();
    REQUIRE_FALSE(pd.rows.empty());
    CHECK(pd.rows.front().drifted);  // drifted rows first
    CHECK(pd.feature == pd.rows.front().name);
    bool brightness_drifted = false;
    for (const auto& r : pd.rows) brightness_drifted |= r.name == "brightness" && r.drifted;
    CHECK(brightness_drifted);
    CHECK(pd.overlay[2] > pd.overlay[0]);
    CHECK(pd.flagged > 0);
    CHECK(v.drawn_heatmaps().size() == 3);
    REQUIRE(v.drawn_charts().size() == 1);
    CHECK(v.drawn_charts()[0].key == "production/timeline");

    // A run without reference or production records: a message (how to record them), ready.
    opts.runs = {"mlp-lr1e-3"};
    viewer empty(feed, opts);
    for (int i = 0; i < 1500 && !empty.ready(); ++i) {
      io.DeltaTime = 1.0f / 60.0f;
      ImGui::NewFrame();
      empty.frame();
      ImGui::Render();
      feed.pump();
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(empty.ready());
    CHECK(empty.drawn_production_view().rows.empty());
    CHECK(empty.drawn_heatmaps().empty());
  }
  ImGui::DestroyContext();
}
