// heatmap.cpp — see heatmap.hpp.
#include "widgets/heatmap.hpp"

#include "widgets/theme.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracker::ui::widgets {

namespace {

struct rgb {
  float r, g, b;
};

rgb lerp(rgb a, rgb b, float t) {
  return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t};
}

// Stops of a ramp, evenly spaced over [0, 1].
rgb ramp(const rgb* stops, int n, float t) {
  t = std::clamp(t, 0.0f, 1.0f) * float(n - 1);
  int i = std::min(int(t), n - 2);
  return lerp(stops[i], stops[i + 1], t - float(i));
}

ImU32 to_u32(rgb c) { return IM_COL32(int(c.r), int(c.g), int(c.b), 255); }

float luminance(ImU32 c) {
  float r = float((c >> IM_COL32_R_SHIFT) & 0xFF), g = float((c >> IM_COL32_G_SHIFT) & 0xFF),
        b = float((c >> IM_COL32_B_SHIFT) & 0xFF);
  return (0.2126f * r + 0.7152f * g + 0.0722f * b) / 255.0f;
}

}  // namespace

ImU32 heatmap_color(double tone, bool diverging) {
  if (!std::isfinite(tone)) tone = 0;
  if (!diverging) {
    // Dark slate to bright sky: zero cells stay close to the background, the diagonal glows.
    static const rgb stops[] = {{34, 37, 45},   {28, 58, 102},   {34, 96, 168},
                                {66, 146, 220}, {142, 198, 246}, {226, 240, 255}};
    return to_u32(ramp(stops, 6, float(std::sqrt(std::clamp(tone, 0.0, 1.0)))));
  }
  // Diverging: red (worse) .. neutral .. blue (better); colour-blind safe (no red/green).
  static const rgb worse[] = {{34, 37, 45}, {120, 44, 48}, {206, 70, 62}, {250, 150, 120}};
  static const rgb better[] = {{34, 37, 45}, {32, 74, 130}, {52, 128, 214}, {140, 196, 250}};
  float t = float(std::pow(std::min(std::abs(tone), 1.0), 0.8));
  return to_u32(ramp(tone < 0 ? worse : better, 4, t));
}

