// compare_view.cpp — the Compare tab: the selected runs side by side (the first of --runs, or
// the first selected, is the baseline): the config diff (differences only by default, values
// that differ highlighted), the metric summaries (last / best / min / max) with the delta
// against the baseline coloured by the metric's goal (blue better, red worse), and the main
// metrics' charts overlaid (the chart widget of the Charts tab), and beside them the confusion
// difference B - A of the first two runs (the Confusion tab's difference mode).
#include "views/viewer.hpp"

#include "widgets/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracker::ui {

namespace {

ImVec4 direction_color(int d) {
  if (d > 0) return ImVec4(0.45f, 0.72f, 1.0f, 1.0f);
  if (d < 0) return ImVec4(1.0f, 0.45f, 0.40f, 1.0f);
  return ImVec4(0.6f, 0.62f, 0.66f, 1.0f);
}

std::string number_text(double v) {
  char buf[32];
  if (std::abs(v) >= 1e5 || (std::abs(v) < 1e-3 && v != 0))
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else
    std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

void viewer::draw_compare_view() {
  const catalog& cat = *snap_->cat;
  cmp_keys_.clear();
  std::vector<std::string> ids = selected_runs_in_order();
  if (ids.size() > 8) ids.resize(8);  // columns stay readable; the charts show all selected
  std::vector<const run_row*> runs;
  for (const std::string& id : ids)
    if (const run_row* r = cat.find(id)) runs.push_back(r);
  if (runs.size() < 2) {
    ImGui::TextDisabled("Select two or more runs in the Runs tab (ctrl-click) to compare them.");
    if (!last_wants_.empty()) feed_.want({});
    last_wants_.clear();
    return;
  }

  // Legend: each run in its colour; the first is the baseline.
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (i) ImGui::SameLine(0, 18);
    ImVec2 p = ImGui::GetCursorScreenPos();
    const float s = ImGui::GetTextLineHeight();
    ImGui::GetWindowDrawList()->AddRectFilled(
        ImVec2(p.x, p.y + 3), ImVec2(p.x + s - 6, p.y + s - 3), color_of(runs[i]->info.id), 2.0f);
    ImGui::Dummy(ImVec2(s - 4, s));
    ImGui::SameLine(0, 4);
    ImGui::Text("%s%s", runs[i]->info.name.c_str(), i == 0 ? "  (baseline)" : "");
  }

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // The tables take what their rows need (up to 45% of the height); the charts the rest.
  const std::size_t rows_needed =
      std::max(config_diff(runs, !cmp_all_config_).size(), metric_compare(runs, cmp_field_).size());
  const float row_h = ImGui::GetTextLineHeightWithSpacing() + 4;
  const float top_h =
      std::floor(std::clamp(float(rows_needed + 3) * row_h + 16, 170.0f, avail.y * 0.45f));
  const float sp = ImGui::GetStyle().ItemSpacing.x;
  const float left_w = std::floor((avail.x - sp) * 0.42f);
  const int ncol = int(runs.size()) + 1;
  const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH |
                             ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp |
                             ImGuiTableFlags_Resizable;

  // ---- config
  ImGui::BeginChild("cmp_config", ImVec2(left_w, top_h), true);
  ImGui::TextUnformatted("Config");
  ImGui::SameLine();
  ImGui::Checkbox("show all keys", &cmp_all_config_);
  std::vector<config_row> cfg = config_diff(runs, !cmp_all_config_);
  ImGui::SameLine();
  ImGui::TextDisabled("%zu %s", cfg.size(), cmp_all_config_ ? "keys" : "differ");
  if (cfg.empty()) {
    ImGui::TextDisabled("The runs' configs are identical.");
  } else if (ImGui::BeginTable("cmp_cfg", ncol, tf)) {
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("key", 0, 1.3f);
    for (const run_row* r : runs) ImGui::TableSetupColumn(r->info.name.c_str(), 0, 1.0f);
    ImGui::TableHeadersRow();
    for (const config_row& row : cfg) {
      cmp_keys_.push_back(row.key);
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(row.key.c_str());
      for (std::size_t i = 0; i < runs.size(); ++i) {
        ImGui::TableNextColumn();
        const bool differs =
            row.differs &&
            (i == 0 ? false : row.values[i] != row.values[0] || row.present[i] != row.present[0]);
        if (differs)  // the value that differs from the baseline stands out
          ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, IM_COL32(120, 96, 30, 110));
        if (!row.present[i])
          ImGui::TextDisabled("(missing)");
        else if (row.differs)
          ImGui::TextColored(ImVec4(1.0f, 0.86f, 0.55f, 1.0f), "%s", row.values[i].c_str());
        else
          ImGui::TextUnformatted(row.values[i].c_str());
      }
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();
  ImGui::SameLine();

  // ---- metric summaries with deltas
  ImGui::BeginChild("cmp_metrics", ImVec2(0, top_h), true);
  ImGui::TextUnformatted("Metrics");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90);
  int f = int(cmp_field_);
  const char* fields[] = {"last", "min", "max", "best"};  // summary_field order
  if (ImGui::Combo("##cmp_field", &f, fields, 4)) cmp_field_ = summary_field(f);
  ImGui::SameLine();
  ImGui::TextDisabled("delta against %s: blue better, red worse (by the metric's goal)",
                      runs[0]->info.name.c_str());
  std::vector<metric_row> mets = metric_compare(runs, cmp_field_);
  if (ImGui::BeginTable("cmp_met", ncol, tf)) {
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("metric", 0, 1.3f);
    for (const run_row* r : runs) ImGui::TableSetupColumn(r->info.name.c_str(), 0, 1.0f);
    ImGui::TableHeadersRow();
    for (const metric_row& m : mets) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(m.key.c_str());
      if (m.metric_goal != goal::none) {
        ImGui::SameLine(0, 4);
        ImGui::TextDisabled(m.metric_goal == goal::maximize ? "\xe2\x86\x91" : "\xe2\x86\x93");
      }
      for (std::size_t i = 0; i < runs.size(); ++i) {
        ImGui::TableNextColumn();
        if (!m.value[i]) {
          ImGui::TextDisabled("-");
          continue;
        }
        ImGui::TextUnformatted(number_text(*m.value[i]).c_str());
        if (m.delta[i]) {
          ImGui::SameLine(0, 6);
          std::string d = number_text(*m.delta[i]);
          if (*m.delta[i] > 0) d = "+" + d;
          ImGui::TextColored(direction_color(m.direction[i]), "%s", d.c_str());
        }
      }
    }
    ImGui::EndTable();
  }
  ImGui::EndChild();

