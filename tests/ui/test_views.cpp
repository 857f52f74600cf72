// test_views.cpp — the views drawn for several frames in a hidden ImGui context (no window, no
// GL) against the fixture store, through a synchronous feed.
#include "fixture.hpp"
#include "views/viewer.hpp"
#include "widgets/theme.hpp"

#include <catch2/catch.hpp>
#include <imgui.h>
#include <test_support.hpp>
#include <tracker/metrics.hpp>
#include <tracker/tracker.hpp>

#include <chrono>
#include <thread>

using namespace tracker::ui;

namespace {

// A headless ImGui context: fonts built, a 1600x1000 display, 16-bit indices with offsets.
struct headless_imgui {
  headless_imgui() {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(1600, 1000);
    io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
    widgets::apply_theme(16.0f);
    unsigned char* px = nullptr;
    int w = 0, h = 0;
    io.Fonts->GetTexDataAsRGBA32(&px, &w, &h);
  }
  ~headless_imgui() { ImGui::DestroyContext(); }
  // One frame; returns the number of vertices drawn.
  int frame(viewer& v) {
    ImGuiIO& io = ImGui::GetIO();
    io.DeltaTime = 1.0f / 60.0f;
    ImGui::NewFrame();
    v.frame();
    ImGui::Render();
    return ImGui::GetDrawData()->TotalVtxCount;
  }
};

struct fixture {
  tracker_test::temp_dir dir;
  std::vector<tracker_ui_test::fixture_run> runs = tracker_ui_test::make_fixture_store(dir.store());
};

// Frames until the feed has served everything the views asked for.
void run_frames(headless_imgui& ui, viewer& v, sync_feed& feed, int n) {
  for (int i = 0; i < n; ++i) {
    ui.frame(v);
    feed.pump();
  }
}

}  // namespace

TEST_CASE("views: the runs view draws the fixture store for several frames, filtered and grouped") {
  fixture fx;
  headless_imgui ui;
  sync_feed feed(store_source::open(fx.dir.store()));
  feed.pump();
  app_options opts;
  opts.store = fx.dir.store();
  opts.view = view_id::runs;
  viewer v(feed, opts);
  run_frames(ui, v, feed, 5);
  CHECK(v.active_view() == view_id::runs);
  CHECK(v.visible_rows().size() == 6);
  CHECK(v.selected().size() == 1);  // default: the latest run
  CHECK(v.selected().contains(fx.runs.back().id));
  CHECK(v.ready());
  CHECK(ui.frame(v) > 1000);  // something was drawn

  v.set_filter("tag:cnn val/accuracy>=0.5");
  run_frames(ui, v, feed, 2);
  CHECK(v.visible_rows().size() == 2);
  v.set_filter("val/accuracy>=");  // an error while typing: shown, and the last filter stays
  run_frames(ui, v, feed, 2);
  CHECK_FALSE(v.filter_error().empty());
  CHECK(v.visible_rows().size() == 2);
  v.set_filter("");
  run_frames(ui, v, feed, 2);
  CHECK(v.visible_rows().size() == 6);
  CHECK(v.filter_error().empty());
}

