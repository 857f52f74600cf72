// histograms_view.cpp — the Histograms tab: one histogram key (watch's weights/<param> and
// gradients/<param>) of one run over its steps, in one of two modes:
//   offset   TensorBoard's view: one filled ridge per step, oldest at the back (top), newest
//            in front, colour from cool to warm; at most 40 steps (evenly spread, first and
//            last included: each is one body read);
//   heatmap  value bins x steps: one column per step (at most 120), oldest on the left, each
//            cell's brightness the density of that value at that step (each step scaled to
//            its own peak), so a distribution that spreads or shrinks reads as a widening or
//            narrowing band.
// The step chosen on the slider is highlighted (orange) with its statistics beside the plot.
#include "views/viewer.hpp"

#include "model/axis.hpp"
#include "widgets/heatmap.hpp"
#include "widgets/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracker::ui {

void viewer::draw_histograms_view() {
  const catalog& cat = *snap_->cat;
  const auto& tc = widgets::colors();
  const std::vector<std::string> runs = selected_runs_in_order();
  if (runs.empty()) {
    ImGui::TextDisabled("Select a run in the Runs tab.");
    return;
  }
  if (std::find(runs.begin(), runs.end(), cm_.run_a) == runs.end()) cm_.run_a = runs[0];
  const std::string run = cm_.run_a;
  object_wants_.push_back({run, "", -1});
  const std::vector<object_info>* idx = snap_->index_of(run);
  if (!idx) {
    objects_complete_ = false;
    ImGui::TextDisabled("Reading the run's objects ...");
    return;
  }
  std::vector<std::string> keys = object_keys(*idx, "histogram");
  if (hist_key_.empty() && !keys.empty()) hist_key_ = keys[0];

  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("run");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(200);
  const run_row* rr = cat.find(run);
  if (ImGui::BeginCombo("##h_run", rr ? rr->info.name.c_str() : run.c_str())) {
    for (const std::string& r : runs) {
      const run_row* x = cat.find(r);
      if (ImGui::Selectable(x ? x->info.name.c_str() : r.c_str(), r == run)) cm_.run_a = r;
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(260);
  if (ImGui::BeginCombo("##h_key", hist_key_.c_str())) {
    for (const std::string& k : keys)
      if (ImGui::Selectable(k.c_str(), k == hist_key_)) hist_key_ = k;
    ImGui::EndCombo();
  }
  if (std::find(keys.begin(), keys.end(), hist_key_) == keys.end()) {
    ImGui::TextColored(tc.error, "%s has no histogram%s", rr ? rr->info.name.c_str() : run.c_str(),
                       keys.empty() ? "" : (" '" + hist_key_ + "'").c_str());
    ImGui::TextDisabled(
        "Histograms are logged by tracker::torch::watch (weights/ and gradients/) "
        "or metrics::log_histogram.");
    return;
  }
  std::vector<std::int64_t> all = object_steps(*idx, hist_key_);
  std::size_t pos = *step_position(all, hist_step_);
  ImGui::SameLine();
  {
    int p = int(pos);
    char fmt[64];
    std::snprintf(fmt, sizeof fmt, "step %lld  (%d/%zu)", static_cast<long long>(all[pos]), p + 1,
                  all.size());
    ImGui::SetNextItemWidth(320);
    if (ImGui::SliderInt("##h_step", &p, 0, int(all.size()) - 1, fmt,
                         ImGuiSliderFlags_AlwaysClamp)) {
      hist_step_ = all[std::size_t(p)];
      pos = std::size_t(p);
    }
  }
  ImGui::SameLine(0, 20);
  int mode = hist_heatmap_ ? 1 : 0;
  ImGui::RadioButton("offset", &mode, 0);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("one ridge per step, newest in front");
  ImGui::SameLine();
  ImGui::RadioButton("heatmap", &mode, 1);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("value bins x steps: brightness = density");
  hist_heatmap_ = mode == 1;
  const std::int64_t chosen = all[pos];
  std::vector<std::int64_t> steps = spread_steps(all, hist_heatmap_ ? 120 : 40);
  if (std::find(steps.begin(), steps.end(), chosen) == steps.end()) {
    steps.push_back(chosen);
    std::sort(steps.begin(), steps.end());
  }
  // Bodies: one read each, parsed once.
  std::vector<std::pair<std::int64_t, const metrics::histogram*>> hs;
  for (std::int64_t s : steps) {
    object_wants_.push_back({run, hist_key_, s});
    auto body = snap_->body(run, hist_key_, s);
    if (!body) {
      objects_complete_ = false;
      continue;
    }
    parsed_hist& ph = hists_[object_id{run, hist_key_, s}];
    if (ph.source != body) {
      ph.source = body;
      ph.h = body->error.empty() ? parse_histogram(body->record.body_json) : std::nullopt;
    }
    if (ph.h) hs.push_back({s, &*ph.h});
  }
  if (hists_.size() > 400) hists_.clear();
  if (hs.empty()) {
    ImGui::TextDisabled("Loading ...");
    return;
  }
  std::vector<const metrics::histogram*> ptrs;
  for (auto& [s, h] : hs) ptrs.push_back(h);
  auto [lo, hi] = common_range(ptrs);

  const float side_w = 300;
  ImVec2 avail = ImGui::GetContentRegionAvail();
  ImGui::BeginChild("h_plot", ImVec2(avail.x - side_w - ImGui::GetStyle().ItemSpacing.x, 0), true);
  if (hist_heatmap_) {
    draw_histogram_heatmap(hs, chosen, lo, hi);
  } else {
    // ---- the ridge plot
    ImDrawList* dl = ImGui::GetWindowDrawList();
    ImVec2 p0 = ImGui::GetCursorScreenPos();
    ImVec2 sz = ImGui::GetContentRegionAvail();
    const float fh = ImGui::GetFontSize();
    const float left = 70, bottom = fh + 14, right = 10, top = 8;
    const float px0 = p0.x + left, px1 = p0.x + sz.x - right;
    const float py0 = p0.y + top, py1 = p0.y + sz.y - bottom;
    const std::size_t n = hs.size();
    // Each ridge is `ridge_h` tall; baselines are spaced so ridges overlap (TensorBoard-like).
    const float ridge_h = std::max(30.0f, (py1 - py0) * 0.28f);
    const float gap = n > 1 ? (py1 - py0 - ridge_h) / float(n - 1) : 0;
    auto xpix = [&](double x) { return px0 + float((x - lo) / (hi - lo)) * (px1 - px0); };
    // Adjacent quads share edges: without fill anti-aliasing no seams show between them.
    const ImDrawListFlags saved_flags = dl->Flags;
    dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;
    for (std::size_t i = 0; i < n; ++i) {
      const bool is_chosen = hs[i].first == chosen;
      ridge r = make_ridge(*hs[i].second);
      const float base = py0 + ridge_h + gap * float(i);
      const float t = n > 1 ? float(i) / float(n - 1) : 1.0f;
      // Cool (old, back) to warm (new, front); the chosen step in bright orange.
      ImU32 line = is_chosen
                       ? IM_COL32(255, 160, 60, 255)
                       : IM_COL32(int(70 + 120 * t), int(120 + 40 * t), int(200 - 80 * t), 230);
      ImU32 fill = is_chosen ? IM_COL32(255, 150, 50, 120)
                             : IM_COL32(int(40 + 80 * t), int(70 + 40 * t), int(120 - 40 * t), 150);
      if (r.x.empty()) continue;
      ++ridges_drawn_;
      // Filled under the polyline, one quad per bin (covers what is behind: painter's order).
      for (std::size_t k = 0; k + 1 < r.x.size(); ++k) {
        ImVec2 a(xpix(r.x[k]), base - float(r.y[k]) * ridge_h);
        ImVec2 b(xpix(r.x[k + 1]), base - float(r.y[k + 1]) * ridge_h);
        dl->AddQuadFilled(ImVec2(a.x, base), a, b, ImVec2(b.x, base), IM_COL32(22, 24, 29, 255));
        dl->AddQuadFilled(ImVec2(a.x, base), a, b, ImVec2(b.x, base), fill);
      }
      for (std::size_t k = 0; k + 1 < r.x.size(); ++k)
        dl->AddLine(ImVec2(xpix(r.x[k]), base - float(r.y[k]) * ridge_h),
                    ImVec2(xpix(r.x[k + 1]), base - float(r.y[k + 1]) * ridge_h), line,
                    is_chosen ? 2.0f : 1.2f);
      // Step labels on the left, every few ridges (and the chosen one).
      if (is_chosen || i % std::max<std::size_t>(1, n / 8) == 0 || i + 1 == n) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(hs[i].first));
        ImVec2 ts = ImGui::CalcTextSize(buf);
        dl->AddText(ImVec2(px0 - 8 - ts.x, base - ts.y * 0.5f), is_chosen ? line : tc.text_dim,
                    buf);
      }
    }
    dl->Flags = saved_flags;
    // x-axis: 1-2-5 ticks, as on the charts
    axis_ticks ticks = nice_ticks(lo, hi, std::max(3, int((px1 - px0) / 110)));
    for (double x : ticks.values) {
      std::string label = format_tick(x, ticks.step, x_axis::step, false);
      ImVec2 ts = ImGui::CalcTextSize(label.c_str());
      float xp = xpix(x);
      dl->AddLine(ImVec2(xp, py1 + 2), ImVec2(xp, py1 + 6), tc.text_dim);
      dl->AddText(ImVec2(std::clamp(xp - ts.x * 0.5f, px0 - 20, px1 - ts.x), py1 + 7), tc.text_dim,
                  label.c_str());
    }
    dl->AddText(ImVec2(p0.x + 4, p0.y + 2), tc.text_dim, "step");
    ImGui::Dummy(sz);
  }
  ImGui::EndChild();
  ImGui::SameLine();

  // ---- statistics of the chosen step
  ImGui::BeginChild("h_side", ImVec2(0, 0), true);
  const metrics::histogram* ch = nullptr;
  for (auto& [s, h] : hs)
    if (s == chosen) ch = h;
  ImGui::Text("%s", hist_key_.c_str());
  ImGui::TextDisabled("step %lld", static_cast<long long>(chosen));
  ImGui::Separator();
  if (ch) {
    auto [mean, sd] = histogram_moments(*ch);
    auto row = [](const char* k, const char* fmt, double v) {
      ImGui::TextDisabled("%s", k);
      ImGui::SameLine(110);
      ImGui::Text(fmt, v);
    };
    row("values", "%.0f", double(ch->count));
    row("min", "%.4g", ch->min);
    row("max", "%.4g", ch->max);
    row("mean", "%.4g", mean);
    row("std", "%.4g", sd);
    row("bins", "%.0f", double(ch->counts.size()));
    if (ch->nonfinite > 0)
      ImGui::TextColored(tc.error, "%lld NaN / Inf values", static_cast<long long>(ch->nonfinite));
    else
      row("NaN / Inf", "%.0f", 0.0);
  }
  ImGui::Spacing();
  ImGui::TextDisabled("%zu of %zu logged steps drawn", hs.size(), all.size());
  ImGui::EndChild();
}