  // ---- overlaid charts: --keys, else the first three val/ or test/ metrics the runs share
  std::vector<std::string> keys = opts_.keys;
  if (keys.empty())
    for (const metric_row& m : mets) {
      bool all = std::all_of(m.value.begin(), m.value.end(), [](const auto& v) { return bool(v); });
      if (all && keys.size() < 3) keys.push_back(m.key);
    }
  // The confusion matrix both the baseline and the second run logged (the Confusion tab's key
  // when both have it, else the first in key order).
  std::string cm_key;
  object_wants_.push_back({runs[0]->info.id, "", -1});
  object_wants_.push_back({runs[1]->info.id, "", -1});
  const std::vector<object_info>* idx_a = snap_->index_of(runs[0]->info.id);
  const std::vector<object_info>* idx_b = snap_->index_of(runs[1]->info.id);
  if (!idx_a || !idx_b) {
    objects_complete_ = false;
  } else {
    std::vector<std::string> kb = object_keys(*idx_b, "confusion_matrix");
    for (const std::string& k : object_keys(*idx_a, "confusion_matrix"))
      if (std::find(kb.begin(), kb.end(), k) != kb.end() && (cm_key.empty() || k == cm_.key))
        cm_key = k;
  }
  const bool has_cm = !cm_key.empty();
  std::vector<series_want> wants;
  const ImVec2 rest = ImGui::GetContentRegionAvail();
  // The confusion difference of the first two runs takes the right of the charts' row when
  // both logged the same confusion matrix.
  const float cm_w = has_cm ? std::floor(std::clamp(rest.y * 1.05f, 360.0f, rest.x * 0.4f)) : 0;
  const float charts_w = has_cm ? rest.x - cm_w - sp : rest.x;
  if (!keys.empty()) {
    const int cols = int(std::min<std::size_t>(keys.size(), 3));
    const float w = std::floor((charts_w - sp * float(cols - 1)) / float(cols));
    const float h = std::max(200.0f, rest.y - 6);
    for (std::size_t i = 0; i < keys.size() && i < 3; ++i) {
      if (i) ImGui::SameLine();
      draw_chart(keys[i], ImVec2(w, h), wants);
    }
  } else {
    ImGui::Dummy(ImVec2(charts_w, 1));
  }
  if (has_cm) {
    ImGui::SameLine();
    draw_compare_confusion(runs[0]->info.id, runs[1]->info.id, cm_key,
                           ImVec2(cm_w, std::max(200.0f, rest.y - 6)));
  }
  if (wants != last_wants_) {
    feed_.want(wants);
    last_wants_ = std::move(wants);
  }
}

