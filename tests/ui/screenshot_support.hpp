// screenshot_support.hpp — what the screenshot tests share: tracker-ui run under xvfb-run, its
// PNG read back, colour distances, the fixture store, the layout file.
#pragma once

#include "fixture.hpp"
#include "model/catalog.hpp"
#include "model/loader.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stb_image.h>
#include <test_support.hpp>

#include <array>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace tracker_ui_test {

using tracker_test::run_process;

struct image {
  int w = 0, h = 0;
  std::vector<unsigned char> rgb;  // 3 bytes per pixel, top row first
  const unsigned char* at(int x, int y) const {
    return &rgb[(std::size_t(y) * std::size_t(w) + std::size_t(x)) * 3];
  }
};

inline image load_png(const std::string& path) {
  image img;
  int n = 0;
  unsigned char* data = stbi_load(path.c_str(), &img.w, &img.h, &n, 3);
  REQUIRE(data != nullptr);
  img.rgb.assign(data, data + std::size_t(img.w) * std::size_t(img.h) * 3);
  stbi_image_free(data);
  return img;
}

inline int distance(const unsigned char* p, std::uint32_t rgba) {
  int r = int(rgba & 0xFF), g = int((rgba >> 8) & 0xFF), b = int((rgba >> 16) & 0xFF);
  return std::abs(p[0] - r) + std::abs(p[1] - g) + std::abs(p[2] - b);
}

struct fixture {
  tracker_test::temp_dir dir;
  std::vector<tracker_ui_test::fixture_run> runs = tracker_ui_test::make_fixture_store(dir.store());
  std::uint32_t color_of(const std::string& id) {
    tracker::ui::sync_feed feed(tracker::ui::store_source::open(dir.store()));
    feed.pump();
    return feed.latest()->cat->find(id)->color;
  }
};

inline tracker_test::process_result ui(const std::vector<std::string>& args) {
  std::vector<std::string> full = {"-a", "-s", "-screen 0 1600x1000x24", TRACKER_UI_PATH};
  full.insert(full.end(), args.begin(), args.end());
  return run_process(XVFB_RUN_PATH, full);
}

// The mean colour of the middle of each cell of a heatmap from the layout file.
inline std::vector<std::array<int, 3>> cell_colours(const image& img, const nlohmann::json& h) {
  const std::size_t k = h["k"];
  const double x0 = h["cells"][0], y0 = h["cells"][1], x1 = h["cells"][2], y1 = h["cells"][3];
  const double cell = (x1 - x0) / double(k);
  std::vector<std::array<int, 3>> out;
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      // A corner of the cell (its text is centred): 3 px in from the top-left.
      const unsigned char* p =
          img.at(int(x0 + cell * double(j) + 3), int(y0 + cell * double(i) + 3));
      out.push_back({p[0], p[1], p[2]});
    }
  return out;
}

inline nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

}  // namespace tracker_ui_test
