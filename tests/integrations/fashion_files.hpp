// fashion_files.hpp — what the LibTorch tests and the Fashion-MNIST example test check files
// with: the class names, the dataset's pixel mean, PNGs decoded back (stb_image) and tables
// read from the store. No LibTorch here.
#pragma once

#include <tracker/metrics.hpp>
#include <tracker/query.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stb_image.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>
#include <vector>

namespace fashion_files {

namespace metrics = tracker::metrics;

inline const std::vector<std::string> fashion_labels = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
inline constexpr double fm_mean = 0.2860, fm_std = 0.3530;

// The decoded pixels of a PNG the store references by a store-relative path.
struct decoded {
  int width = 0, height = 0, channels = 0;
  std::vector<std::uint8_t> pixels;
};

inline decoded decode_png_file(const std::string& store, const std::string& relative) {
  std::ifstream in(std::filesystem::path(store) / relative, std::ios::binary);
  REQUIRE(in.good());
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  decoded d;
  unsigned char* px = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &d.width, &d.height,
                                            &d.channels, 0);
  REQUIRE(px != nullptr);
  d.pixels.assign(px, px + static_cast<std::size_t>(d.width) * d.height * d.channels);
  stbi_image_free(px);
  return d;
}

inline metrics::table read_table(const tracker::reader& rd, const std::string& run_id, const std::string& key) {
  auto rec = rd.object(run_id, key);
  REQUIRE(rec.has_value());
  CHECK(rec->kind == "table");
  return metrics::table::from_json(nlohmann::json::parse(rec->body_json));
}

inline double cell_number(const metrics::cell& c) {
  REQUIRE(std::holds_alternative<double>(c));
  return std::get<double>(c);
}
inline std::string cell_text(const metrics::cell& c) {
  REQUIRE(std::holds_alternative<std::string>(c));
  return std::get<std::string>(c);
}

}  // namespace fashion_files