void viewer::draw_compare_confusion(const std::string& run_a, const std::string& run_b,
                                    const std::string& key, ImVec2 size) {
  const catalog& cat = *snap_->cat;
  auto name = [&](const std::string& id) {
    const run_row* r = cat.find(id);
    return r && !r->info.name.empty() ? r->info.name : id;
  };
  ImGui::BeginChild("cmp_confusion", size, true, ImGuiWindowFlags_NoScrollbar);
  // A at its latest step, B at the same step or the latest before it (as in the Confusion tab).
  const std::vector<std::int64_t> steps_a = object_steps(*snap_->index_of(run_a), key);
  const std::vector<std::int64_t> steps_b = object_steps(*snap_->index_of(run_b), key);
  const std::int64_t step_a = steps_a.back();
  const std::int64_t step_b = steps_b[*step_position(steps_b, step_a)];
  const parsed_cm* pa = confusion_at(run_a, key, step_a);
  const parsed_cm* pb = confusion_at(run_b, key, step_b);
  ImGui::Text("%s  B - A", key.c_str());
  ImGui::SameLine();
  if (ImGui::SmallButton("open in Confusion")) {
    cm_.key = key;
    cm_.diff = true;
    cm_.diff_steps = false;
    cm_.run_a = run_a;
    cm_.run_b = run_b;
    cm_.step = step_a;
    set_view(view_id::confusion);
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("A, B, B - A and per-class changes");
  ImGui::TextDisabled("A %s @ %lld   B %s @ %lld", name(run_a).c_str(),
                      static_cast<long long>(step_a), name(run_b).c_str(),
                      static_cast<long long>(step_b));
  if (!pa || !pb) {
    ImGui::TextDisabled("Loading the matrices ...");
  } else if (!pa->cm || !pb->cm) {
    ImGui::TextColored(widgets::colors().error, "%s", (pa->cm ? pb : pa)->error.c_str());
  } else {
    // Under the heatmap: the cells that grew most (what B broke).
    const auto worse = biggest_changes(*pa->cm, *pb->cm, 3);
    const float lines = float(1 + std::max<std::size_t>(worse.size(), 1));
    const ImVec2 area = ImGui::GetContentRegionAvail();
    if (draw_cm_difference("cmp_cm_d", *pa->cm, *pb->cm, step_b,
                           ImVec2(area.x, area.y - lines * ImGui::GetTextLineHeightWithSpacing()),
                           "blue: better, red: worse")) {
      ImGui::TextUnformatted("Got worse (A -> B)");
      if (worse.empty()) ImGui::TextDisabled("none");
      const auto& labels = pa->cm->labels();
      for (const cm_change& c : worse)
        ImGui::TextColored(direction_color(-1),
                           "%s \xe2\x86\x92 %s   %lld \xe2\x86\x92 %lld  (+%lld)",
                           labels[c.true_index].c_str(), labels[c.predicted_index].c_str(),
                           static_cast<long long>(c.a), static_cast<long long>(c.b),
                           static_cast<long long>(c.b - c.a));
    }
  }
  ImGui::EndChild();
}

}  // namespace tracker::ui
