// test_screenshots_production.cpp — real tracker-ui screenshots of the Production view (see
// test_screenshots.cpp for how they are taken): the drift table's markers, the overlaid
// distributions, and the window chosen on the command line (--since / --until / --last).
#include "screenshot_support.hpp"

#include <tracker/production.hpp>

#include <cmath>

using namespace tracker_ui_test;

namespace {

// The mean x of the pixels of `colour` inside box [x0, y0, x1, y1] (an outline's centre); NaN,
// which fails every comparison, when 100 or fewer such pixels are there.
double mean_x(const image& img, const nlohmann::json& box, std::uint32_t colour) {
  double sx = 0;
  int n = 0;
  for (int y = int(double(box[1])); y < int(double(box[3])); ++y)
    for (int x = int(double(box[0])); x < int(double(box[2])); ++x)
      if (distance(img.at(x, y), colour) < 30) sx += x, ++n;
  return n > 100 ? sx / n : std::nan("");
}

}  // namespace

TEST_CASE("screenshot: the production view marks brightness drifted and overlays both windows") {
  fixture fx;
  const std::string png = fx.dir.path() + "/prod.png", layout = fx.dir.path() + "/prod.json";
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "production", "--runs", "cnn-lr1e-3", "--key", "brightness"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  image img = load_png(png);
  auto j = read_json(layout);
  auto pd = j["production"];
  CHECK(pd["feature"] == "brightness");
  // The colours production_view.cpp draws with: reference blue, production orange, the
  // drifted marker red, the not-drifted one green.
  const std::uint32_t reference = 0xFFF0AA56, production = 0xFF3296FF;
  const std::uint32_t drifted = 0xFF4B4BEB, fine = 0xFF6EBE5A;
  auto count = [&](const nlohmann::json& box, std::uint32_t colour) {
    int n = 0;
    for (int y = int(double(box[1])); y < std::min(img.h, int(double(box[3]))); ++y)
      for (int x = int(double(box[0])); x < std::min(img.w, int(double(box[2]))); ++x)
        n += distance(img.at(x, y), colour) < 30;
    return n;
  };
  // The brightness row carries the red marker; a feature that did not drift the green one.
  bool seen_brightness = false, seen_fine = false;
  for (const auto& row : pd["rows"]) {
    INFO(row["name"].get<std::string>());
    if (row["name"] == "brightness") {
      seen_brightness = true;
      CHECK(row["drifted"] == true);
      CHECK(count(row["box"], drifted) > 10);
      CHECK(count(row["box"], fine) == 0);
    } else if (row["drifted"] == false) {
      seen_fine = true;
      CHECK(count(row["box"], fine) > 10);
    }
  }
  CHECK(seen_brightness);
  CHECK(seen_fine);  // entropy does not drift in the fixture
  // The overlaid histogram holds both windows' outlines; the reference (dark backgrounds)
  // left of the production (light) one.
  auto box = pd["overlay"];
  REQUIRE(box.size() == 4);
  CHECK(count(box, reference) > 100);
  CHECK(count(box, production) > 100);
  CHECK(mean_x(img, box, reference) + 100 < mean_x(img, box, production));
  // Three 10x10 heatmaps (production, validation, difference), every cell painted.
  REQUIRE(j["heatmaps"].size() == 3);
  for (const auto& h : j["heatmaps"]) {
    CHECK(h["k"] == 10);
    CHECK(cell_colours(img, h).size() == 100);
  }
  // The timeline chart and the flagged samples' thumbnails, decoded.
  CHECK(j["charts"].size() == 1);
  CHECK(pd["flagged"].get<int>() > 0);
  REQUIRE_FALSE(j["images"].empty());
  for (const auto& im : j["images"]) CHECK(im["pixels"] == true);
}

TEST_CASE("screenshot: --since/--until/--last pick the production window and the header names it") {
  fixture fx;
  const std::string png = fx.dir.path() + "/window.png", layout = fx.dir.path() + "/window.json";
  // The fixture's production traffic is dark (like the reference) for its first 8 hours, light
  // after: the first 7 hours do not drift. Records come every 324 s from 2026-11-20T00:00Z, so
  // the range holds records 0..77 (78) and --last 50 keeps 28..77. --until as unix seconds.
  const double until = *tracker::production::parse_time("2026-11-20T07:00:00Z");
  auto r = ui({"--store", fx.dir.store(), "--screenshot", png, "--layout", layout, "--view",
               "production", "--runs", "cnn-lr1e-3", "--key", "brightness", "--since",
               "2026-11-20T00:00:00Z", "--until", std::to_string(static_cast<long long>(until)),
               "--last", "50"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  image img = load_png(png);
  auto pd = read_json(layout)["production"];
  CHECK(pd["window"] == "2026-11-20 00:00 .. 2026-11-20 07:00 UTC, last 50 records");
  CHECK(pd["current_rows"] == 50);
  CHECK(pd["feature"] == "brightness");
  const std::uint32_t reference = 0xFFF0AA56, production = 0xFF3296FF, fine = 0xFF6EBE5A;
  bool seen = false;
  for (const auto& row : pd["rows"])
    if (row["name"] == "brightness") {
      seen = true;
      CHECK(row["drifted"] == false);
      int green = 0;
      for (int y = int(double(row["box"][1])); y < int(double(row["box"][3])); ++y)
        for (int x = int(double(row["box"][0])); x < int(double(row["box"][2])); ++x)
          green += distance(img.at(x, y), fine) < 30;
      CHECK(green > 10);
    }
  CHECK(seen);
  // Both sides of the overlay sit on the dark side now: their outlines' centres are close
  // (in the whole window the production one is > 100 px right of the reference's).
  auto box = pd["overlay"];
  REQUIRE(box.size() == 4);
  CHECK(std::abs(mean_x(img, box, reference) - mean_x(img, box, production)) < 60);

  // A bad time is exit 2 naming the flag.
  auto bad = ui({"--store", fx.dir.store(), "--screenshot", png, "--view", "production", "--since",
                 "yesterday"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("--since expects ISO-8601") != std::string::npos);
}
