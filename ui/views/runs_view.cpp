// runs_view.cpp — the home view: filter box, runs table (ImGui tables API: sortable,
// resizable, reorderable, hideable columns), multi-select, grouping, and the details panel.
#include "views/viewer.hpp"

#include "model/axis.hpp"
#include "widgets/theme.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace tracker::ui {

namespace {

ImVec4 status_color(run_status s) {
  const auto& tc = widgets::colors();
  switch (s) {
    case run_status::running:
      return tc.running;
    case run_status::finished:
      return tc.finished;
    case run_status::failed:
      return tc.failed;
    case run_status::killed:
      return tc.killed;
    case run_status::crashed:
      return tc.crashed;
  }
  return tc.finished;
}

// The fixed columns, in table order. Column user ids index this table; extra columns get
// ids from 100 on.
struct fixed_column {
  const char* label;
  column_kind kind;
  ImGuiTableColumnFlags flags;
  float width;
};
const fixed_column fixed_columns[] = {
    {"Status", column_kind::status, ImGuiTableColumnFlags_None, 86},
    {"Name", column_kind::name, ImGuiTableColumnFlags_NoHide, 150},
    {"Project", column_kind::project, ImGuiTableColumnFlags_None, 80},
    {"Tags", column_kind::tags, ImGuiTableColumnFlags_None, 110},
    {"Created", column_kind::created,
     ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_PreferSortDescending, 130},
    {"Duration", column_kind::duration, ImGuiTableColumnFlags_None, 84},
};
constexpr int fixed_count = int(sizeof fixed_columns / sizeof fixed_columns[0]);
constexpr ImGuiID extra_id_base = 100;

}  // namespace

void viewer::refresh_rows() {
  const catalog& cat = *snap_->cat;
  if (!rows_dirty_ && rows_generation_ == snap_->generation) return;
  rows_ = apply_filter(filter_, cat);
  sort_rows(rows_, cat, sort_);
  rows_generation_ = snap_->generation;
  rows_dirty_ = false;
}

void viewer::draw_color_swatch(const std::string& id, float size) {
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImVec2 p = ImGui::GetCursorScreenPos();
  float line = ImGui::GetTextLineHeight();
  ImVec2 a(p.x, p.y + (line - size) * 0.5f), b(a.x + size, a.y + size);
  dl->AddRectFilled(a, b, color_of(id), 3.0f);
  ImGui::PushID(id.c_str());
  ImGui::InvisibleButton("swatch", ImVec2(size, line));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("click to change the colour of this run");
  if (ImGui::IsItemClicked()) ImGui::OpenPopup("color");
  if (ImGui::BeginPopup("color")) {
    ImVec4 c = ImGui::ColorConvertU32ToFloat4(color_of(id));
    if (ImGui::ColorPicker3("##pick", &c.x,
                            ImGuiColorEditFlags_NoSidePreview | ImGuiColorEditFlags_NoSmallPreview))
      color_override_[id] = ImGui::ColorConvertFloat4ToU32(c);
    if (ImGui::Button("Reset")) color_override_.erase(id);
    ImGui::EndPopup();
  }
  ImGui::PopID();
}

void viewer::draw_runs_view() {
  const catalog& cat = *snap_->cat;
  if (!extra_columns_initialised_ && !cat.runs.empty()) {
    // Default extra columns: a few config keys and the metrics users compare first (val/ with
    // a goal, by best), like W&B's default run table.
    extra_columns_initialised_ = true;
    for (std::size_t i = 0; i < cat.config_keys.size() && i < 4; ++i)
      extra_columns_.push_back(column(column_kind::config, cat.config_keys[i]));
    int metrics = 0;
    for (int pass = 0; pass < 2 && metrics < 4; ++pass)
      for (const std::string& k : cat.metric_keys) {
        bool val = k.rfind("val", 0) == 0 || k.rfind("test", 0) == 0;
        if ((pass == 0) != val || metrics >= 4 || k.rfind("system/", 0) == 0) continue;
        goal g = infer_goal(k);
        extra_columns_.push_back(column(
            column_kind::metric, k, g == goal::none ? summary_field::last : summary_field::best));
        ++metrics;
      }
  }
  refresh_rows();
  draw_runs_toolbar();

  const float avail_h = ImGui::GetContentRegionAvail().y;
  const run_row* focused = cat.find(focused_);
  if (show_details_ && focused) {
    const float details_w = std::min(400.0f, ImGui::GetContentRegionAvail().x * 0.28f);
    ImGui::BeginChild("table_pane", ImVec2(-details_w - 8, avail_h));
    draw_runs_table(avail_h);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("details", ImVec2(0, avail_h), true);
    draw_run_details(*focused);
    ImGui::EndChild();
  } else {
    draw_runs_table(avail_h);
  }
}

