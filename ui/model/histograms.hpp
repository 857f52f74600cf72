// histograms.hpp — histograms logged over steps (watch's weights/ and gradients/) as the
// histograms view stacks them (TensorBoard's "offset" mode): which steps to draw, each
// histogram as a ridge of densities on a common x-range. Pure functions; no ImGui, no store.
#pragma once

#include <tracker/metrics.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tracker::ui {

std::optional<metrics::histogram> parse_histogram(const std::string& body_json,
                                                  std::string* why = nullptr);

// At most n of the steps, evenly spread, always the first and the last (what one ridge plot
// can show; each is one body read).
std::vector<std::int64_t> spread_steps(const std::vector<std::int64_t>& steps, std::size_t n);

// A histogram as a polyline: per bin its centre and density (count / width), scaled so the
// tallest bin is 1. Empty for an empty histogram.
struct ridge {
  std::vector<double> x, y;
};
ridge make_ridge(const metrics::histogram& h);

// The x-range covering every histogram's edges (lo < hi; [0, 1] when there are none).
std::pair<double, double> common_range(const std::vector<const metrics::histogram*>& hs);

// The mean and standard deviation estimated from the bins (bin centres weighted by counts).
std::pair<double, double> histogram_moments(const metrics::histogram& h);

}  // namespace tracker::ui