TEST_CASE("views: the charts view asks for the selected runs' series and draws one chart per key") {
  fixture fx;
  headless_imgui ui;
  sync_feed feed(store_source::open(fx.dir.store()));
  feed.pump();
  app_options opts;
  opts.store = fx.dir.store();
  opts.view = view_id::charts;
  opts.runs = {"cnn-lr3e-3", "cnn-lr1e-3", "mlp-lr1e-3"};
  viewer v(feed, opts);
  run_frames(ui, v, feed, 6);
  REQUIRE(v.fatal_error().empty());
  CHECK(v.selected().size() == 3);
  std::set<std::string> keys;
  for (const auto& c : v.drawn_charts()) {
    keys.insert(c.key);
    CHECK(c.result.plot_width_px > 100);
  }
  // The view is 1000 px tall: the first sections are on screen (train/, val/).
  CHECK(keys.count("train/loss"));
  CHECK(keys.count("val/accuracy"));
  for (const auto& c : v.drawn_charts())
    if (c.key == "train/loss") {
      CHECK(c.lines == 3);
      CHECK(c.result.y1 >=
            25.0);  // the spike sets the y-range (outliers are not ignored by default)
    }
  CHECK(feed.latest()->find(fx.runs[4].id, "train/loss"));

  // Ignore outliers: the y-range drops to the bulk of the data.
  v.charts().ignore_outliers = true;
  run_frames(ui, v, feed, 2);
  for (const auto& c : v.drawn_charts())
    if (c.key == "train/loss") CHECK(c.result.y1 < 5.0);

  // Grouping: one line per group.
  v.charts().ignore_outliers = false;
  v.charts().group = chart_settings::grouping::config;
  v.charts().group_key = "model";
  run_frames(ui, v, feed, 2);
  for (const auto& c : v.drawn_charts())
    if (c.key == "train/loss") CHECK(c.lines == 2);  // cnn, mlp

  // Search: substring, then a regular expression; sections follow the key prefixes.
  v.charts().group = chart_settings::grouping::none;
  v.charts().search = "accuracy";
  run_frames(ui, v, feed, 2);
  REQUIRE(v.drawn_charts().size() == 1);
  CHECK(v.drawn_charts()[0].key == "val/accuracy");
  v.charts().search = "^(train|val)/loss$";
  v.charts().search_regex = true;
  run_frames(ui, v, feed, 2);
  std::set<std::string> found;
  for (const auto& c : v.drawn_charts()) found.insert(c.key);
  CHECK(found == std::set<std::string>{"train/loss", "val/loss"});
  v.charts().search.clear();
  v.charts().search_regex = false;

  // Every x-axis and log y draw without trouble.
  for (x_axis a : {x_axis::relative, x_axis::wall, x_axis::step}) {
    v.charts().axis = a;
    v.charts().log_y = a == x_axis::wall;
    run_frames(ui, v, feed, 3);
    CHECK_FALSE(v.drawn_charts().empty());
  }
}

TEST_CASE(
    "views: --keys with one key fills the view with one chart, and unknown --runs is a fatal "
    "error") {
  fixture fx;
  headless_imgui ui;
  sync_feed feed(store_source::open(fx.dir.store()));
  feed.pump();
  app_options opts;
  opts.store = fx.dir.store();
  opts.view = view_id::charts;
  opts.runs = {"ramp"};
  opts.keys = {"test/ramp"};
  viewer v(feed, opts);
  run_frames(ui, v, feed, 8);
  REQUIRE(v.drawn_charts().size() == 1);
  const auto& r = v.drawn_charts()[0].result;
  CHECK(r.plot_max_x - r.plot_min_x > 1000);
  CHECK(r.plot_max_y - r.plot_min_y > 700);
  CHECK(r.x0 == 0);
  CHECK(r.x1 == 1000);
  CHECK(v.ready());

  app_options bad = opts;
  bad.runs = {"no-such-run"};
  viewer w(feed, bad);
  run_frames(ui, w, feed, 2);
  CHECK(w.fatal_error().find("no-such-run") != std::string::npos);
}

TEST_CASE(
    "views: a spike among 1,000,000 points stays on the chart at every zoom level, and "
    "double-click "
    "resets") {
  tracker_test::temp_dir dir;
  {
    tracker::options o;
    o.store = dir.store();
    o.name = "long";
    o.capture_git = false;
    o.handle_signals = false;
    tracker::run run = tracker::init(o);
    tracker::key_handle k = run.key("train/loss");
    for (std::int64_t i = 0; i < 1000000; ++i)
      run.log(k, i == 777777 ? 50.0 : 1.0 + 0.001 * double(i % 7), i);
    run.finish();
  }
  headless_imgui ui;
  sync_feed feed(store_source::open(dir.store()));
  feed.pump();
  app_options opts;
  opts.store = dir.store();
  opts.view = view_id::charts;
  opts.keys = {"train/loss"};
  viewer v(feed, opts);
  run_frames(ui, v, feed, 4);
  REQUIRE(v.drawn_charts().size() == 1);
  const double full_span = v.drawn_charts()[0].result.x1 - v.drawn_charts()[0].result.x0;
  CHECK(full_span == Approx(999999));
  CHECK(v.drawn_charts()[0].result.y1 >= 50.0);

  ImGuiIO& io = ImGui::GetIO();
  double span = full_span;
  for (int level = 0; level < 8; ++level) {
    const auto r = v.drawn_charts()[0].result;
    // Put the mouse over the spike and turn the wheel: the chart zooms around it.
    io.MousePos = ImVec2(
        float(r.plot_min_x + (777777 - r.x0) / (r.x1 - r.x0) * (r.plot_max_x - r.plot_min_x)),
        float((r.plot_min_y + r.plot_max_y) / 2));
    io.MouseWheel = 3.0f;
    run_frames(ui, v, feed, 3);  // zoom, then the feed serves the new bucket request
    const auto z = v.drawn_charts()[0].result;
    INFO("level " << level << ": x " << z.x0 << ".." << z.x1);
    CHECK(z.x1 - z.x0 < span * 0.7);
    CHECK(z.x0 < 777777);
    CHECK(z.x1 > 777777);
    CHECK(z.y1 >= 50.0);  // the spike is still inside the y-range: it was drawn
    span = z.x1 - z.x0;
  }
  // Deep zoom reads finer buckets from the store (about one per pixel), not the overview.
  auto s = feed.latest()->find(feed.latest()->cat->runs[0].info.id, "train/loss");
  REQUIRE(s);
  CHECK_FALSE(s->detail.empty());
  CHECK(s->detail_from <= 777777);
  CHECK(s->detail_to >= 777777);
  // Double-click: back to the whole series.
  for (bool down : {true, false, true, false}) {
    io.MouseDown[0] = down;
    ui.frame(v);
  }
  run_frames(ui, v, feed, 2);
  CHECK(v.drawn_charts()[0].result.x1 - v.drawn_charts()[0].result.x0 == Approx(full_span));
}