void viewer::draw_runs_toolbar() {
  const catalog& cat = *snap_->cat;
  ImGui::SetNextItemWidth(std::min(640.0f, ImGui::GetContentRegionAvail().x * 0.45f));
  if (ImGui::InputTextWithHint(
          "##filter", "filter: text  tag:cnn  status:running  val/accuracy>=0.85  config.lr=0.001",
          &filter_text_))
    set_filter(filter_text_);
  ImGui::SameLine();
  ImGui::TextDisabled("%zu of %zu runs", rows_.size(), cat.runs.size());
  ImGui::SameLine();
  std::vector<std::string> visible_ids;
  visible_ids.reserve(rows_.size());
  for (std::size_t i : rows_) visible_ids.push_back(cat.runs[i].info.id);
  const ImGuiIO& io = ImGui::GetIO();
  const bool ctrl_a =
      io.KeyCtrl && !io.WantTextInput && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_A));
  if (ImGui::Button("Select all") || ctrl_a) sel_.select_all(visible_ids);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("select every run the filter shows (ctrl+A)");
  ImGui::SameLine();
  if (ImGui::Button("Clear selection")) sel_.clear();
  ImGui::SameLine();
  if (ImGui::Button("Columns...")) ImGui::OpenPopup("columns");
  draw_columns_popup();
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  std::string group_label = group_.by == group_by::kind::none      ? "no grouping"
                            : group_.by == group_by::kind::project ? "group: project"
                                                                   : "group: " + group_.key;
  if (ImGui::BeginCombo("##group", group_label.c_str())) {
    if (ImGui::Selectable("no grouping", group_.by == group_by::kind::none)) group_ = {};
    if (ImGui::Selectable("group: project", group_.by == group_by::kind::project))
      group_ = {group_by::kind::project, ""};
    for (const std::string& k : cat.config_keys)
      if (ImGui::Selectable(("group: " + k).c_str(),
                            group_.by == group_by::kind::config && group_.key == k))
        group_ = {group_by::kind::config, k};
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::Checkbox("Details", &show_details_);
  if (!filter_error_.empty())
    ImGui::TextColored(widgets::colors().error, "filter: %s", filter_error_.c_str());
}

void viewer::draw_columns_popup() {
  if (!ImGui::BeginPopup("columns")) return;
  const catalog& cat = *snap_->cat;
  auto toggle = [&](const column_ref& c) {
    auto it = std::find(extra_columns_.begin(), extra_columns_.end(), c);
    bool on = it != extra_columns_.end();
    if (ImGui::Checkbox(c.label().c_str(), &on)) {
      if (on)
        extra_columns_.push_back(c);
      else
        extra_columns_.erase(std::find(extra_columns_.begin(), extra_columns_.end(), c));
    }
  };
  ImGui::TextDisabled("Config");
  for (const std::string& k : cat.config_keys) toggle(column(column_kind::config, k));
  ImGui::Separator();
  ImGui::TextDisabled("Metric summaries");
  if (ImGui::BeginTable("metric_cols", 5, ImGuiTableFlags_SizingFixedFit)) {
    for (const std::string& k : cat.metric_keys) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(k.c_str());
      for (summary_field f :
           {summary_field::last, summary_field::min, summary_field::max, summary_field::best}) {
        ImGui::TableNextColumn();
        column_ref c = column(column_kind::metric, k, f);
        auto it = std::find(extra_columns_.begin(), extra_columns_.end(), c);
        bool on = it != extra_columns_.end();
        ImGui::PushID((k + to_string(f)).c_str());
        if (ImGui::Checkbox(to_string(f), &on)) {
          if (on)
            extra_columns_.push_back(c);
          else
            extra_columns_.erase(std::find(extra_columns_.begin(), extra_columns_.end(), c));
        }
        ImGui::PopID();
      }
    }
    ImGui::EndTable();
  }
  ImGui::EndPopup();
}

