// test_histograms.cpp — the histograms view's model: which steps are drawn, ridges, ranges.
#include "model/histograms.hpp"

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
