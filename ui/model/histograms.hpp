// histograms.hpp — histograms logged over steps (watch's weights/ and gradients/) as the
// histograms view draws them: which steps to draw, each histogram as a ridge of densities on a
// common x-range (TensorBoard's "offset" mode), or re-binned onto common value bins for the
// heatmap mode (bins x steps). Pure functions; no ImGui, no store.
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

// The heatmap mode: the histogram re-binned onto `rows` equal bins of [lo, hi) (each bin's count
// spread over the rows it overlaps, in proportion to the overlap; a zero-width bin goes to the
// row holding it), as densities scaled so the largest row is 1 — each step on its own scale,
// like the ridges. All zeros for an empty histogram or rows == 0 gives an empty vector.
std::vector<double> rebin_density(const metrics::histogram& h, double lo, double hi,
                                  std::size_t rows);

// The mean and standard deviation estimated from the bins (bin centres weighted by counts).
std::pair<double, double> histogram_moments(const metrics::histogram& h);

}  // namespace tracker::ui
