// traffic.cpp — see traffic.hpp.
#include "traffic.hpp"

#include <tracker/torch.hpp>

#include <zlib.h>

#include <cmath>
#include <stdexcept>

namespace serve_fashion {

namespace {

std::vector<std::uint8_t> gunzip(const std::string& path) {
  gzFile in = ::gzopen(path.c_str(), "rb");
  if (!in) throw std::runtime_error("cannot open " + path + " (install dataset-fashion-mnist, or pass --data DIR)");
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> buffer(1 << 20);
  int n;
  while ((n = ::gzread(in, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
    out.insert(out.end(), buffer.begin(), buffer.begin() + n);
  ::gzclose(in);
  if (n < 0) throw std::runtime_error("cannot read " + path);
  return out;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t(b[at]) << 24) | (std::uint32_t(b[at + 1]) << 16) | (std::uint32_t(b[at + 2]) << 8) | b[at + 3];
}

tracker::torch::image8 to_image8(const image& img) {
  return {28, 28, 1, std::vector<std::uint8_t>(img.begin(), img.end())};
}

}  // namespace

labelled_images load_test_set(const std::string& data_dir) {
  const auto images = gunzip(data_dir + "/t10k-images-idx3-ubyte.gz");
  const auto labels = gunzip(data_dir + "/t10k-labels-idx1-ubyte.gz");
  // idx: magic 0x00000803 (images) / 0x00000801 (labels), counts, rows, columns, then bytes.
  if (images.size() < 16 || big_endian(images, 0) != 0x803 || labels.size() < 8 || big_endian(labels, 0) != 0x801)
    throw std::runtime_error("not Fashion-MNIST idx files in " + data_dir);
  const std::size_t n = big_endian(images, 4);
  if (big_endian(images, 8) != 28 || big_endian(images, 12) != 28 || big_endian(labels, 4) != n ||
      images.size() != 16 + n * 784 || labels.size() != 8 + n)
    throw std::runtime_error("unexpected idx shapes in " + data_dir);
  labelled_images out;
  out.images.resize(n);
  out.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::copy_n(images.begin() + static_cast<std::ptrdiff_t>(16 + i * 784), 784, out.images[i].begin());
    out.labels[i] = labels[8 + i];
  }
  return out;
}

image shifted(const image& in, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> angle_dist(-15.0, 15.0);
  std::normal_distribution<double> noise(0.0, 20.0);
  const double a = angle_dist(rng) * M_PI / 180.0;
  const double c = std::cos(a), s = std::sin(a);
  image out;
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) {
      // Rotate about the centre: sample the source pixel this one comes from.
      const double dx = x - 13.5, dy = y - 13.5;
      const int sx = static_cast<int>(std::lround(c * dx + s * dy + 13.5));
      const int sy = static_cast<int>(std::lround(-s * dx + c * dy + 13.5));
      const double v = (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) ? in[static_cast<std::size_t>(sy * 28 + sx)] : 0.0;
      const double inverted = 255.0 - v + noise(rng);
      out[static_cast<std::size_t>(y * 28 + x)] = static_cast<std::uint8_t>(std::clamp(inverted, 0.0, 255.0));
    }
  return out;
}

std::vector<std::pair<std::string, tracker::production::feature_value>> features_of(const image& img) {
  const tracker::torch::image_projections p = tracker::torch::project(to_image8(img));
  return {{"brightness", p.brightness}, {"contrast", p.contrast}, {"dark_fraction", p.dark_fraction}, {"entropy", p.entropy}};
}

std::string png_of(const image& img) {
  const std::vector<std::uint8_t> png = tracker::torch::encode_png(to_image8(img));
  return std::string(png.begin(), png.end());
}

}  // namespace serve_fashion
