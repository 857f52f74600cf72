// samples_view.cpp — the Samples tab: a logged table (the evaluator's misclassified samples,
// or any table) with image thumbnails decoded off the frame thread, in a list (every column,
// sortable, top losses first) or a grid (thumbnails only, like fastai's plot_top_losses),
// filtered by true / predicted class (a most-confused pair opens it filtered), with a step
// slider and a larger image with its row on hover.
#include "views/viewer.hpp"

#include "widgets/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracker::ui {

namespace {

std::string run_name(const catalog& cat, const std::string& id) {
  const run_row* r = cat.find(id);
  return r && !r->info.name.empty() ? r->info.name : id;
}

bool filter_combo(const char* label, std::string& value, const std::vector<std::string>& options) {
  bool changed = false;
  ImGui::SetNextItemWidth(170);
  if (ImGui::BeginCombo(label, value.empty() ? "any" : value.c_str())) {
    if (ImGui::Selectable("any", value.empty())) {
      value.clear();
      changed = true;
    }
    for (const std::string& o : options)
      if (ImGui::Selectable(o.c_str(), o == value)) {
        value = o;
        changed = true;
      }
    ImGui::EndCombo();
  }
  return changed;
}

}  // namespace

void viewer::draw_sample_image(const std::string& path, ImVec2 size, bool hover_preview) {
  if (!images_) images_ = std::make_unique<image_cache>(opts_.store);
  auto img = images_->get(path);
  if (!img) objects_complete_ = false;  // a screenshot waits for the thumbnails on screen
  ImTextureID tex = textures_.get(img);
  // Short notes fit a thumbnail; the tooltip says the rest (path and error).
  const char* note = !img                           ? "loading"
                     : img->error == "missing file" ? "missing"
                     : !img->error.empty()          ? "unreadable"
                                                    : "";
  ImVec2 p = ImGui::GetCursorScreenPos();
  widgets::image_box(tex, img.get(), size, note);
  images_drawn_.push_back({path, tex != nullptr, p.x, p.y, p.x + size.x, p.y + size.y});
  if (hover_preview && ImGui::IsItemHovered() && img) {
    ImGui::BeginTooltip();
    if (tex)
      widgets::image_box(tex, img.get(), ImVec2(256, 256), "");
    else
      ImGui::TextColored(widgets::colors().error, "%s: %s", path.c_str(), img->error.c_str());
    ImGui::EndTooltip();
  }
}

void viewer::draw_sample_tooltip(const sample_table& t, std::size_t row) {
  ImGui::BeginTooltip();
  if (t.image) {
    const auto* path = std::get_if<std::string>(&t.rows[row][*t.image]);
    if (path) draw_sample_image(*path, ImVec2(224, 224), false);
  }
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    if (t.image && c == *t.image) continue;
    ImGui::TextDisabled("%s", t.columns[c].name.c_str());
    ImGui::SameLine(110);
    ImGui::TextUnformatted(cell_text(t.rows[row][c]).c_str());
  }
  if (t.image)
    if (const auto* path = std::get_if<std::string>(&t.rows[row][*t.image])) {
      ImGui::TextDisabled("%s", path->c_str());
      auto img = images_ ? images_->get(*path) : nullptr;
      if (img && !img->error.empty())
        ImGui::TextColored(widgets::colors().error, "%s", img->error.c_str());
    }
  ImGui::EndTooltip();
}

