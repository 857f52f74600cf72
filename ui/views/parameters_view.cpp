// parameters_view.cpp — the Parameters tab: parallel coordinates of the runs (W&B, MLflow,
// TensorBoard's HParams): one vertical axis per config key that varies and per main metric
// (last value), one line per run in its colour. Drag along an axis to brush a range: runs
// outside every brush fade, and the brushes become the runs table's filter (conditions the
// filter box understands, e.g. "config.lr>=0.001 config.lr<=0.003"); double-click an axis to
// clear its brush.
#include "views/viewer.hpp"

#include "model/axis.hpp"
#include "widgets/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>

namespace tracker::ui {

void viewer::draw_parameters_view() {
  const catalog& cat = *snap_->cat;
  const auto& tc = widgets::colors();
  // The selected runs, or every run when fewer than two are selected (up to 500, newest).
  std::vector<const run_row*> runs;
  if (sel_.size() >= 2) {
    for (const std::string& id : sel_.ordered(cat))
      if (const run_row* r = cat.find(id)) runs.push_back(r);
  } else {
    for (const run_row& r : cat.runs) runs.push_back(&r);
  }
  if (runs.size() > 500) runs.resize(500);
  if (runs.size() < 2) {
    ImGui::TextDisabled("Parallel coordinates need two or more runs.");
    return;
  }
  std::vector<std::pair<std::string, bool>> axes_spec;
  if (!opts_.keys.empty()) {
    for (const std::string& k : opts_.keys)
      axes_spec.push_back(k.rfind("config.", 0) == 0 ? std::make_pair(k.substr(7), true)
                                                     : std::make_pair(k, false));
  } else {
    axes_spec = default_axes(runs, 2);
  }
  pc_data d = build_parallel(runs, axes_spec);
  ImGui::TextDisabled(
      "%zu runs%s  \xc2\xb7  drag along an axis to filter the runs table, "
      "double-click it to clear",
      runs.size(), sel_.size() >= 2 ? " (selected)" : "");
  if (d.axes.empty()) {
    ImGui::TextDisabled("The runs share every config value and have no common metric.");
    return;
  }

  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 sz = ImGui::GetContentRegionAvail();
  const float fh = ImGui::GetFontSize();
  const float top = p0.y + 2 * fh + 12, bottom = p0.y + sz.y - fh - 16;
  const float margin = 90;
  const std::size_t na = d.axes.size();
  auto ax_x = [&](std::size_t a) {
    return na == 1 ? p0.x + sz.x * 0.5f
                   : p0.x + margin + (sz.x - 2 * margin) * float(a) / float(na - 1);
  };
  auto y_of = [&](double t) { return bottom - float(t) * (bottom - top); };
  dl->AddRectFilled(p0, ImVec2(p0.x + sz.x, p0.y + sz.y), tc.plot_bg);

  // Which runs pass every brush.
  auto passes = [&](std::size_t i) {
    for (std::size_t a = 0; a < na; ++a) {
      auto b = brushes_.find(d.axes[a].key);
      if (b == brushes_.end()) continue;
      double v = d.pos[i][a];
      if (!std::isfinite(v) || v < b->second.first - 1e-9 || v > b->second.second + 1e-9)
        return false;
    }
    return true;
  };
  // Lines: faded ones first, the passing ones on top.
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t i = 0; i < d.runs.size(); ++i) {
      bool ok = passes(i);
      if (ok != (pass == 1)) continue;
      ImU32 c = color_of(d.runs[i]->info.id);
      if (!ok) c = (c & 0x00FFFFFF) | (40u << 24);
      for (std::size_t a = 0; a + 1 < na; ++a) {
        double u = d.pos[i][a], v = d.pos[i][a + 1];
        if (!std::isfinite(u) || !std::isfinite(v)) continue;
        dl->AddLine(ImVec2(ax_x(a), y_of(u)), ImVec2(ax_x(a + 1), y_of(v)), c, ok ? 2.0f : 1.0f);
      }
      if (ok) ++pc_lines_drawn_;
    }
  // Axes, labels, ticks, brushes and their input.
  for (std::size_t a = 0; a < na; ++a) {
    const pc_axis& ax = d.axes[a];
    const float x = ax_x(a);
    dl->AddLine(ImVec2(x, top), ImVec2(x, bottom), tc.text_dim, 1.5f);
    std::string title = ax.config ? ax.key : ax.key + " (last)";
    ImVec2 ts = ImGui::CalcTextSize(title.c_str());
    dl->AddText(ImVec2(x - ts.x * 0.5f, p0.y + 6), tc.text, title.c_str());
    if (ax.categorical) {
      for (std::size_t k = 0; k < ax.categories.size(); ++k) {
        double t = ax.categories.size() == 1 ? 0.5 : double(k) / double(ax.categories.size() - 1);
        dl->AddText(ImVec2(x + 6, y_of(t) - fh * 0.5f), tc.text_dim, ax.categories[k].c_str());
      }
    } else {
      axis_ticks ticks = nice_ticks(ax.lo, ax.hi, 6);
      for (double v : ticks.values) {
        float y = y_of((v - ax.lo) / (ax.hi - ax.lo));
        dl->AddLine(ImVec2(x - 4, y), ImVec2(x, y), tc.text_dim);
        std::string l = format_tick(v, ticks.step, x_axis::step, false);
        dl->AddText(ImVec2(x + 6, y - fh * 0.5f), tc.text_dim, l.c_str());
      }
    }
    ++pc_axes_drawn_;
    // Input: a strip around the axis.
    ImGui::SetCursorScreenPos(ImVec2(x - 14, top - 6));
    ImGui::PushID(int(a));
    ImGui::InvisibleButton("##axis", ImVec2(28, bottom - top + 12));
    ImGui::PopID();
    const std::string& key = ax.key;
    if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 2.0f)) {
      float y0 = ImGui::GetIO().MouseClickedPos[0].y, y1 = ImGui::GetIO().MousePos.y;
      auto t = [&](float y) { return std::clamp(double((bottom - y) / (bottom - top)), 0.0, 1.0); };
      brushes_[key] = {std::min(t(y0), t(y1)), std::max(t(y0), t(y1))};
    }
    if (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left))
      brushes_.erase(key);
    if (ImGui::IsItemDeactivated() || (ImGui::IsItemHovered() && ImGui::IsMouseDoubleClicked(0))) {
      // The brushes as the runs table's filter.
      std::string text;
      for (std::size_t b = 0; b < na; ++b) {
        auto it = brushes_.find(d.axes[b].key);
        if (it == brushes_.end()) continue;
        std::string term = brush_term(d.axes[b], it->second.first, it->second.second);
        if (!term.empty()) text += (text.empty() ? "" : " ") + term;
      }
      set_filter(text);
    }
    auto b = brushes_.find(key);
    if (b != brushes_.end())
      dl->AddRectFilled(ImVec2(x - 8, y_of(b->second.second)), ImVec2(x + 8, y_of(b->second.first)),
                        IM_COL32(110, 150, 230, 110), 2.0f);
  }
  ImGui::SetCursorScreenPos(p0);
  ImGui::Dummy(sz);
}

}  // namespace tracker::ui