void viewer::draw_runs_table(float height) {
  const catalog& cat = *snap_->cat;
  const int ncols = 1 + fixed_count + int(extra_columns_.size());
  if (ncols > 64) extra_columns_.resize(64 - 1 - fixed_count);
  ImGuiTableFlags flags =
      ImGuiTableFlags_Sortable | ImGuiTableFlags_SortMulti | ImGuiTableFlags_Resizable |
      ImGuiTableFlags_Reorderable | ImGuiTableFlags_Hideable | ImGuiTableFlags_RowBg |
      ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_BordersOuterH | ImGuiTableFlags_ScrollY |
      ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit;
  // The id changes with the extra-column set, so ImGui does not mix up column settings.
  std::string table_id = "runs_table";
  for (const column_ref& c : extra_columns_) {
    table_id += '|';
    table_id += c.label();
  }
  ImGui::PushID(table_id.c_str());
  if (!ImGui::BeginTable("runs", 1 + fixed_count + int(extra_columns_.size()), flags,
                         ImVec2(0, height - 50))) {
    ImGui::PopID();
    return;
  }
  ImGui::TableSetupScrollFreeze(3, 1);
  ImGui::TableSetupColumn("##color",
                          ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_NoResize |
                              ImGuiTableColumnFlags_NoReorder | ImGuiTableColumnFlags_NoHide |
                              ImGuiTableColumnFlags_WidthFixed,
                          18.0f, 0);
  for (int i = 0; i < fixed_count; ++i)
    ImGui::TableSetupColumn(fixed_columns[i].label,
                            fixed_columns[i].flags | ImGuiTableColumnFlags_WidthFixed,
                            fixed_columns[i].width, ImGuiID(1 + i));
  for (std::size_t i = 0; i < extra_columns_.size(); ++i)
    ImGui::TableSetupColumn(
        extra_columns_[i].label().c_str(),
        ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_PreferSortDescending,
        std::max(90.0f, ImGui::CalcTextSize(extra_columns_[i].label().c_str()).x + 28),
        ImGuiID(extra_id_base + i));
  ImGui::TableHeadersRow();

  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty) {
    sort_.clear();
    for (int i = 0; i < specs->SpecsCount; ++i) {
      const ImGuiTableColumnSortSpecs& s = specs->Specs[i];
      column_ref col;
      if (s.ColumnUserID >= 1 && s.ColumnUserID <= ImGuiID(fixed_count))
        col.kind = fixed_columns[s.ColumnUserID - 1].kind;
      else if (s.ColumnUserID >= extra_id_base &&
               s.ColumnUserID - extra_id_base < extra_columns_.size())
        col = extra_columns_[s.ColumnUserID - extra_id_base];
      else
        continue;
      sort_.push_back({col, s.SortDirection == ImGuiSortDirection_Ascending});
    }
    specs->SpecsDirty = false;
    rows_dirty_ = true;
    refresh_rows();
  }

  std::vector<std::string> visible_ids;
  visible_ids.reserve(rows_.size());
  for (std::size_t i : rows_) visible_ids.push_back(cat.runs[i].info.id);
  const ImGuiIO& io = ImGui::GetIO();
  const double now = double(std::time(nullptr));
  (void)now;

  auto draw_row = [&](std::size_t index) {
    const run_row& row = cat.runs[index];
    const std::string& id = row.info.id;
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    draw_color_swatch(id, 12.0f);
    // Status
    if (ImGui::TableSetColumnIndex(1)) {
      ImVec4 c = status_color(row.info.status);
      if (row.live())
        c.w = 0.55f + 0.45f * std::sin(float(ImGui::GetTime()) * 4.0f);  // a live run pulses
      ImDrawList* dl = ImGui::GetWindowDrawList();
      ImVec2 p = ImGui::GetCursorScreenPos();
      float lh = ImGui::GetTextLineHeight();
      dl->AddCircleFilled(ImVec2(p.x + 5, p.y + lh * 0.5f), 4.5f,
                          ImGui::ColorConvertFloat4ToU32(c));
      ImGui::Dummy(ImVec2(12, lh));
      ImGui::SameLine(0, 4);
      ImGui::TextColored(status_color(row.info.status), "%s", to_string(row.info.status));
      if (ImGui::IsItemHovered() && !row.info.status_reason.empty())
        ImGui::SetTooltip("%s", row.info.status_reason.c_str());
    }
    // Name: the selectable spans the row and takes the clicks.
    if (ImGui::TableSetColumnIndex(2)) {
      bool selected = sel_.contains(id);
      ImGui::PushID(id.c_str());
      if (ImGui::Selectable(row.info.name.c_str(), selected,
                            ImGuiSelectableFlags_SpanAllColumns |
                                ImGuiSelectableFlags_AllowItemOverlap |
                                ImGuiSelectableFlags_AllowDoubleClick)) {
        sel_.click(id, click_modifiers{io.KeyShift, io.KeyCtrl || io.KeySuper}, visible_ids);
        focused_ = id;
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) set_view(view_id::charts);
      }
      if (ImGui::IsItemHovered() && ImGui::GetIO().KeyAlt) ImGui::SetTooltip("%s", id.c_str());
      ImGui::PopID();
    }
    for (int i = 2; i < fixed_count; ++i)
      if (ImGui::TableSetColumnIndex(1 + i)) {
        cell c = cell_of(row, column(fixed_columns[i].kind));
        if (fixed_columns[i].kind == column_kind::tags) {
          for (const std::string& t : row.info.tags) {
            ImGui::TextColored(ImVec4(0.62f, 0.72f, 0.95f, 1.0f), "%s", t.c_str());
            ImGui::SameLine(0, 6);
          }
          ImGui::NewLine();
        } else {
          ImGui::TextUnformatted(c.text.c_str());
        }
      }
    for (std::size_t i = 0; i < extra_columns_.size(); ++i)
      if (ImGui::TableSetColumnIndex(1 + fixed_count + int(i))) {
        cell c = cell_of(row, extra_columns_[i]);
        if (c.missing)
          ImGui::TextDisabled("-");
        else if (c.number) {
          // Numbers right-aligned, like every spreadsheet.
          float w = ImGui::CalcTextSize(c.text.c_str()).x;
          float avail = ImGui::GetContentRegionAvail().x;
          if (avail > w) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + avail - w);
          ImGui::TextUnformatted(c.text.c_str());
        } else {
          ImGui::TextUnformatted(c.text.c_str());
        }
      }
  };

  if (group_.by == group_by::kind::none) {
    ImGuiListClipper clipper;
    clipper.Begin(int(rows_.size()));
    while (clipper.Step())
      for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r)
        draw_row(rows_[std::size_t(r)]);
  } else {
    for (const row_group& g : group_rows(rows_, cat, group_)) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImDrawList* dl = ImGui::GetWindowDrawList();
      ImVec2 p = ImGui::GetCursorScreenPos();
      float lh = ImGui::GetTextLineHeight();
      dl->AddRectFilled(ImVec2(p.x, p.y + 2), ImVec2(p.x + 12, p.y + lh - 2), group_color(g.label),
                        3.0f);
      ImGui::TableSetColumnIndex(2);
      bool open = ImGui::TreeNodeEx(
          g.label.c_str(), ImGuiTreeNodeFlags_DefaultOpen | ImGuiTreeNodeFlags_SpanFullWidth,
          "%s  (%zu)", g.label.c_str(), g.rows.size());
      if (open) {
        for (std::size_t index : g.rows) draw_row(index);
        ImGui::TreePop();
      }
    }
  }
  ImGui::EndTable();
  ImGui::PopID();
  ImGui::TextDisabled(
      "click: select  |  ctrl-click: toggle  |  shift-click: range  |  double-click: charts  |  "
      "right-click a header: hide columns  |  shift-click a header: sort by several");
}