void viewer::draw_samples_view() {
  const catalog& cat = *snap_->cat;
  const auto& tc = widgets::colors();
  // The run: the first selected (as in the confusion view).
  const std::vector<std::string> runs = selected_runs_in_order();
  if (runs.empty()) {
    ImGui::TextDisabled("Select a run in the Runs tab.");
    return;
  }
  if (std::find(runs.begin(), runs.end(), cm_.run_a) == runs.end()) cm_.run_a = runs[0];
  const std::string& run = cm_.run_a;
  object_wants_.push_back({run, "", -1});
  const std::vector<object_info>* idx = snap_->index_of(run);
  if (!idx) {
    objects_complete_ = false;
    ImGui::TextDisabled("Reading the run's objects ...");
    return;
  }
  std::vector<std::string> keys = object_keys(*idx, "table");
  if (sm_.key.empty() && !keys.empty()) sm_.key = keys[0];

  // ---- toolbar: run, table, step, filters, list/grid, thumbnail size
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("run");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(200);
  if (ImGui::BeginCombo("##sm_run", run_name(cat, run).c_str())) {
    for (const std::string& r : runs)
      if (ImGui::Selectable(run_name(cat, r).c_str(), r == run)) cm_.run_a = r;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(200);
  if (ImGui::BeginCombo("##sm_key", sm_.key.c_str())) {
    for (const std::string& k : keys)
      if (ImGui::Selectable(k.c_str(), k == sm_.key)) sm_.key = k;
    ImGui::EndCombo();
  }
  if (keys.empty() || std::find(keys.begin(), keys.end(), sm_.key) == keys.end()) {
    ImGui::Spacing();
    ImGui::TextColored(tc.error, "%s has no table%s", run_name(cat, run).c_str(),
                       keys.empty() ? "" : (" '" + sm_.key + "'").c_str());
    ImGui::TextDisabled(
        "Tables are logged with metrics::log_table (the LibTorch evaluator logs "
        "its misclassified samples with their images).");
    return;
  }
  std::vector<std::int64_t> steps = object_steps(*idx, sm_.key);
  std::size_t pos = *step_position(steps, sm_.step);
  ImGui::SameLine();
  {
    int p = int(pos);
    char fmt[64];
    std::snprintf(fmt, sizeof fmt, "step %lld  (%d/%zu)", static_cast<long long>(steps[pos]), p + 1,
                  steps.size());
    ImGui::SetNextItemWidth(260);
    if (ImGui::SliderInt("##sm_step", &p, 0, int(steps.size()) - 1, fmt,
                         ImGuiSliderFlags_AlwaysClamp)) {
      sm_.step = steps[std::size_t(p)];
      pos = std::size_t(p);
    }
  }

  const std::int64_t step = steps[pos];
  object_wants_.push_back({run, sm_.key, step});
  auto body = snap_->body(run, sm_.key, step);
  if (!body) {
    objects_complete_ = false;
    ImGui::TextDisabled("Loading the table ...");
    return;
  }
  parsed_tb& ptb = tables_[object_id{run, sm_.key, step}];
  if (ptb.source != body) {
    ptb.source = body;
    ptb.t.reset();
    ptb.error = body->error;
    std::string why;
    if (ptb.error.empty()) {
      if (body->table)  // parsed by the loader thread
        ptb.t = body->table;
      else if (auto t = parse_table(body->record.body_json, &why))
        ptb.t = std::make_shared<const sample_table>(std::move(*t));
      else
        ptb.error = "cannot read '" + sm_.key + "': " + why;
    }
  }
  if (tables_.size() > 16)
    for (auto it = tables_.begin(); it != tables_.end();)
      it = it->second.source == body ? std::next(it) : tables_.erase(it);
  if (!ptb.t) {
    ImGui::TextColored(tc.error, "%s", ptb.error.c_str());
    return;
  }
  const sample_table& t = *ptb.t;
  if (!sm_.query_set) {
    table_query d = default_query(t);
    sm_.query.sort_column = d.sort_column;
    sm_.query.descending = d.descending;
    sm_.query_set = true;
  }

  ImGui::SameLine(0, 20);
  if (t.truth) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("true");
    ImGui::SameLine();
    filter_combo("##sm_true", sm_.query.truth, distinct_text(t, *t.truth));
    ImGui::SameLine();
  }
  if (t.predicted) {
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("predicted");
    ImGui::SameLine();
    filter_combo("##sm_pred", sm_.query.predicted, distinct_text(t, *t.predicted));
    ImGui::SameLine();
  }
  ImGui::NewLine();

  // ---- rows: filtered and sorted once per change, not per frame (10,000 rows).
  if (sm_rows_of_ != &t || !(sm_rows_query_.sort_column == sm_.query.sort_column &&
                             sm_rows_query_.descending == sm_.query.descending &&
                             sm_rows_query_.truth == sm_.query.truth &&
                             sm_rows_query_.predicted == sm_.query.predicted)) {
    sm_rows_ = query_rows(t, sm_.query);
    sm_rows_of_ = &t;
    sm_rows_query_ = sm_.query;
  }
  int mode = sm_.grid ? 1 : 0;
  ImGui::RadioButton("list", &mode, 0);
  ImGui::SameLine();
  ImGui::RadioButton("grid", &mode, 1);
  sm_.grid = mode == 1;
  ImGui::SameLine(0, 20);
  ImGui::SetNextItemWidth(140);
  ImGui::SliderFloat("##thumb", &sm_.thumb, 40, 200, "thumbnails %.0f px");
  ImGui::SameLine(0, 20);
  ImGui::AlignTextToFramePadding();
  ImGui::TextDisabled("%zu of %zu rows%s", sm_rows_.size(), t.rows.size(),
                      t.loss && sm_.query.sort_column == int(*t.loss) && sm_.query.descending
                          ? "  \xc2\xb7  top losses first"
                          : "");
  if (sm_rows_.empty()) {
    ImGui::TextDisabled("No row matches the filters.");
    return;
  }
  const float thumb = std::floor(sm_.thumb);

  if (sm_.grid) {
    // Thumbnails with "true / predicted / loss" under each, as many per line as fit.
    ImGui::BeginChild("sm_grid", ImVec2(0, 0), false);
    const float fh = ImGui::GetTextLineHeight();
    const float cell_w = std::max(thumb, 140.0f) + 10;  // room for "T-shirt/top  2.568"
    const float cell_h = thumb + 2 * fh + 16;
    const int per_line = std::max(1, int(ImGui::GetContentRegionAvail().x / cell_w));
    const int lines = int((sm_rows_.size() + std::size_t(per_line) - 1) / std::size_t(per_line));
    ImGuiListClipper clip;
    clip.Begin(lines, cell_h);
    while (clip.Step())
      for (int line = clip.DisplayStart; line < clip.DisplayEnd; ++line) {
        for (int c = 0; c < per_line; ++c) {
          std::size_t i = std::size_t(line) * std::size_t(per_line) + std::size_t(c);
          if (i >= sm_rows_.size()) break;
          const std::size_t r = sm_rows_[i];
          if (c) ImGui::SameLine(float(c) * cell_w);
          ImGui::BeginGroup();
          ImGui::PushID(int(r));
          const auto* path = t.image ? std::get_if<std::string>(&t.rows[r][*t.image]) : nullptr;
          ImGui::SetCursorPosX(ImGui::GetCursorPosX() + (cell_w - 10 - thumb) * 0.5f);
          if (path)
            draw_sample_image(*path, ImVec2(thumb, thumb), false);
          else
            widgets::image_box(nullptr, nullptr, ImVec2(thumb, thumb), "no image");
          bool hovered = ImGui::IsItemHovered();
          std::string a = t.truth ? cell_text(t.rows[r][*t.truth]) : "";
          std::string b = t.predicted ? cell_text(t.rows[r][*t.predicted]) : "";
          if (t.truth && t.predicted) {
            ImGui::TextColored(a == b ? widgets::colors().finished : widgets::colors().failed, "%s",
                               b.c_str());
            ImGui::TextDisabled("%s%s%s", a.c_str(), t.loss ? "  " : "",
                                t.loss ? cell_text(t.rows[r][*t.loss]).c_str() : "");
          } else if (t.loss) {
            ImGui::TextDisabled("loss %s", cell_text(t.rows[r][*t.loss]).c_str());
          }
          ImGui::PopID();
          ImGui::EndGroup();
          if (hovered) draw_sample_tooltip(t, r);
        }
      }
    ImGui::EndChild();
    return;
  }

  // List: every column, image columns as thumbnails; click a header to sort.
  const int ncols = int(t.columns.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  if (ncols > 0 && ImGui::BeginTable("sm_list", std::min(ncols, 64), flags)) {
    ImGui::TableSetupScrollFreeze(0, 1);
    for (int c = 0; c < std::min(ncols, 64); ++c) {
      ImGuiTableColumnFlags cf = ImGuiTableColumnFlags_PreferSortDescending;
      if (t.columns[std::size_t(c)].type == metrics::column_type::image)
        cf |= ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_NoSort;
      if (c == sm_.query.sort_column) cf |= ImGuiTableColumnFlags_DefaultSort;
      // Images at the thumbnail's width, text and numbers as wide as their content (at least
      // 110 px, so a sort arrow fits), the last column takes the rest.
      if (t.columns[std::size_t(c)].type != metrics::column_type::image && c == ncols - 1)
        cf |= ImGuiTableColumnFlags_WidthStretch;
      ImGui::TableSetupColumn(t.columns[std::size_t(c)].name.c_str(), cf,
                              t.columns[std::size_t(c)].type == metrics::column_type::image
                                  ? thumb + 8
                                  : (c == ncols - 1 ? 1.0f : 0.0f));
    }
    ImGui::TableHeadersRow();
    if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs())
      if (specs->SpecsDirty) {
        if (specs->SpecsCount > 0) {
          sm_.query.sort_column = specs->Specs[0].ColumnIndex;
          sm_.query.descending = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
        }
        specs->SpecsDirty = false;
      }
    const bool has_image = t.image.has_value();
    const float row_h = has_image ? thumb + 6 : ImGui::GetTextLineHeightWithSpacing();
    ImGuiListClipper clip;
    clip.Begin(int(sm_rows_.size()), row_h);
    while (clip.Step())
      for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
        const std::size_t r = sm_rows_[std::size_t(i)];
        ImGui::TableNextRow(0, row_h);
        ImGui::PushID(int(r));
        bool hovered = false;
        for (int c = 0; c < std::min(ncols, 64); ++c) {
          ImGui::TableNextColumn();
          const metrics::cell& cell = t.rows[r][std::size_t(c)];
          if (t.columns[std::size_t(c)].type == metrics::column_type::image) {
            if (const auto* path = std::get_if<std::string>(&cell))
              draw_sample_image(*path, ImVec2(thumb, thumb), false);
            else
              widgets::image_box(nullptr, nullptr, ImVec2(thumb, thumb), "none");
            hovered |= ImGui::IsItemHovered();
            continue;
          }
          std::string text = cell_text(cell);
          if (has_image)  // text in the middle of the thumbnail's row
            ImGui::SetCursorPosY(ImGui::GetCursorPosY() +
                                 (thumb - ImGui::GetTextLineHeight()) * 0.5f);
          ImGui::SetNextItemWidth(110);
          if (t.truth && t.predicted && std::size_t(c) == *t.predicted) {
            bool right = text == cell_text(t.rows[r][*t.truth]);
            ImGui::TextColored(right ? widgets::colors().finished : widgets::colors().failed, "%s",
                               text.c_str());
          } else if (std::holds_alternative<std::monostate>(cell)) {
            ImGui::TextDisabled("-");
          } else {
            ImGui::TextUnformatted(text.c_str());
          }
          hovered |= ImGui::IsItemHovered();
        }
        ImGui::PopID();
        if (hovered) draw_sample_tooltip(t, r);
      }
    ImGui::EndTable();
  }
}

}  // namespace tracker::ui
