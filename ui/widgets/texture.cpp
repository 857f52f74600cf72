// texture.cpp — see texture.hpp.
#include "widgets/texture.hpp"

#include "widgets/theme.hpp"

#include <algorithm>

namespace tracker::ui::widgets {

namespace {
texture_backend& backend() {
  static texture_backend b;
  return b;
}
}  // namespace

void set_texture_backend(texture_backend b) { backend() = std::move(b); }
bool have_texture_backend() { return bool(backend().upload); }

texture_cache::~texture_cache() {
  if (backend().release)
    for (auto& [k, e] : tex_) backend().release(e.id);
}

ImTextureID texture_cache::get(const std::shared_ptr<const decoded_image>& img) {
  if (!img || img->rgba.empty() || !backend().upload) return nullptr;
  auto it = tex_.find(img.get());
  if (it == tex_.end()) {
    entry e;
    e.img = img;
    e.id = backend().upload(img->w, img->h, img->rgba.data());
    it = tex_.emplace(img.get(), std::move(e)).first;
  }
  it->second.last_frame = frame_;
  return it->second.id;
}

void texture_cache::end_frame(int keep_frames) {
  ++frame_;
  for (auto it = tex_.begin(); it != tex_.end();) {
    if (frame_ - it->second.last_frame > keep_frames) {
      if (backend().release) backend().release(it->second.id);
      it = tex_.erase(it);
    } else {
      ++it;
    }
  }
}

void image_box(ImTextureID tex, const decoded_image* img, ImVec2 size, const char* note) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const auto& tc = colors();
  ImVec2 p = ImGui::GetCursorScreenPos();
  ImGui::Dummy(size);
  dl->AddRectFilled(p, ImVec2(p.x + size.x, p.y + size.y), IM_COL32(14, 15, 19, 255));
  if (tex && img && img->w > 0 && img->h > 0) {
    float s = std::min(size.x / float(img->w), size.y / float(img->h));
    float w = float(img->w) * s, h = float(img->h) * s;
    ImVec2 a(p.x + (size.x - w) * 0.5f, p.y + (size.y - h) * 0.5f);
    dl->AddImage(tex, a, ImVec2(a.x + w, a.y + h));
  } else if (note && *note) {
    ImVec2 ts = ImGui::CalcTextSize(note);
    ImVec4 clip(p.x, p.y, p.x + size.x, p.y + size.y);
    dl->AddText(nullptr, 0,
                ImVec2(p.x + std::max(2.0f, (size.x - ts.x) * 0.5f), p.y + (size.y - ts.y) * 0.5f),
                tc.text_dim, note, nullptr, 0, &clip);
  }
  dl->AddRect(p, ImVec2(p.x + size.x, p.y + size.y), tc.plot_border);
}

}  // namespace tracker::ui::widgets
