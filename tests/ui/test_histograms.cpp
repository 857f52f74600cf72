// test_histograms.cpp — the histograms view's model: which steps are drawn, ridges, ranges,
// re-binning for the heatmap mode.
#include "model/histograms.hpp"
#include "model/options.hpp"

#include <catch2/catch.hpp>

using namespace tracker::ui;

TEST_CASE("histograms: at most n steps, evenly spread, first and last included") {
  std::vector<std::int64_t> steps;
  for (int i = 0; i < 100; ++i) steps.push_back(i * 10);
  auto s = spread_steps(steps, 5);
  REQUIRE(s.size() == 5);
  CHECK(s.front() == 0);
  CHECK(s.back() == 990);
  CHECK(std::is_sorted(s.begin(), s.end()));
  CHECK(spread_steps({1, 2, 3}, 40) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(spread_steps(steps, 1) == std::vector<std::int64_t>{990});
  CHECK(spread_steps(steps, 0).empty());
}

TEST_CASE("histograms: a ridge is the density scaled to 1 - ranges and moments") {
  tracker::metrics::histogram h;
  h.edges = {0, 1, 3, 4};
  h.counts = {2, 2, 4};  // densities 2, 1, 4
  h.count = 8;
  h.min = 0;
  h.max = 4;
  ridge r = make_ridge(h);
  CHECK(r.x == std::vector<double>{0.5, 2.0, 3.5});
  CHECK(r.y == std::vector<double>{0.5, 0.25, 1.0});
  tracker::metrics::histogram g;
  g.edges = {-2, 2};
  g.counts = {0};
  CHECK(make_ridge(g).x.empty());  // empty histogram: nothing to draw
  CHECK(common_range({&h, &g}) == std::pair<double, double>{-2, 4});
  CHECK(common_range({}) == std::pair<double, double>{0, 1});
  auto [mean, sd] = histogram_moments(h);
  CHECK(mean == Approx((2 * 0.5 + 2 * 2.0 + 4 * 3.5) / 8));
  CHECK(sd > 0);
  std::string why;
  CHECK_FALSE(parse_histogram("{\"edges\": [1, 0], \"counts\": [1]}", &why));
  CHECK_FALSE(why.empty());
}

TEST_CASE("histograms: re-binned onto common rows for the heatmap, mass spread by overlap") {
  tracker::metrics::histogram h;
  h.edges = {0, 1, 3};
  h.counts = {2, 4};  // 2 on [0,1), 4 on [1,3)
  h.count = 6;
  // rows of width 1 over [0, 4): 2, 2, 2, 0 -> scaled to the largest: 1, 1, 1, 0
  CHECK(rebin_density(h, 0, 4, 4) == std::vector<double>{1, 1, 1, 0});
  // rows of width 2 over [0, 4): 2 + 2 (half of [1,3)), 2, -> 1, 0.5
  CHECK(rebin_density(h, 0, 4, 2) == std::vector<double>{1, 0.5});
  // rows of width 0.5 over [-1, 1): [0,1)'s mass halves into the last two rows
  CHECK(rebin_density(h, -1, 1, 4) == std::vector<double>{0, 0, 1, 1});
  // a range that holds part of a bin takes only the overlapping share
  auto part = rebin_density(h, 2, 3, 1);
  CHECK(part == std::vector<double>{1});
  tracker::metrics::histogram empty;
  empty.edges = {0, 1};
  empty.counts = {0};
  CHECK(rebin_density(empty, 0, 1, 3) == std::vector<double>{0, 0, 0});
  CHECK(rebin_density(h, 0, 4, 0).empty());
}

TEST_CASE("options: --histogram-mode and --samples-mode") {
  auto o = parse_options({"--screenshot", "x.png", "--view", "histograms", "--histogram-mode",
                          "heatmap", "--samples-mode", "grid"});
  CHECK(o.histogram_heatmap);
  CHECK(o.samples_grid);
  auto d = parse_options({"--histogram-mode", "offset", "--samples-mode", "list"});
  CHECK_FALSE(d.histogram_heatmap);
  CHECK_FALSE(d.samples_grid);
  CHECK_FALSE(parse_options({}).histogram_heatmap);
  CHECK_THROWS_WITH(parse_options({"--histogram-mode", "stack"}),
                    "unknown --histogram-mode 'stack' (expected offset|heatmap)");
  CHECK_THROWS_WITH(parse_options({"--samples-mode", "table"}),
                    "unknown --samples-mode 'table' (expected list|grid)");
}
