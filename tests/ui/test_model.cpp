// test_model.cpp — the viewer's model without a window: filters, sorting, selection, colours,
// bucket requests, smoothing, grouping, axis ticks, the command line.
#include "model/axis.hpp"
#include "model/catalog.hpp"
#include "model/filter.hpp"
#include "model/options.hpp"
#include "model/series.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>

using namespace tracker;
using namespace tracker::ui;

namespace {

run_info make_run(const std::string& id, const std::string& name, const std::string& project,
                  double created, run_status status = run_status::finished,
                  std::vector<std::string> tags = {}, const std::string& config = "{}",
                  const std::string& note = "") {
  run_info r;
  r.id = id;
  r.name = name;
  r.project = project;
  r.created_at = created;
  r.ended_at = created + 10;
  r.status = r.stored_status = status;
  r.tags = std::move(tags);
  r.config_json = config;
  r.note = note;
  return r;
}

metric_summary make_summary(const std::string& key, double last, double min, double max,
                            goal g = goal::none) {
  metric_summary m;
  m.key = key;
  m.last = last;
  m.min = min;
  m.max = max;
  m.count = 10;
  m.metric_goal = g;
  return m;
}

// Four runs, newest first (as the store lists them).
catalog sample_catalog() {
  std::vector<run_info> runs = {
      make_run("d4", "cnn-wide", "fashion", 400, run_status::running, {"cnn", "wide"},
               R"({"lr":0.001,"model":"cnn"})"),
      make_run("c3", "mlp-small", "fashion", 300, run_status::failed, {"mlp"},
               R"({"lr":0.01,"model":"mlp"})", "Diverged after warmup"),
      make_run("b2", "cnn-base", "mnist", 200, run_status::finished, {"cnn"},
               R"({"lr":0.001,"model":"cnn"})"),
      make_run("a1", "baseline", "mnist", 100, run_status::crashed, {}, R"({"model":"linear"})"),
  };
  std::map<std::string, std::vector<metric_summary>> s;
  s["d4"] = {make_summary("val/accuracy", 0.91, 0.5, 0.92, goal::maximize),
             make_summary("train/loss", 0.2, 0.18, 2.3, goal::minimize)};
  s["c3"] = {make_summary("val/accuracy", 0.62, 0.4, 0.70, goal::maximize)};
  s["b2"] = {make_summary("val/accuracy", 0.88, 0.5, 0.89, goal::maximize),
             make_summary("train/loss", 0.3, 0.28, 2.2, goal::minimize)};
  return build_catalog(std::move(runs), std::move(s), 1);
}

std::vector<std::string> ids(const catalog& cat, const std::vector<std::size_t>& rows) {
  std::vector<std::string> out;
  for (std::size_t i : rows) out.push_back(cat.runs[i].info.id);
  return out;
}

std::vector<std::string> filtered(const catalog& cat, const std::string& text) {
  auto p = parse_filter(text);
  REQUIRE(p.ok);
  return ids(cat, apply_filter(p.expr, cat));
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("filter: free text matches name, id, project, tags and note, case-insensitively") {
  catalog cat = sample_catalog();
  CHECK(filtered(cat, "") == strings{"d4", "c3", "b2", "a1"});
  CHECK(filtered(cat, "CNN") == strings{"d4", "b2"});    // names and tags
  CHECK(filtered(cat, "mnist") == strings{"b2", "a1"});  // project
  CHECK(filtered(cat, "c3") == strings{"c3"});           // id
  CHECK(filtered(cat, "diverged") == strings{"c3"});     // note
  CHECK(filtered(cat, "wide") == strings{"d4"});         // a tag only
  CHECK(filtered(cat, "cnn base") == strings{"b2"});     // terms AND
  CHECK(filtered(cat, "\"cnn-b\"") == strings{"b2"});    // quoted
  CHECK(filtered(cat, "nothing-like-this").empty());
}

TEST_CASE("filter: tag:, status:, project: and the CLI's conditions combine with AND") {
  catalog cat = sample_catalog();
  CHECK(filtered(cat, "tag:cnn") == strings{"d4", "b2"});
  CHECK(filtered(cat, "tag:cn").empty());  // tags match exactly
  CHECK(filtered(cat, "status:running") == strings{"d4"});
  CHECK(filtered(cat, "status:crashed") == strings{"a1"});
  CHECK(filtered(cat, "project:mnist") == strings{"b2", "a1"});
  CHECK(filtered(cat, "val/accuracy>=0.85") == strings{"d4", "b2"});
  CHECK(filtered(cat, "val/accuracy.max>0.9") == strings{"d4"});
  CHECK(filtered(cat, "train/loss.min<0.2") == strings{"d4"});
  CHECK(filtered(cat, "config.lr=0.001") == strings{"d4", "b2"});
  CHECK(filtered(cat, "config.model=linear") == strings{"a1"});
  CHECK(filtered(cat, "config.lr!=0.001") == strings{"c3"});  // a missing key fails the condition
  CHECK(filtered(cat, "val/accuracy>=0.85 config.lr=0.001 tag:cnn status:running") ==
        strings{"d4"});
  CHECK(filtered(cat, "val/accuracy>=0.85 project:mnist") == strings{"b2"});
}

TEST_CASE("filter: a malformed term is an error message, never an exception") {
  for (const char* bad :
       {"val/acc>=", ">=0.5", "val/acc>=abc", "status:sleeping", "tag:", "\"open quote"}) {
    filter_parse_result r;
    REQUIRE_NOTHROW(r = parse_filter(bad));
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.error.empty());
  }
  CHECK(parse_filter("status:sleeping").error.find("running") != std::string::npos);
}

TEST_CASE(
    "sort: numbers numerically, missing values last in both directions, ties keep newest first") {
  catalog cat = sample_catalog();
  std::vector<std::size_t> order = {0, 1, 2, 3};
  sort_spec by_acc{column(column_kind::metric, "val/accuracy"), true};
  sort_rows(order, cat, {by_acc});
  CHECK(ids(cat, order) == strings{"c3", "b2", "d4", "a1"});  // a1 has no val/accuracy
  by_acc.ascending = false;
  sort_rows(order, cat, {by_acc});
  CHECK(ids(cat, order) == strings{"d4", "b2", "c3", "a1"});  // still last

  sort_rows(order, cat, {{column(column_kind::name), true}});
  CHECK(ids(cat, order) == strings{"a1", "b2", "d4", "c3"});
  sort_rows(order, cat, {{column(column_kind::created), true}});
  CHECK(ids(cat, order) == strings{"a1", "b2", "c3", "d4"});
  // Ties (lr 0.001 twice) keep catalog order: newest first.
  sort_rows(order, cat, {{column(column_kind::config, "lr"), true}});
  CHECK(ids(cat, order) == strings{"d4", "b2", "c3", "a1"});
  // best follows the goal: train/loss best = min
  sort_rows(order, cat, {{column(column_kind::metric, "train/loss", summary_field::best), true}});
  CHECK(ids(cat, order) == strings{"d4", "b2", "c3", "a1"});
}

TEST_CASE("sort: several columns, the first is the primary key") {
  catalog cat = sample_catalog();
  std::vector<std::size_t> order = {0, 1, 2, 3};
  sort_rows(order, cat, {{column(column_kind::project), true}, {column(column_kind::name), false}});
  CHECK(
      ids(cat, order) ==
      strings{"c3", "d4", "b2", "a1"});  // fashion: mlp-small, cnn-wide; mnist: cnn-base, baseline
}

TEST_CASE("grouping: by project and by a config key, groups in order of their first row") {
  catalog cat = sample_catalog();
  std::vector<std::size_t> order = {0, 1, 2, 3};
  auto g = group_rows(order, cat, {group_by::kind::project, ""});
  REQUIRE(g.size() == 2);
  CHECK(g[0].label == "fashion");
  CHECK(ids(cat, g[0].rows) == strings{"d4", "c3"});
  auto by_lr = group_rows(order, cat, {group_by::kind::config, "lr"});
  REQUIRE(by_lr.size() == 3);
  CHECK(by_lr[0].label == "lr = 0.001");
  CHECK(ids(cat, by_lr[0].rows) == strings{"d4", "b2"});
  CHECK(by_lr[2].label == "(missing)");
}

TEST_CASE("selection: click, ctrl-click, shift-click and select all over the visible order") {
  const strings visible = {"d4", "c3", "b2", "a1"};
  selection s;
  s.click("c3", {}, visible);
  CHECK(s.ids() == std::set<std::string>{"c3"});
  s.click("a1", {.shift = true}, visible);  // range from the anchor
  CHECK(s.ids() == std::set<std::string>{"c3", "b2", "a1"});
  s.click("b2", {.ctrl = true}, visible);  // toggle off
  CHECK(s.ids() == std::set<std::string>{"c3", "a1"});
  s.click("d4", {.ctrl = true}, visible);  // toggle on, new anchor
  CHECK(s.ids() == std::set<std::string>{"d4", "c3", "a1"});
  s.click("c3", {.shift = true}, visible);  // shift alone replaces with the range
  CHECK(s.ids() == std::set<std::string>{"d4", "c3"});
  s.click("b2", {}, visible);  // plain click: only it
  CHECK(s.ids() == std::set<std::string>{"b2"});
  s.click("d4", {.shift = true, .ctrl = true}, visible);  // ctrl+shift adds the range
  CHECK(s.ids() == std::set<std::string>{"d4", "c3", "b2"});
  s.clear();
  s.select_all({"c3", "a1"});
  CHECK(s.ids() == std::set<std::string>{"c3", "a1"});
  catalog cat = sample_catalog();
  CHECK(s.ordered(cat) == strings{"c3", "a1"});
  s.select_all({"gone"});
  s.retain(cat);  // a deleted run leaves the selection
  CHECK(s.ids() == std::set<std::string>{"c3", "a1"});
}

TEST_CASE(
    "colours: a run keeps its colour across rebuilds and newer runs, and the first 20 runs all "
    "differ") {
  std::vector<run_info> runs;
  for (int i = 0; i < 20; ++i)
    runs.push_back(make_run("run" + std::to_string(i), "n", "p", 100.0 + i));
  std::reverse(runs.begin(), runs.end());  // newest first
  catalog a = build_catalog(runs, {}, 1);
  std::set<std::uint32_t> distinct;
  for (const run_row& r : a.runs) distinct.insert(r.color);
  CHECK(distinct.size() == 20);
  // Rebuilt with a newer run added: every older run keeps its colour.
  runs.insert(runs.begin(), make_run("newest", "n", "p", 500));
  catalog b = build_catalog(runs, {}, 2);
  for (const run_row& r : a.runs) CHECK(b.find(r.info.id)->color == r.color);
  // Colours are opaque and bright enough for the dark theme (no channel sum below 300).
  for (std::size_t s = 0; s < palette_size; ++s) {
    std::uint32_t c = palette_color(s);
    CHECK((c >> 24) == 0xFF);
    CHECK((c & 0xFF) + ((c >> 8) & 0xFF) + ((c >> 16) & 0xFF) >= 300);
  }
  CHECK(run_color("abc") == run_color("abc"));
}

TEST_CASE("catalog: resolves ids, unique names and latest, and ambiguous names are refused") {
  auto runs = std::vector<run_info>{make_run("x2", "same", "p", 2), make_run("x1", "same", "p", 1),
                                    make_run("x0", "unique", "p", 0)};
  catalog cat = build_catalog(runs, {}, 1);
  CHECK(cat.resolve("latest") == "x2");
  CHECK(cat.resolve("x1") == "x1");
  CHECK(cat.resolve("unique") == "x0");
  std::string why;
  CHECK_FALSE(cat.resolve("same", &why));
  CHECK(why.find("use the id") != std::string::npos);
  CHECK_FALSE(cat.resolve("nope", &why));
  CHECK_FALSE(build_catalog({}, {}, 0).resolve("latest"));
}

// ---- series
// --------------------------------------------------------------------------------------

namespace {

series_data series_from_points(std::int64_t n, std::size_t overview, std::int64_t spike_at = -1) {
  series_data s;
  s.run_id = "r";
  s.key = "k";
  std::vector<point> pts;
  for (std::int64_t i = 0; i < n; ++i)
    pts.push_back({i, 1000.0 + double(i), i == spike_at ? 1e6 : std::sin(double(i) * 0.01)});
  s.overview.append(pts);
  s.overview.coarsen_to(overview);
  s.count = n;
  s.first_step = 0;
  s.last_step = n - 1;
  return s;
}

}  // namespace

TEST_CASE("bucket lists: appends and coarsening keep every min and max, so a spike survives") {
  series_data s = series_from_points(100000, 2 * overview_target, 54321);
  REQUIRE(s.overview.buckets.size() <= 2 * overview_target);
  double max = -1e300;
  std::int64_t total = 0, prev_end = -1;
  for (const span_bucket& b : s.overview.buckets) {
    max = std::max(max, b.max);
    total += b.count;
    CHECK(b.step_begin == prev_end + 1);  // contiguous, ordered
    prev_end = b.step_end;
  }
  CHECK(max == 1e6);
  CHECK(total == 100000);
  // The spike is in the plot as a band reaching 1e6.
  plot_series p = make_plot(s, x_axis::step, 0.0);
  CHECK(std::any_of(p.pts.begin(), p.pts.end(), [](const plot_point& q) { return q.hi == 1e6; }));
  CHECK(p.bucketed);
  // Appending continues the last bucket while it is narrower than step_width.
  bucket_list l;
  l.step_width = 10;
  l.append({{0, 0, 1}, {5, 0, 7}, {9, 0, -2}, {10, 0, 3}});
  REQUIRE(l.buckets.size() == 2);
  CHECK(l.buckets[0].count == 3);
  CHECK(l.buckets[0].min == -2);
  CHECK(l.buckets[0].max == 7);
  CHECK(l.buckets[0].last == -2);
}

TEST_CASE(
    "bucket requests: the overview serves zoomed-out charts, and a zoom asks for about one bucket "
    "per "
    "pixel") {
  // 1M points summarised by 2048 overview buckets (~488 steps each).
  series_data s = series_from_points(1000000, overview_target);
  REQUIRE(s.overview.buckets.size() <= overview_target);
  // Whole range on an 800 px chart: 2048 buckets >= 800 columns, nothing to ask.
  CHECK_FALSE(plan_detail(s, steps_for_x(s, x_axis::step, NAN, NAN), 800).need);
  // Zoom to steps [100000, 110000) on 800 px: ~20 overview buckets < 800 px: ask.
  step_range v = steps_for_x(s, x_axis::step, 100000, 109999);
  CHECK(v.lo == 100000);
  CHECK(v.hi == 109999);
  detail_plan p = plan_detail(s, v, 800);
  REQUIRE(p.need);
  // Padded by half the span on each side and snapped to a quarter-span grid.
  CHECK(p.from <= 95000);
  CHECK(p.to >= 114999);
  CHECK(p.from % 2500 == 0);
  // About one bucket per pixel over the visible part.
  double per_px =
      double(p.max_buckets) * double(v.hi - v.lo + 1) / double(p.to - p.from + 1) / 800.0;
  CHECK(per_px == Approx(1.0).margin(0.01));
  // A wider chart asks for proportionally more buckets.
  CHECK(plan_detail(s, v, 1600).max_buckets == Approx(2 * p.max_buckets).margin(2));
  // Never beyond the series.
  detail_plan edge = plan_detail(s, steps_for_x(s, x_axis::step, 995000, 1e9), 800);
  REQUIRE(edge.need);
  CHECK(edge.to == 999999);
}

TEST_CASE("bucket requests: a small pan or zoom reuses the detail already read") {
  series_data s = series_from_points(1000000, overview_target);
  step_range v{100000, 109999};
  detail_plan p = plan_detail(s, v, 800);
  REQUIRE(p.need);
  // Pretend the loader served it: one bucket per step-span/max_buckets.
  s.detail_from = p.from;
  s.detail_to = p.to;
  std::int64_t width = (p.to - p.from + 1) / std::int64_t(p.max_buckets) + 1;
  for (std::int64_t a = p.from; a <= p.to; a += width)
    s.detail.push_back(span_bucket{a, std::min(p.to, a + width - 1), a, width, 0, 0, 0, 0, 0});
  CHECK_FALSE(plan_detail(s, step_range{101000, 110999}, 800).need);  // pan by 10%
  CHECK_FALSE(plan_detail(s, step_range{100000, 109999}, 800).need);  // same view
  CHECK(plan_detail(s, step_range{300000, 309999}, 800).need);        // elsewhere
  CHECK(plan_detail(s, step_range{104000, 104999}, 800).need);        // 10x deeper zoom
  // Raw series never need detail: every point is already its own bucket.
  series_data small = series_from_points(3000, 2 * overview_target);
  CHECK_FALSE(plan_detail(small, step_range{100, 200}, 800).need);
}

TEST_CASE("bucket requests: time axes map the visible time range back to steps") {
  series_data s = series_from_points(1000, 4096);  // t = 1000 + step
  s.run_start = 1000;
  step_range r = steps_for_x(s, x_axis::relative, 100, 199.5);
  CHECK(r.lo == 100);
  CHECK(r.hi == 199);
  step_range w = steps_for_x(s, x_axis::wall, 1500, 1600);
  CHECK(w.lo == 500);
  CHECK(w.hi == 600);
  plot_series rel = make_plot(s, x_axis::relative, 0);
  CHECK(rel.pts[10].x == 10.0);
  plot_series wall = make_plot(s, x_axis::wall, 0);
  CHECK(wall.pts[10].x == 1010.0);
}

TEST_CASE("smoothing: TensorBoard's debiased EMA against hand-computed values") {
  // w = 0.6, values 1, 2, 3, NaN, 4:
  //   n=1: last = 0.4            debias 0.4   -> 1
  //   n=2: last = 0.24 + 0.8     = 1.04,  debias 1 - 0.36 = 0.64  -> 1.625
  //   n=3: last = 0.624 + 1.2    = 1.824, debias 1 - 0.216 = 0.784 -> 2.326530612
  //   NaN passes through
  //   n=4: last = 1.0944 + 1.6   = 2.6944, debias 1 - 0.1296 = 0.8704 -> 3.095588235
  std::vector<double> out = ema_debiased({1, 2, 3, NAN, 4}, 0.6);
  CHECK(out[0] == Approx(1.0));
  CHECK(out[1] == Approx(1.625));
  CHECK(out[2] == Approx(2.326530612));
  CHECK(std::isnan(out[3]));
  CHECK(out[4] == Approx(3.095588235));
  // w = 0 is the raw series; a constant stays constant for any w (the point of debiasing).
  CHECK(ema_debiased({5, 7, 9}, 0.0) == std::vector<double>{5, 7, 9});
  for (double v : ema_debiased({2, 2, 2, 2}, 0.999)) CHECK(v == Approx(2.0));
  // Infinity passes through like NaN.
  CHECK(std::isinf(ema_debiased({1, INFINITY, 1}, 0.5)[1]));
}

TEST_CASE("grouping: mean, population standard deviation, min and max across runs at each x") {
  auto line = [](std::vector<std::pair<double, double>> xy) {
    plot_series p;
    for (auto [x, y] : xy) p.pts.push_back(plot_point{x, x, x, y, y, y, y});
    return p;
  };
  plot_series a = line({{0, 1}, {10, 11}});                    // y = x + 1
  plot_series b = line({{0, 3}, {10, 3}});                     // y = 3
  plot_series c = line({{5, 8}, {10, 8}});                     // starts at x = 5
  group_line g = group_series({&a, &b, &c}, 0, 10, 3, false);  // x = 0, 5, 10
  REQUIRE(g.x == std::vector<double>{0, 5, 10});
  CHECK(g.n == std::vector<int>{2, 3, 3});
  CHECK(g.mean[0] == Approx(2.0));       // (1 + 3) / 2
  CHECK(g.stddev[0] == Approx(1.0));     // population std of {1, 3}
  CHECK(g.mean[1] == Approx(17.0 / 3));  // (6 + 3 + 8) / 3
  CHECK(g.min[1] == 3);
  CHECK(g.max[1] == 8);
  CHECK(g.stddev[2] == Approx(std::sqrt((std::pow(11 - 22.0 / 3, 2) + std::pow(3 - 22.0 / 3, 2) +
                                         std::pow(8 - 22.0 / 3, 2)) /
                                        3)));
  CHECK(percentile({1, 2, 3, 4, 5}, 50) == 3);
  CHECK(percentile({0, 10}, 5) == Approx(0.5));
}

TEST_CASE("hover: the value at x is the last point at or before x") {
  plot_series p;
  for (int i = 0; i < 5; ++i)
    p.pts.push_back(
        plot_point{double(i * 10), double(i * 10), double(i * 10), 0, 0, double(i), double(i) * 2});
  CHECK(value_at(p, 25, false) == 2);
  CHECK(value_at(p, 25, true) == 4);
  CHECK(value_at(p, 30, false) == 3);
  CHECK(std::isnan(value_at(p, -1, false)));
}

TEST_CASE("axis: ticks at 1-2-5 numbers, time steps on the clock, labels") {
  axis_ticks t = nice_ticks(0, 1, 5);
  CHECK(t.step == Approx(0.2));
  CHECK(t.values.size() == 6);
  CHECK(nice_ticks(0, 2000, 4).step == 500);
  CHECK(nice_ticks(-3, 97, 10).values.front() == 0);
  CHECK(time_ticks(0, 3600, 6).step == 600);
  CHECK(time_ticks(0, 100, 5).step == 30);
  CHECK(format_tick(1500000, 500000, x_axis::step, true) == "1.5M");
  CHECK(format_tick(20000, 5000, x_axis::step, true) == "20k");
  CHECK(format_tick(90, 30, x_axis::relative, true) == "1m30s");
  CHECK(format_tick(0.25, 0.05, x_axis::step, false) == "0.25");
  CHECK(format_value(0.8500) == "0.85");
  CHECK(format_value(NAN) == "NaN");
  axis_ticks lt = log_ticks(-3, 1, 5);
  CHECK(std::count(lt.values.begin(), lt.values.end(), 0.0) == 1);
}

TEST_CASE("options: the command-line contract and its usage errors") {
  app_options o = parse_options({"--store", "S", "--screenshot", "a.png", "--view", "charts",
                                 "--runs", "a,latest", "--keys", "train/loss", "--x", "wall",
                                 "--smoothing", "0.9", "--width", "1280", "--height", "800"});
  CHECK(o.store == "S");
  CHECK(o.view == view_id::charts);
  CHECK(o.runs == strings{"a", "latest"});
  CHECK(o.keys == strings{"train/loss"});
  CHECK(o.axis == x_axis::wall);
  CHECK(o.smoothing == 0.9);
  CHECK(o.width == 1280);
  CHECK(o.height == 800);
  CHECK(parse_options({}).view == view_id::runs);
  CHECK(view_names() == "runs|charts|confusion|samples|compare|histograms|parameters|production");
  for (const strings& bad :
       {strings{"--view", "nope"}, strings{"--screenshot", "x.png"}, strings{"--smoothing", "1.5"},
        strings{"--x", "epoch"}, strings{"--width", "abc"}, strings{"--store"}, strings{"--bogus"},
        strings{"--runs", ","}})
    CHECK_THROWS_AS(parse_options(bad), std::invalid_argument);
  try {
    parse_options({"--view", "nope"});
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("runs|charts") != std::string::npos);
  }
}