void viewer::draw_run_details(const run_row& row) {
  const run_info& r = row.info;
  ImGui::Text("%s", r.name.c_str());
  ImGui::TextDisabled("%s  ·  %s", r.id.c_str(), r.project.c_str());
  ImGui::TextColored(status_color(r.status), "%s", to_string(r.status));
  if (!r.status_reason.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("(%s)", r.status_reason.c_str());
  }
  ImGui::Separator();
  auto field = [](const char* name, const std::string& value) {
    ImGui::TextDisabled("%-8s", name);
    ImGui::SameLine(90);
    ImGui::PushTextWrapPos(0);
    ImGui::TextUnformatted(value.empty() ? "-" : value.c_str());
    ImGui::PopTextWrapPos();
  };
  field("created", cell_of(row, column(column_kind::created)).text);
  field("duration", cell_of(row, column(column_kind::duration)).text);
  field("host", r.host + (r.pid ? "  (pid " + std::to_string(r.pid) + ")" : ""));
  field("git", r.git_commit.empty() ? ""
                                    : r.git_commit.substr(0, 12) +
                                          (r.git_branch.empty() ? "" : "  " + r.git_branch));
  std::string tags;
  for (const std::string& t : r.tags) tags += (tags.empty() ? "" : ", ") + t;
  field("tags", tags);
  field("note", r.note);
  if (ImGui::CollapsingHeader("Config", ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("config", 2, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    for (const auto& [k, v] : row.config) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", k.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(v.text.c_str());
    }
    ImGui::EndTable();
  }
  if (ImGui::CollapsingHeader("Metrics", ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("metrics", 4, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("last", ImGuiTableColumnFlags_WidthFixed, 70);
    ImGui::TableSetupColumn("best", ImGuiTableColumnFlags_WidthFixed, 70);
    ImGui::TableSetupColumn("count", ImGuiTableColumnFlags_WidthFixed, 50);
    ImGui::TableHeadersRow();
    for (const auto& [k, m] : row.metrics) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", k.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(format_value(m.last).c_str());
      ImGui::TableNextColumn();
      auto best = m.best();
      ImGui::TextUnformatted(best ? format_value(*best).c_str() : "-");
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(m.count));
    }
    ImGui::EndTable();
  }
}

}  // namespace tracker::ui
