// test_screenshots.cpp — real tracker-ui screenshots, each rendered through
// `xvfb-run -a -s "-screen 0 1600x1000x24"` (Mesa's llvmpipe, deterministic), checked for
// content: size, not blank, the known ramp's line where the chart's axes put it, a golden image
// of that chart.
#include "screenshot_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stb_image.h>
#include <tracker/query.hpp>
#include <stb_image_write.h>
#include <test_support.hpp>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;
using tracker_test::run_process;

using namespace tracker_ui_test;

TEST_CASE("screenshot: the runs view has the requested size and is not blank") {
  fixture fx;
  const std::string png = fx.dir.path() + "/runs.png";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--view", "runs", "--width", "1280",
               "--height", "800"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  image img = load_png(png);
  CHECK(img.w == 1280);
  CHECK(img.h == 800);
  std::set<std::uint32_t> colours;
  std::size_t text_like = 0;
  for (int y = 0; y < img.h; y += 2)
    for (int x = 0; x < img.w; x += 2) {
      const unsigned char* p = img.at(x, y);
      colours.insert(std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2]);
      if (p[0] > 150 && p[1] > 150 && p[2] > 150) ++text_like;  // light text on the dark theme
    }
  CHECK(colours.size() > 100);
  CHECK(text_like > 500);
}

TEST_CASE("screenshot: the known ramp's line is where the chart's axes put it") {
  fixture fx;
  const std::string png = fx.dir.path() + "/ramp.png", layout = fx.dir.path() + "/ramp.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "charts", "--runs", "ramp", "--keys", "test/ramp", "--smoothing", "0", "--width",
               "1280", "--height", "800"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  image img = load_png(png);
  std::ifstream in(layout);
  nlohmann::json j = nlohmann::json::parse(in);
  REQUIRE(j["charts"].size() == 1);
  auto c = j["charts"][0];
  CHECK(c["key"] == "test/ramp");
  double px0 = c["plot"][0], py0 = c["plot"][1], px1 = c["plot"][2], py1 = c["plot"][3];
  double x0 = c["x"][0], x1 = c["x"][1], y0 = c["y"][0], y1 = c["y"][1];
  CHECK(x0 == 0);
  CHECK(x1 == 1000);
  CHECK(y0 < 0);
  CHECK(y1 > 1);
  const std::uint32_t colour = fx.color_of(fx.runs.back().id);
  // ramp: value = step / 1000. At each probe the line's colour is within 3 px of the expected
  // row, and it is nowhere 60 px above or below it.
  for (int step : {50, 200, 400, 500, 650, 800, 950}) {
    int x = int(px0 + (step - x0) / (x1 - x0) * (px1 - px0));
    int y = int(py1 - (step / 1000.0 - y0) / (y1 - y0) * (py1 - py0));
    INFO("step " << step << " at pixel " << x << "," << y);
    int best = 1 << 30;
    for (int dy = -3; dy <= 3; ++dy) best = std::min(best, distance(img.at(x, y + dy), colour));
    CHECK(best < 60);
    for (int dy : {-60, 60}) {
      int yy = y + dy;
      if (yy > py0 + 2 && yy < py1 - 2) CHECK(distance(img.at(x, yy), colour) > 120);
    }
  }

  // Golden image of the plot area (deterministic on Mesa's llvmpipe, fixed run ids give fixed
  // colours): mean absolute difference per channel <= 1 and at most 0.1% of the pixels off by
  // more than 48 (the line alone covers ~0.4%: a missing or moved line fails).
  const std::string golden = std::string(TRACKER_UI_GOLDEN_DIR) + "/ramp_plot.png";
  const int gx = int(px0), gy = int(py0), gw = int(px1 - px0), gh = int(py1 - py0);
  std::vector<unsigned char> crop(std::size_t(gw) * std::size_t(gh) * 3);
  for (int y = 0; y < gh; ++y)
    std::memcpy(&crop[std::size_t(y) * std::size_t(gw) * 3], img.at(gx, gy + y),
                std::size_t(gw) * 3);
  if (std::getenv("TRACKER_UI_UPDATE_GOLDEN")) {
    REQUIRE(stbi_write_png(golden.c_str(), gw, gh, 3, crop.data(), gw * 3));
    WARN("golden image rewritten: " << golden);
  }
  REQUIRE(fs::exists(golden));  // TRACKER_UI_UPDATE_GOLDEN=1 creates it
  image g = load_png(golden);
  REQUIRE(g.w == gw);
  REQUIRE(g.h == gh);
  double sum = 0;
  std::size_t off = 0;
  for (std::size_t i = 0; i < crop.size(); i += 3) {
    int d = 0;
    for (int k = 0; k < 3; ++k) {
      int e = std::abs(int(crop[i + k]) - int(g.rgb[i + k]));
      sum += e;
      d = std::max(d, e);
    }
    if (d > 48) ++off;
  }
  CHECK(sum / double(crop.size()) <= 1.0);
  CHECK(double(off) / double(crop.size() / 3) <= 0.001);
}

