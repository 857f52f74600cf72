// classifier.hpp — the trained Fashion-MNIST CNN behind a LibTorch-free interface, so only
// classifier.cpp compiles <torch/torch.h>.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace serve_fashion {

// One 28x28 grey image, row-major, 0 = black, 255 = white (Fashion-MNIST draws the garment
// light on a black background).
using image = std::array<std::uint8_t, 28 * 28>;

class classifier {
 public:
  // Loads the weights torch::save wrote (examples/fashion_mnist), from the bytes of the file
  // the store keeps (reader::media). Throws std::exception.
  explicit classifier(const std::vector<std::uint8_t>& model_bytes);
  ~classifier();
  // Class probabilities (softmax) per image, normalized as in training.
  std::vector<std::vector<double>> predict(const std::vector<image>& images) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace serve_fashion
