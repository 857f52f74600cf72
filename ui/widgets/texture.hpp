// texture.hpp — decoded images (model/image_cache) as ImGui textures. The views know no GL:
// the app installs an uploader (OpenGL in app/window.cpp); without one (tests, a hidden
// context) images draw as placeholders, so the views run anywhere.
#pragma once

#include "model/image_cache.hpp"

#include <imgui.h>

#include <functional>
#include <map>
#include <memory>

namespace tracker::ui::widgets {

struct texture_backend {
  std::function<ImTextureID(int w, int h, const unsigned char* rgba)> upload;
  std::function<void(ImTextureID)> release;
};
void set_texture_backend(texture_backend b);
bool have_texture_backend();

// Textures of the images drawn lately; a texture not drawn for `keep_frames` frames is
// released. Frame thread only.
class texture_cache {
 public:
  ~texture_cache();
  // The texture for img (uploaded on first use); nullptr without a backend.
  ImTextureID get(const std::shared_ptr<const decoded_image>& img);
  void end_frame(int keep_frames = 120);
  std::size_t size() const { return tex_.size(); }

 private:
  struct entry {
    std::shared_ptr<const decoded_image> img;
    ImTextureID id = nullptr;
    int last_frame = 0;
  };
  std::map<const decoded_image*, entry> tex_;
  int frame_ = 0;
};

// An image fitted into a box of `size` (aspect kept, centred) with a 1 px frame; a dark
// placeholder with `note` ("loading", "missing file") when there is no texture.
void image_box(ImTextureID tex, const decoded_image* img, ImVec2 size, const char* note);

}  // namespace tracker::ui::widgets