TEST_CASE("views: screenshot readiness waits until the series the charts asked for have arrived") {
  fixture fx;
  headless_imgui ui;
  sync_feed feed(store_source::open(fx.dir.store()));
  feed.pump();  // the catalog only
  app_options opts;
  opts.store = fx.dir.store();
  opts.view = view_id::charts;
  opts.runs = {"cnn-lr3e-3", "mlp-lr1e-3"};
  viewer v(feed, opts);
  for (int i = 0; i < 6; ++i) ui.frame(v);  // frames, but nobody serves the wants
  CHECK_FALSE(v.ready());
  CHECK_FALSE(feed.latest()->find(fx.runs[4].id, "train/loss"));
  run_frames(ui, v, feed, 6);
  CHECK(v.ready());
  CHECK(feed.latest()->find(fx.runs[4].id, "train/loss"));
  // Once served, the same wants are recognised as the same (NaN "whole range" included), so
  // an idle chart view does not wake the loader every frame.
  auto gen = feed.latest()->generation;
  run_frames(ui, v, feed, 5);
  CHECK(feed.latest()->generation == gen);
}

// ---- part 2 views -----------------------------------------------------------------------------

namespace {

// A store with one run that logged a 1-class and a 100-class matrix and a 10,000-row table
// whose images do not exist.
std::string make_extreme_store(const std::string& store) {
  tracker::options o;
  o.store = store;
  o.name = "extreme";
  o.capture_git = false;
  o.handle_signals = false;
  tracker::run run = tracker::init(o);
  tracker::metrics::confusion_matrix one({"only"});
  one.add(0, 0, 7);
  run.log_object("one/confusion", "confusion_matrix", one.to_json(), 1);
  std::vector<std::string> labels;
  for (int i = 0; i < 100; ++i) labels.push_back("class" + std::to_string(i));
  tracker::metrics::confusion_matrix big(labels);
  for (int i = 0; i < 100; ++i) {
    big.add(i, i, 90);
    big.add(i, (i * 7 + 3) % 100, 10);
  }
  run.log_object("big/confusion", "confusion_matrix", big.to_json(), 1);
  tracker::metrics::table t({{"image", tracker::metrics::column_type::image},
                             {"true", tracker::metrics::column_type::text},
                             {"predicted", tracker::metrics::column_type::text},
                             {"loss", tracker::metrics::column_type::number}});
  for (int i = 0; i < 10000; ++i)
    t.add_row({"media/" + run.id() + "/gone/" + std::to_string(i) + ".png",
               labels[std::size_t(i % 100)], labels[std::size_t((i * 3) % 100)], double(i % 997)});
  tracker::metrics::log_table(run, "val/misclassified", t, 1);
  std::string id = run.id();
  run.finish();
  return id;
}

}  // namespace

