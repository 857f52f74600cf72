// traffic.hpp — production traffic for the example: Fashion-MNIST test images as they arrive
// (clean), or as a different camera/app would send them (shifted: light backgrounds, noise,
// small rotations), and the features production monitoring compares. No LibTorch here.
#pragma once

#include "classifier.hpp"

#include <tracker/production.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace serve_fashion {

struct labelled_images {
  std::vector<image> images;
  std::vector<std::int64_t> labels;  // class index
};

// The 10,000 test images of the Debian package's idx files (gzip). Throws std::runtime_error.
labelled_images load_test_set(const std::string& data_dir);

// The shift: inverted intensities (the garment dark on a light background), Gaussian noise
// (sigma 20 of 255) and a rotation of up to +-15 degrees (nearest neighbour, white fill).
image shifted(const image& in, std::mt19937_64& rng);

// The features the reference records carry (tracker::torch::project: brightness, contrast,
// dark_fraction, entropy), so production is compared with training on the same scale.
std::vector<std::pair<std::string, tracker::production::feature_value>> features_of(const image& img);

// The image as PNG bytes, for records a user flagged (the viewer shows them).
std::string png_of(const image& img);

}  // namespace serve_fashion