TEST_CASE("screenshot: the charts view draws every selected run on each x-axis") {
  fixture fx;
  for (const char* axis : {"step", "relative", "wall"}) {
    const std::string png = fx.dir.path() + "/charts-" + axis + ".png";
    auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--view", "charts", "--runs",
                 "cnn-lr3e-3,cnn-lr1e-3,mlp-lr1e-3,mlp-lr3e-4,mlp-lr1e-2", "--x", axis,
                 "--smoothing", "0.8"});
    INFO(axis << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    image img = load_png(png);
    CHECK(img.w == 1600);
    CHECK(img.h == 1000);
    // Every run's colour appears in the chart area (right of the runs panel).
    for (std::size_t i = 0; i < 5; ++i) {
      std::uint32_t colour = fx.color_of(fx.runs[i].id);
      std::size_t hits = 0;
      for (int y = 100; y < img.h - 40; ++y)
        for (int x = 300; x < img.w; ++x) hits += distance(img.at(x, y), colour) < 40;
      INFO("run " << fx.runs[i].name);
      CHECK(hits > 30);
    }
  }
}

TEST_CASE("screenshot: --runs naming no run exits 2 with a message") {
  fixture fx;
  auto r = ui({"--store", fx.dir.store(), "--screenshot", fx.dir.path() + "/x.png", "--view",
               "charts", "--runs", "no-such-run"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no-such-run") != std::string::npos);
  CHECK_FALSE(fs::exists(fx.dir.path() + "/x.png"));
}

TEST_CASE("screenshot: a store whose runs were all deleted exits 2 with 'no runs'") {
  fixture fx;
  for (const auto& r : fx.runs) tracker::delete_run(fx.dir.store(), r.id);
  tracker::gc(fx.dir.store());
  auto r =
      ui({"--store", fx.dir.store(), "--screenshot", fx.dir.path() + "/x.png", "--view", "runs"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no runs") != std::string::npos);
}

TEST_CASE("screenshot: hovering a chart draws the crosshair and the values tooltip") {
  fixture fx;
  const std::string png = fx.dir.path() + "/hover.png", layout = fx.dir.path() + "/hover.json";
  const std::vector<std::string> args = {"-a",
                                         "-s",
                                         "-screen 0 1600x1000x24",
                                         TRACKER_UI_PATH,
                                         "--store",
                                         fx.dir.store(),
                                         "--screenshot",
                                         png,
                                         "--layout",
                                         layout,
                                         "--view",
                                         "charts",
                                         "--runs",
                                         "ramp",
                                         "--keys",
                                         "test/ramp",
                                         "--width",
                                         "1280",
                                         "--height",
                                         "800"};
  auto plain = run_process(XVFB_RUN_PATH, args);
  REQUIRE(plain.exit_code == 0);
  std::ifstream in(layout);
  auto c = nlohmann::json::parse(in)["charts"][0];
  const int mx = int((double(c["plot"][0]) + double(c["plot"][2])) / 2),
            my = int(double(c["plot"][3]) - 20);
  const int probe_y =
      int(double(c["plot"][1])) + 5;  // top of the plot: only the crosshair is there
  image before = load_png(png);
  auto hovered =
      run_process(XVFB_RUN_PATH, args,
                  {"TRACKER_UI_SCREENSHOT_MOUSE=" + std::to_string(mx) + "," + std::to_string(my)});
  REQUIRE(hovered.exit_code == 0);
  image after = load_png(png);
  auto brightness = [](const unsigned char* p) { return int(p[0]) + int(p[1]) + int(p[2]); };
  CHECK(brightness(after.at(mx, probe_y)) >
        brightness(before.at(mx, probe_y)) + 150);  // the crosshair
  // The tooltip: light text in a box to the lower right of the pointer, where the plot was empty.
  std::size_t text_before = 0, text_after = 0;
  for (int y = my + 10; y < std::min(after.h, my + 60); ++y)
    for (int x = mx + 10; x < std::min(after.w, mx + 200); ++x) {
      text_before += brightness(before.at(x, y)) > 450;
      text_after += brightness(after.at(x, y)) > 450;
    }
  CHECK(text_after > text_before + 50);
}

// ---- part 2 views ------------------------------------------------------------------------------

TEST_CASE("screenshot: the confusion view draws a 10x10 heatmap whose diagonal is brightest") {
  fixture fx;
  const std::string png = fx.dir.path() + "/cm.png", layout = fx.dir.path() + "/cm.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "confusion", "--runs", "cnn-lr1e-3", "--normalize", "true"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  image img = load_png(png);
  auto j = read_json(layout);
  REQUIRE(j["heatmaps"].size() == 1);
  auto h = j["heatmaps"][0];
  CHECK(h["title"] == "val/confusion");
  REQUIRE(h["k"] == 10);
  auto cells = cell_colours(img, h);
  REQUIRE(cells.size() == 100);
  // Every cell is painted (not the window background), each diagonal cell is brighter than
  // every cell of its row (recall >= 0.6 against at most 0.2 elsewhere in the fixture).
  auto bright = [](const std::array<int, 3>& c) { return c[0] + c[1] + c[2]; };
  std::set<int> distinct;
  for (const auto& c : cells) distinct.insert(bright(c));
  CHECK(distinct.size() >= 5);
  for (std::size_t i = 0; i < 10; ++i)
    for (std::size_t jx = 0; jx < 10; ++jx)
      if (jx != i) {
        INFO("row " << i << " column " << jx);
        CHECK(bright(cells[i * 10 + i]) > bright(cells[i * 10 + jx]) + 60);
      }
}

TEST_CASE("screenshot: the confusion difference of two runs draws A, B and B - A") {
  fixture fx;
  const std::string png = fx.dir.path() + "/cmd.png", layout = fx.dir.path() + "/cmd.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "confusion", "--runs", "mlp-lr1e-3,cnn-lr1e-3", "--diff", "--normalize", "true"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  image img = load_png(png);
  auto j = read_json(layout);
  REQUIRE(j["heatmaps"].size() == 3);
  CHECK(j["heatmaps"][0]["title"] == "A");
  CHECK(j["heatmaps"][1]["title"] == "B");
  CHECK(j["heatmaps"][2]["title"] == "B - A");
  // The CNN is better than the MLP: the difference's diagonal is blue (better), and the
  // Shirt -> T-shirt/top cell (row 6, column 0), which shrank, too.
  auto d = cell_colours(img, j["heatmaps"][2]);
  REQUIRE(d.size() == 100);
  std::size_t blue_diagonal = 0;
  for (std::size_t i = 0; i < 10; ++i) blue_diagonal += d[i * 10 + i][2] > d[i * 10 + i][0] + 30;
  CHECK(blue_diagonal >= 8);
  CHECK(d[6 * 10 + 0][2] > d[6 * 10 + 0][0] + 30);
}

TEST_CASE("screenshot: the confusion difference of two steps of one run") {
  fixture fx;
  const std::string png = fx.dir.path() + "/cms.png", layout = fx.dir.path() + "/cms.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "confusion", "--runs", "mlp-lr3e-4", "--diff", "--step", "499", "--step-b", "1999"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = read_json(layout);
  REQUIRE(j["heatmaps"].size() == 3);
  CHECK(j["heatmaps"][2]["k"] == 10);
}

TEST_CASE("screenshot: a run without confusion matrices shows a message, not a crash") {
  fixture fx;
  const std::string png = fx.dir.path() + "/none.png", layout = fx.dir.path() + "/none.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "confusion", "--runs", "ramp"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(read_json(layout)["heatmaps"].empty());
}

TEST_CASE("screenshot: the samples view draws the misclassified images as thumbnails") {
  fixture fx;
  const std::string png = fx.dir.path() + "/sm.png", layout = fx.dir.path() + "/sm.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "samples", "--runs", "mlp-lr1e-3", "--width", "1280", "--height", "800"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  image img = load_png(png);
  auto j = read_json(layout);
  CHECK(j["samples"] == 40);
  REQUIRE(j["images"].size() >= 5);
  std::size_t checked = 0;
  // Each thumbnail drawn as an image holds the garment's bright pixels and its black
  // background (the Fashion-MNIST look), not a flat placeholder.
  for (const auto& im : j["images"]) {
    INFO(im["path"].get<std::string>());
    CHECK(im["pixels"] == true);
    int x0 = int(double(im["box"][0])) + 2, y0 = int(double(im["box"][1])) + 2;
    int x1 = std::min(img.w, int(double(im["box"][2])) - 2);
    int y1 = std::min(img.h, int(double(im["box"][3])) - 2);
    if (double(im["box"][3]) > img.h - 40) continue;  // clipped by the table's bottom edge
    ++checked;
    int bright = 0, black = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        const unsigned char* p = img.at(x, y);
        bright += p[0] > 140 && p[0] == p[1] && p[1] == p[2];
        black += p[0] < 12 && p[1] < 12 && p[2] < 12;
      }
    CHECK(bright > 100);
    CHECK(black > 50);
  }
  CHECK(checked >= 5);
}

TEST_CASE("screenshot: a table whose image file was deleted shows a placeholder") {
  fixture fx;
  const std::string png = fx.dir.path() + "/gone.png", layout = fx.dir.path() + "/gone.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "samples", "--runs", "cnn-lr1e-3"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = read_json(layout);
  std::size_t placeholders = 0;
  for (const auto& im : j["images"]) placeholders += im["pixels"] == false;
  CHECK(placeholders == 1);
}

TEST_CASE("screenshot: the compare view lists the differing config keys and overlays charts") {
  fixture fx;
  const std::string png = fx.dir.path() + "/cmp.png", layout = fx.dir.path() + "/cmp.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "compare", "--runs", "mlp-lr1e-3,cnn-lr3e-3,mlp-lr1e-2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = read_json(layout);
  // model and lr differ; batch and optimizer are the same in every run: not listed.
  CHECK(j["compare_config_keys"] == nlohmann::json::array({"lr", "model"}));
  REQUIRE(j["charts"].size() == 3);
  CHECK(j["charts"][0]["key"] == "val/accuracy");
  for (const auto& c : j["charts"]) CHECK(c["lines"] == 3);
  // Beside the charts: the confusion difference of the first two runs (B = cnn-lr3e-3 better
  // than A = mlp-lr1e-3: a blue diagonal, as in the Confusion tab).
  REQUIRE(j["heatmaps"].size() == 1);
  CHECK(j["heatmaps"][0]["title"] == "B - A");
  REQUIRE(j["heatmaps"][0]["k"] == 10);
  image img = load_png(png);
  auto d = cell_colours(img, j["heatmaps"][0]);
  REQUIRE(d.size() == 100);
  std::size_t blue_diagonal = 0;
  for (std::size_t i = 0; i < 10; ++i) blue_diagonal += d[i * 10 + i][2] > d[i * 10 + i][0] + 30;
  CHECK(blue_diagonal >= 8);
  // Each run's colour is on the charts.
  for (const auto& run : fx.runs) {
    if (run.name != "mlp-lr1e-3" && run.name != "cnn-lr3e-3" && run.name != "mlp-lr1e-2") continue;
    const std::uint32_t colour = fx.color_of(run.id);
    auto c = j["charts"][1];
    std::size_t hits = 0;
    for (int y = int(double(c["plot"][1])); y < int(double(c["plot"][3])); ++y)
      for (int x = int(double(c["plot"][0])); x < int(double(c["plot"][2])); ++x)
        hits += distance(img.at(x, y), colour) < 40;
    INFO(run.name);
    CHECK(hits > 50);
  }
}

TEST_CASE("screenshot: the histograms view stacks one ridge per logged step") {
  fixture fx;
  const std::string png = fx.dir.path() + "/h.png", layout = fx.dir.path() + "/h.json";
  auto r =
      ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
          "histograms", "--runs", "cnn-lr1e-3", "--key", "weights/fc1.weight", "--step", "1000"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = read_json(layout);
  CHECK(j["ridges"] == 10);  // steps 0, 200, ..., 1800
  // The chosen step's ridge is drawn in orange.
  image img = load_png(png);
  std::size_t orange = 0;
  for (int y = 0; y < img.h; y += 1)
    for (int x = 0; x < img.w; x += 1) {
      const unsigned char* p = img.at(x, y);
      orange += p[0] > 200 && p[1] > 120 && p[1] < 190 && p[2] < 100;
    }
  CHECK(orange > 300);
}

TEST_CASE("screenshot: the histograms heatmap has one column per step, the weights spreading") {
  fixture fx;
  const std::string png = fx.dir.path() + "/hh.png", layout = fx.dir.path() + "/hh.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "histograms", "--runs", "cnn-lr1e-3", "--key", "weights/fc1.weight", "--step",
               "1000", "--histogram-mode", "heatmap"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = read_json(layout);
  CHECK(j["ridges"] == 0);
  REQUIRE(j["heatmaps"].size() == 1);
  auto h = j["heatmaps"][0];
  CHECK(h["title"] == "histogram");
  REQUIRE(h["k"] == 10);  // steps 0, 200, ..., 1800
  image img = load_png(png);
  const double x0 = h["cells"][0], y0 = h["cells"][1], x1 = h["cells"][2], y1 = h["cells"][3];
  // Lit pixels (brighter than the empty cells) down the middle of each step's column: the
  // weights spread as training goes on, so the last column's band is wider than the first's.
  auto lit = [&](int column) {
    int x = int(x0 + (x1 - x0) * (column + 0.5) / 10.0), n = 0;
    for (int y = int(y0) + 1; y < int(y1) - 1; ++y) {
      const unsigned char* p = img.at(x, y);
      n += p[0] + p[1] + p[2] > 150;
    }
    return n;
  };
  CHECK(lit(0) > 5);
  CHECK(lit(9) > lit(0) + 20);
  // The chosen step (1000: column 5) is outlined in orange.
  std::size_t orange = 0;
  for (int y = int(y0) - 2; y < int(y1) + 2; ++y)
    for (int x = int(x0 + (x1 - x0) * 0.5) - 2; x < int(x0 + (x1 - x0) * 0.6) + 2; ++x) {
      const unsigned char* p = img.at(x, y);
      orange += p[0] > 200 && p[1] > 120 && p[1] < 190 && p[2] < 100;
    }
  CHECK(orange > 300);
}

TEST_CASE("screenshot: the samples grid draws thumbnails in rows and columns") {
  fixture fx;
  const std::string png = fx.dir.path() + "/smg.png", layout = fx.dir.path() + "/smg.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "samples", "--runs", "mlp-lr1e-3", "--samples-mode", "grid"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = read_json(layout);
  CHECK(j["samples"] == 40);
  std::set<int> xs, ys;
  std::size_t pixels = 0;
  for (const auto& im : j["images"]) {
    xs.insert(int(double(im["box"][0])));
    ys.insert(int(double(im["box"][1])));
    pixels += im["pixels"] == true;
  }
  CHECK(pixels >= 20);
  CHECK(xs.size() >= 5);  // several per line (the list has one image column)
  CHECK(ys.size() >= 3);
}

TEST_CASE("screenshot: the parameters view draws one axis per varying key and one line per run") {
  fixture fx;
  const std::string png = fx.dir.path() + "/pc.png", layout = fx.dir.path() + "/pc.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "parameters", "--runs", "cnn-lr3e-3,cnn-lr1e-3,mlp-lr1e-3,mlp-lr3e-4,mlp-lr1e-2"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = read_json(layout);
  CHECK(j["parallel"]["axes"] == 4);  // lr, model, val/accuracy, val/loss
  CHECK(j["parallel"]["lines"] == 5);
}