TEST_CASE("views: confusion, samples, compare, histograms and parameters draw the fixture") {
  fixture fx;
  headless_imgui ui;
  sync_feed feed(store_source::open(fx.dir.store()));
  feed.pump();
  for (view_id view : {view_id::confusion, view_id::samples, view_id::compare, view_id::histograms,
                       view_id::parameters}) {
    app_options opts;
    opts.store = fx.dir.store();
    opts.view = view;
    opts.runs = {"mlp-lr1e-3", "cnn-lr1e-3"};
    opts.diff = view == view_id::confusion;
    viewer v(feed, opts);
    for (int i = 0; i < 400 && !v.ready(); ++i) {
      run_frames(ui, v, feed, 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the image thread decodes
    }
    INFO(info(view).name);
    CHECK(v.ready());
    CHECK(v.active_view() == view);
    if (view == view_id::confusion) CHECK(v.drawn_heatmaps().size() == 3);
    if (view == view_id::samples) CHECK(v.shown_samples() == 40);
    if (view == view_id::compare) {
      CHECK(v.compared_config_keys() == std::vector<std::string>{"model"});
      REQUIRE(v.drawn_heatmaps().size() == 1);  // the confusion difference of the two runs
      CHECK(v.drawn_heatmaps()[0].title == "B - A");
    }
    if (view == view_id::histograms) CHECK(v.drawn_ridges() == 0);  // mlp-lr1e-3 has none
    if (view == view_id::parameters) CHECK(v.drawn_parallel().second == 2);
  }
}

TEST_CASE("views: a 1-class and a 100-class matrix, a 10,000-row table of missing images") {
  tracker_test::temp_dir dir;
  const std::string id = make_extreme_store(dir.store());
  headless_imgui ui;
  sync_feed feed(store_source::open(dir.store()));
  feed.pump();
  for (const char* key : {"one/confusion", "big/confusion"}) {
    app_options opts;
    opts.store = dir.store();
    opts.view = view_id::confusion;
    opts.key = key;
    opts.normalize = "true";
    viewer v(feed, opts);
    for (int i = 0; i < 20 && !v.ready(); ++i) run_frames(ui, v, feed, 1);
    REQUIRE(v.ready());
    REQUIRE(v.drawn_heatmaps().size() == 1);
    CHECK(v.drawn_heatmaps()[0].k == (std::string(key) == "big/confusion" ? 100u : 1u));
  }
  app_options opts;
  opts.store = dir.store();
  opts.view = view_id::samples;
  viewer v(feed, opts);
  for (int i = 0; i < 200 && !v.ready(); ++i) {
    run_frames(ui, v, feed, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the image thread decodes
  }
  CHECK(v.ready());
  CHECK(v.shown_samples() == 10000);
  CHECK(v.drawn_images().size() < 40);  // only the rows on screen
  for (const auto& im : v.drawn_images()) CHECK_FALSE(im.pixels);
  (void)id;
}

TEST_CASE("views: while the step slider moves, the last matrix stays until the new one is read") {
  fixture fx;
  headless_imgui ui;
  sync_feed feed(store_source::open(fx.dir.store()));
  feed.pump();
  app_options opts;
  opts.store = fx.dir.store();
  opts.view = view_id::confusion;
  opts.runs = {"cnn-lr1e-3"};
  viewer v(feed, opts);
  for (int i = 0; i < 20 && !v.ready(); ++i) run_frames(ui, v, feed, 1);
  REQUIRE(v.drawn_heatmaps().size() == 1);
  CHECK(v.drawn_heatmaps()[0].step == 1999);  // the latest
  v.confusion().step = 499;
  ui.frame(v);  // nobody has read step 499 yet: step 1999 is still drawn, not a blank view
  REQUIRE(v.drawn_heatmaps().size() == 1);
  CHECK(v.drawn_heatmaps()[0].step == 1999);
  CHECK_FALSE(v.ready());
  run_frames(ui, v, feed, 2);  // the feed reads it; the next frame draws it
  REQUIRE(v.drawn_heatmaps().size() == 1);
  CHECK(v.drawn_heatmaps()[0].step == 499);
}

TEST_CASE("views: the histograms heatmap mode draws one column per logged step") {
  fixture fx;
  headless_imgui ui;
  sync_feed feed(store_source::open(fx.dir.store()));
  feed.pump();
  app_options opts;
  opts.store = fx.dir.store();
  opts.view = view_id::histograms;
  opts.runs = {"cnn-lr1e-3"};
  opts.histogram_heatmap = true;
  viewer v(feed, opts);
  for (int i = 0; i < 40 && !v.ready(); ++i) run_frames(ui, v, feed, 1);
  REQUIRE(v.ready());
  CHECK(v.drawn_ridges() == 0);
  REQUIRE(v.drawn_heatmaps().size() == 1);
  CHECK(v.drawn_heatmaps()[0].title == "histogram");
  CHECK(v.drawn_heatmaps()[0].k == 10);
}
