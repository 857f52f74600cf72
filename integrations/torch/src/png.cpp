// png.cpp — PNG encoding through stb_image_write. No LibTorch here.
//
// Debian's libstb.so already contains the stb_image_write implementation, so this file only
// includes the declarations (no STB_IMAGE_WRITE_IMPLEMENTATION) and links -lstb.
#include <tracker/torch.hpp>

#include <stb_image_write.h>

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
