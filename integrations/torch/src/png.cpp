// png.cpp — PNG encoding through stb_image_write, and the image projections production
// monitoring compares. No LibTorch here.
//
// Debian's libstb.so already contains the stb_image_write implementation, so this file only
// includes the declarations (no STB_IMAGE_WRITE_IMPLEMENTATION) and links -lstb.
#include <tracker/torch.hpp>

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>

namespace tracker::torch {

namespace {
void append(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}
}  // namespace

std::vector<std::uint8_t> encode_png(const image8& image) {
  std::vector<std::uint8_t> out;
  if (image.width <= 0 || image.height <= 0 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != static_cast<std::size_t>(image.width) *
                                 static_cast<std::size_t>(image.height) *
                                 static_cast<std::size_t>(image.channels))
    return out;
  if (!stbi_write_png_to_func(&append, &out, image.width, image.height, image.channels,
                              image.pixels.data(), image.width * image.channels))
    out.clear();
  return out;
}

}  // namespace tracker::torch

namespace tracker::torch {

image_projections project(const image8& image) {
  image_projections out;
  const std::vector<std::uint8_t>& px = image.pixels;
  if (px.empty()) return out;
  double sum = 0, sum_sq = 0;
  std::size_t dark = 0;
  std::size_t bins[16] = {};
  for (std::uint8_t v : px) {
    sum += v;
    sum_sq += double(v) * v;
    dark += v < 64;
    ++bins[v >> 4];
  }
  const double n = static_cast<double>(px.size());
  const double mean = sum / n;
  out.brightness = mean / 255.0;
  out.contrast = std::sqrt(std::max(0.0, sum_sq / n - mean * mean)) / 255.0;
  out.dark_fraction = static_cast<double>(dark) / n;
  for (std::size_t b : bins)
    if (b > 0) {
      const double p = static_cast<double>(b) / n;
      out.entropy -= p * std::log2(p);
    }
  return out;
}

}  // namespace tracker::torch