void viewer::draw_histogram_heatmap(
    const std::vector<std::pair<std::int64_t, const metrics::histogram*>>& hs, std::int64_t chosen,
    double lo, double hi) {
  const auto& tc = widgets::colors();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  const ImVec2 sz = ImGui::GetContentRegionAvail();
  const float fh = ImGui::GetFontSize();
  const float left = 70, bottom = fh + 14, right = 10, top = 8;
  const float px0 = p0.x + left, px1 = p0.x + sz.x - right;
  const float py0 = p0.y + top, py1 = p0.y + sz.y - bottom;
  const std::size_t n = hs.size();
  // Rows: about 4 px each, at most 100 (finer than most logged bins).
  const std::size_t rows = std::size_t(std::clamp((py1 - py0) / 4.0f, 8.0f, 100.0f));
  const float col_w = (px1 - px0) / float(n), row_h = (py1 - py0) / float(rows);
  // Cells share edges: no anti-aliased fill, so no seams.
  const ImDrawListFlags saved_flags = dl->Flags;
  dl->Flags &= ~ImDrawListFlags_AntiAliasedFill;
  dl->AddRectFilled(ImVec2(px0, py0), ImVec2(px1, py1), widgets::heatmap_color(0, false));
  for (std::size_t c = 0; c < n; ++c) {
    const std::vector<double> d = rebin_density(*hs[c].second, lo, hi, rows);
    const float x0 = std::floor(px0 + col_w * float(c)),
                x1 = std::floor(px0 + col_w * float(c + 1));
    for (std::size_t r = 0; r < rows; ++r) {
      if (d[r] <= 0) continue;
      // Row 0 is the lowest value: drawn at the bottom.
      const float y1 = std::floor(py1 - row_h * float(r)),
                  y0 = std::floor(py1 - row_h * float(r + 1));
      dl->AddRectFilled(ImVec2(x0, y0), ImVec2(x1, y1), widgets::heatmap_color(d[r], false));
    }
  }
  dl->Flags = saved_flags;
  heatmaps_.push_back({"histogram", n, px0, py0, px1, py1, chosen});
  // The chosen step: an orange outline around its column.
  const ImU32 orange = IM_COL32(255, 160, 60, 255);
  for (std::size_t c = 0; c < n; ++c)
    if (hs[c].first == chosen)
      dl->AddRect(ImVec2(std::floor(px0 + col_w * float(c)) - 1, py0 - 1),
                  ImVec2(std::floor(px0 + col_w * float(c + 1)) + 1, py1 + 1), orange, 0, 0, 2.0f);
  // y-axis: values (1-2-5 ticks); x-axis: the steps, a label every ~90 px (and the chosen one).
  axis_ticks ticks = nice_ticks(lo, hi, std::max(3, int((py1 - py0) / 60)));
  for (double v : ticks.values) {
    const float yp = py1 - float((v - lo) / (hi - lo)) * (py1 - py0);
    std::string label = format_tick(v, ticks.step, x_axis::step, false);
    ImVec2 ts = ImGui::CalcTextSize(label.c_str());
    dl->AddLine(ImVec2(px0 - 6, yp), ImVec2(px0 - 2, yp), tc.text_dim);
    dl->AddText(ImVec2(px0 - 8 - ts.x, yp - ts.y * 0.5f), tc.text_dim, label.c_str());
  }
  const std::size_t every = std::max<std::size_t>(1, std::size_t(90.0f / std::max(col_w, 1.0f)));
  for (std::size_t c = 0; c < n; ++c) {
    const bool is_chosen = hs[c].first == chosen;
    if (!is_chosen && c % every != 0) continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(hs[c].first));
    ImVec2 ts = ImGui::CalcTextSize(buf);
    const float xc = px0 + col_w * (float(c) + 0.5f);
    dl->AddText(ImVec2(std::clamp(xc - ts.x * 0.5f, px0 - 20, px1 - ts.x), py1 + 7),
                is_chosen ? orange : tc.text_dim, buf);
  }
  dl->AddText(ImVec2(p0.x + 4, p0.y + 2), tc.text_dim, "value");
  ImGui::Dummy(sz);
  // Hover: the step and the value range under the pointer, and its share of that step's peak.
  const ImVec2 m = ImGui::GetIO().MousePos;
  if (ImGui::IsItemHovered() && m.x >= px0 && m.x < px1 && m.y >= py0 && m.y < py1) {
    const std::size_t c = std::min(n - 1, std::size_t((m.x - px0) / col_w));
    const std::size_t r = std::min(rows - 1, std::size_t((py1 - m.y) / row_h));
    const double v0 = lo + (hi - lo) * double(r) / double(rows);
    const double v1 = lo + (hi - lo) * double(r + 1) / double(rows);
    ImGui::SetTooltip("step %lld\nvalues %.4g .. %.4g\ndensity %.0f%% of this step's peak",
                      static_cast<long long>(hs[c].first), v0, v1,
                      100.0 * rebin_density(*hs[c].second, lo, hi, rows)[r]);
  }
}

}  // namespace tracker::ui