heatmap_result heatmap(const char* id, ImVec2 size, std::size_t k,
                       const std::vector<double>& values, const std::vector<double>& tone,
                       const heatmap_options& opt) {
  heatmap_result res;
  const auto& tc = colors();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float fh = ImGui::GetFontSize();
  ImGui::PushID(id);
  ImGui::InvisibleButton("##heatmap", ImVec2(std::max(size.x, 1.0f), std::max(size.y, 1.0f)));
  const bool item_hovered = ImGui::IsItemHovered();
  const bool item_clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  ImGui::PopID();
  if (k == 0) return res;

  // ---- 1. layout: the widest row label sets the left margin (capped), titles around.
  float label_w = 0;
  if (opt.labels)
    for (const std::string& l : *opt.labels)
      label_w = std::max(label_w, ImGui::CalcTextSize(l.c_str()).x);
  label_w = std::min(label_w, size.x * 0.25f);
  const float title_h = opt.title ? fh + 8 : 0;
  const float left = fh + 6 + label_w + 8;    // row title (vertical text is not available: a
                                              // short caption above the labels instead)
  const float bottom = 2 * fh + 10 + fh + 4;  // two staggered label lines + column title
  float cell =
      std::min((size.x - left - 4) / float(k), (size.y - title_h - bottom - fh - 4) / float(k));
  cell = std::clamp(cell, 2.0f, opt.max_cell);
  const ImVec2 c0(origin.x + left, origin.y + title_h + fh + 4);
  const ImVec2 c1(c0.x + cell * float(k), c0.y + cell * float(k));
  res.cells_min = c0;
  res.cells_max = c1;
  res.cell = cell;

  if (opt.title) dl->AddText(ImVec2(c0.x, origin.y), tc.text, opt.title);
  // Row title above the row labels, column title under the column labels.
  dl->AddText(ImVec2(origin.x, c0.y - fh - 2), tc.text_dim, opt.row_title);

  // ---- 2. cells
  const bool text_fits = cell >= fh * 1.6f;
  char buf[32];
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < k; ++j) {
      ImVec2 a(c0.x + cell * float(j), c0.y + cell * float(i));
      ImVec2 b(a.x + cell, a.y + cell);
      ImU32 col = heatmap_color(tone[i * k + j], opt.diverging);
      dl->AddRectFilled(a, ImVec2(b.x - (cell > 6 ? 1 : 0), b.y - (cell > 6 ? 1 : 0)), col);
      if (!text_fits) continue;
      double v = values[i * k + j];
      const double half_ulp = opt.decimals == 0 ? 0.5 : 0.5 * std::pow(10.0, -opt.decimals);
      if (opt.decimals == 0)
        std::snprintf(buf, sizeof buf, opt.signed_text && v > 0 ? "+%.0f" : "%.0f", v);
      else
        std::snprintf(buf, sizeof buf, opt.signed_text && v > 0 ? "+%.*f" : "%.*f", opt.decimals,
                      v);
      // A change that rounds to nothing reads "0", not "-0.00".
      if (opt.signed_text && std::abs(v) < half_ulp) std::snprintf(buf, sizeof buf, "0");
      ImVec2 ts = ImGui::CalcTextSize(buf);
      if (ts.x > cell - 4) continue;
      ImU32 text_col = luminance(col) > 0.55f ? IM_COL32(16, 20, 28, 255)
                                              : (std::abs(v) < half_ulp ? tc.text_dim : tc.text);
      dl->AddText(ImVec2(a.x + (cell - ts.x) * 0.5f, a.y + (cell - ts.y) * 0.5f), text_col, buf);
    }
  }
  // The diagonal at a glance: a thin outline on its cells.
  if (cell >= 8)
    for (std::size_t i = 0; i < k; ++i) {
      ImVec2 a(c0.x + cell * float(i), c0.y + cell * float(i));
      dl->AddRect(a, ImVec2(a.x + cell - 1, a.y + cell - 1), IM_COL32(255, 255, 255, 70));
    }
  dl->AddRect(ImVec2(c0.x - 1, c0.y - 1), ImVec2(c1.x, c1.y), tc.plot_border);

  // ---- labels: rows right-aligned to the cells; columns centred under them, staggered on
  // two lines when a name is wider than a cell; skipped when cells are smaller than the font.
  if (opt.labels && cell >= fh * 0.9f) {
    for (std::size_t i = 0; i < k && i < opt.labels->size(); ++i) {
      const std::string& l = (*opt.labels)[i];
      ImVec2 ts = ImGui::CalcTextSize(l.c_str());
      float x = std::max(origin.x + fh * 0.5f, c0.x - 8 - ts.x);
      ImVec4 clip(origin.x, c0.y + cell * float(i), c0.x - 6, c0.y + cell * float(i + 1));
      dl->AddText(nullptr, 0, ImVec2(x, c0.y + cell * (float(i) + 0.5f) - ts.y * 0.5f), tc.text_dim,
                  l.c_str(), nullptr, 0, &clip);
    }
    bool stagger = false;
    for (const std::string& l : *opt.labels) stagger |= ImGui::CalcTextSize(l.c_str()).x > cell - 4;
    for (std::size_t j = 0; j < k && j < opt.labels->size(); ++j) {
      const std::string& l = (*opt.labels)[j];
      ImVec2 ts = ImGui::CalcTextSize(l.c_str());
      float cx = c0.x + cell * (float(j) + 0.5f);
      float y = c1.y + 4 + (stagger && (j % 2) ? fh + 2 : 0);
      float width = stagger ? cell * 2 - 6 : cell - 2;
      ImVec4 clip(cx - width * 0.5f, y, cx + width * 0.5f, y + fh + 2);
      dl->AddText(nullptr, 0, ImVec2(std::max(cx - ts.x * 0.5f, clip.x), y), tc.text_dim, l.c_str(),
                  nullptr, 0, &clip);
      if (stagger && (j % 2))
        dl->AddLine(ImVec2(cx, c1.y + 1), ImVec2(cx, y), IM_COL32(120, 126, 138, 90));
    }
  }
  {
    ImVec2 ts = ImGui::CalcTextSize(opt.col_title);
    dl->AddText(ImVec2((c0.x + c1.x - ts.x) * 0.5f, c1.y + 2 * fh + 12), tc.text_dim,
                opt.col_title);
  }

  // ---- 3. input
  if (item_hovered) {
    ImVec2 m = ImGui::GetIO().MousePos;
    if (m.x >= c0.x && m.x < c1.x && m.y >= c0.y && m.y < c1.y) {
      res.hovered = true;
      res.col = std::min(k - 1, std::size_t((m.x - c0.x) / cell));
      res.row = std::min(k - 1, std::size_t((m.y - c0.y) / cell));
      res.clicked = item_clicked;
      ImVec2 a(c0.x + cell * float(res.col), c0.y + cell * float(res.row));
      dl->AddRect(a, ImVec2(a.x + cell, a.y + cell), IM_COL32(255, 255, 255, 220), 0, 0, 2.0f);
    }
  }
  return res;
}

void heatmap_legend(float width, bool diverging, const char* left, const char* right) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const auto& tc = colors();
  ImVec2 p = ImGui::GetCursorScreenPos();
  const float h = 10;
  const int n = 48;
  ImVec2 lt = ImGui::CalcTextSize(left);
  float x0 = p.x + lt.x + 8;
  ImVec2 rt = ImGui::CalcTextSize(right);
  float x1 = p.x + width - rt.x - 8;
  float y = p.y + (ImGui::GetFontSize() - h) * 0.5f + 1;
  for (int i = 0; i < n; ++i) {
    double t = double(i) / (n - 1);
    double tone = diverging ? t * 2 - 1 : t;
    float a = x0 + (x1 - x0) * float(i) / n, b = x0 + (x1 - x0) * float(i + 1) / n;
    dl->AddRectFilled(ImVec2(a, y), ImVec2(b + 0.5f, y + h), heatmap_color(tone, diverging));
  }
  dl->AddText(p, tc.text_dim, left);
  dl->AddText(ImVec2(x1 + 8, p.y), tc.text_dim, right);
  ImGui::Dummy(ImVec2(width, ImGui::GetFontSize() + 2));
}

}  // namespace tracker::ui::widgets
