// production_view.cpp — how production differs from what the model saw in training, for one
// model run (the first selected, or the first of --runs). One screen, top to bottom:
//
//   header     reference vs production rows and time window, dataset drift, accuracy now vs
//              in validation, label coverage, flag rate
//   row 1      the drift table (one row per feature: test, statistic, p-value, threshold;
//              drifted rows marked) | the selected feature's reference and production
//              distributions overlaid on shared bins
//   row 2      predicted class and confidence, reference vs production | drift share,
//              accuracy and flag rate over time (hour or day buckets, by the data's span)
//   row 3      production and reference (validation) confusion matrices by true class and
//              their difference (blue better, red worse) | the flagged samples with reasons
//              and thumbnails
//
// The data comes from model/production_loader (a thread): the frame only draws what it last
// published, and says "loading" until then.
#include "views/viewer.hpp"

#include "widgets/heatmap.hpp"
#include "widgets/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace tracker::ui {

namespace {

// Reference blue and production orange (seaborn's first two hues, lightened for the dark
// theme); the screenshot test looks for these exact colours in the overlay's outlines.
constexpr ImU32 reference_colour = IM_COL32(86, 170, 240, 255);
constexpr ImU32 production_colour = IM_COL32(255, 150, 50, 255);
constexpr ImU32 drift_colour = IM_COL32(235, 75, 75, 255);  // the drifted marker
constexpr ImU32 ok_colour = IM_COL32(90, 190, 110, 255);

std::string run_label(const catalog& cat, const std::string& id) {
  const run_row* r = cat.find(id);
  return r && !r->info.name.empty() ? r->info.name : id;
}

ImU32 with_alpha(ImU32 c, int a) { return (c & 0x00FFFFFFu) | (ImU32(a) << 24); }

std::string fmt(double v, const char* f = "%.3g") {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string percent(double v) { return std::isnan(v) ? "-" : fmt(100 * v, "%.1f%%"); }
std::string utc(double t) {
  if (std::isnan(t)) return "-";
  std::time_t s = std::time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
  return buf;
}
std::string p_text(double p) {
  if (std::isnan(p)) return "-";
  return p < 1e-4 ? fmt(p, "%.1e") : fmt(p, "%.4f");
}

// "brightness   ks 0.777, p = 4.9e-103   DRIFTED": a distribution's title with its test.
std::string title_of(const std::string& name, const drift_row* row) {
  if (!row) return name;
  if (!row->tested) return name + "   (" + row->note + ")";
  return name + "   " + row->test + " " + fmt(row->statistic) +
         (std::isnan(row->p_value) ? "" : ", p = " + p_text(row->p_value)) +
         (row->drifted ? "   DRIFTED" : "   no drift");
}

// Two distributions on shared bins: numeric as overlapping bars with a solid step outline per
// side (seaborn's displot, element="step"), categorical as side-by-side bars. y = share of each
// side's rows. Returns the plot rectangle.
ImVec4 draw_overlay(const char* id, const overlay& o, ImVec2 size, const char* title) {
  const auto& tc = widgets::colors();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const ImVec2 p0 = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton(id, size);
  const bool hovered = ImGui::IsItemHovered();
  const float line = ImGui::GetTextLineHeight();
  dl->AddRectFilled(p0, ImVec2(p0.x + size.x, p0.y + size.y), tc.chart_bg, 4);
  dl->AddText(ImVec2(p0.x + 8, p0.y + 4), tc.text, title);
  // Legend, top right: "reference (n)" "production (n)"; on a line of its own when the title
  // leaves no room for it.
  char leg[2][64];
  std::snprintf(leg[0], sizeof leg[0], "reference (%zu)", o.reference_n);
  std::snprintf(leg[1], sizeof leg[1], "production (%zu)", o.production_n);
  const float leg_w = ImGui::CalcTextSize(leg[0]).x + ImGui::CalcTextSize(leg[1]).x + 60;
  const bool own_line = ImGui::CalcTextSize(title).x + leg_w + 24 > size.x;
  const float ly = p0.y + 4 + (own_line ? line + 2 : 0);
  float lx = p0.x + size.x - 8;
  for (int s = 1; s >= 0; --s) {
    lx -= ImGui::CalcTextSize(leg[s]).x;
    dl->AddText(ImVec2(lx, ly), tc.text_dim, leg[s]);
    lx -= 16;
    dl->AddRectFilled(ImVec2(lx, ly + 2), ImVec2(lx + 11, ly + line - 2),
                      s ? production_colour : reference_colour);
    lx -= 14;
  }
  const float left = 44, bottom = line * (o.numeric ? 1.4f : 2.4f);
  const float head = line + 12 + (own_line ? line + 2 : 0);
  const ImVec2 a(p0.x + left, p0.y + head), b(p0.x + size.x - 10, p0.y + size.y - bottom);
  dl->AddRectFilled(a, b, tc.plot_bg);
  const std::size_t n = o.bins();
  const double top = std::max(1e-9, o.max_share() * 1.1);
  auto y_of = [&](double share) { return b.y - float(share / top) * (b.y - a.y); };
  // y grid at 1-2-5 shares.
  double step = 0.01;
  for (double s : {0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5})
    if (top / s <= 5) {
      step = s;
      break;
    }
  for (double s = 0; s <= top; s += step) {
    dl->AddLine(ImVec2(a.x, y_of(s)), ImVec2(b.x, y_of(s)), tc.grid);
    std::string t = fmt(100 * s, "%.0f%%");
    dl->AddText(ImVec2(a.x - 6 - ImGui::CalcTextSize(t.c_str()).x, y_of(s) - line / 2), tc.text_dim,
                t.c_str());
  }
  if (n == 0) return ImVec4(a.x, a.y, b.x, b.y);
  const float bw = (b.x - a.x) / float(n);
  if (o.numeric) {
    // Translucent bars (production over reference), then each side's solid outline.
    for (int s = 0; s < 2; ++s) {
      const auto& v = s ? o.production : o.reference;
      const ImU32 c = s ? production_colour : reference_colour;
      for (std::size_t i = 0; i < n; ++i)
        if (v[i] > 0)
          dl->AddRectFilled(ImVec2(a.x + bw * float(i), y_of(v[i])),
                            ImVec2(a.x + bw * float(i + 1), b.y), with_alpha(c, 70));
    }
    for (int s = 0; s < 2; ++s) {
      const auto& v = s ? o.production : o.reference;
      const ImU32 c = s ? production_colour : reference_colour;
      float prev = b.y;
      for (std::size_t i = 0; i < n; ++i) {
        const float x0 = a.x + bw * float(i), x1 = x0 + bw, y = y_of(v[i]);
        dl->AddLine(ImVec2(x0, prev), ImVec2(x0, y), c, 2);
        dl->AddLine(ImVec2(x0, y), ImVec2(x1, y), c, 2);
        prev = y;
      }
      dl->AddLine(ImVec2(b.x, prev), ImVec2(b.x, b.y), c, 2);
    }
    for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) {  // x ticks at the range's quarters
      std::string t = fmt(o.lo + f * (o.hi - o.lo));
      float w = ImGui::CalcTextSize(t.c_str()).x;
      float x = std::clamp(a.x + float(f) * (b.x - a.x) - w / 2, a.x - 4, b.x - w);
      dl->AddText(ImVec2(x, b.y + 3), tc.text_dim, t.c_str());
    }
  } else {
    const float gap = std::min(6.0f, bw * 0.2f), half = (bw - gap) / 2;
    for (std::size_t i = 0; i < n; ++i) {
      const float x0 = a.x + bw * float(i) + gap / 2;
      dl->AddRectFilled(ImVec2(x0, y_of(o.reference[i])), ImVec2(x0 + half, b.y), reference_colour);
      dl->AddRectFilled(ImVec2(x0 + half, y_of(o.production[i])), ImVec2(x0 + 2 * half, b.y),
                        production_colour);
      // Names under their bars, on two staggered lines, cut to the space they have.
      std::string name = o.categories[i];
      while (name.size() > 1 && ImGui::CalcTextSize(name.c_str()).x > bw * 1.9f) name.pop_back();
      float w = ImGui::CalcTextSize(name.c_str()).x;
      dl->AddText(ImVec2(x0 + half - w / 2, b.y + 3 + (i % 2) * line), tc.text_dim, name.c_str());
    }
  }
  dl->AddRect(a, b, tc.plot_border);
  if (hovered) {
    const ImVec2 m = ImGui::GetIO().MousePos;
    if (m.x >= a.x && m.x < b.x) {
      const std::size_t i = std::min(n - 1, std::size_t((m.x - a.x) / bw));
      dl->AddRectFilled(ImVec2(a.x + bw * float(i), a.y), ImVec2(a.x + bw * float(i + 1), b.y),
                        tc.box_fill);
      ImGui::BeginTooltip();
      if (o.numeric)
        ImGui::Text("%s .. %s", fmt(o.lo + (o.hi - o.lo) * double(i) / double(n), "%.4g").c_str(),
                    fmt(o.lo + (o.hi - o.lo) * double(i + 1) / double(n), "%.4g").c_str());
      else
        ImGui::TextUnformatted(o.categories[i].c_str());
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(reference_colour), "reference  %s",
                         percent(o.reference[i]).c_str());
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(production_colour), "production %s",
                         percent(o.production[i]).c_str());
      ImGui::EndTooltip();
    }
  }
  return ImVec4(a.x, a.y, b.x, b.y);
}

}  // namespace

void viewer::draw_production_view() {
  const catalog& cat = *snap_->cat;
  // The model run: the first of --runs still selected, else the first selected.
  std::string run;
  for (const std::string& id : initial_runs_)
    if (sel_.contains(id)) {
      run = id;
      break;
    }
  if (run.empty() && !sel_.empty()) run = sel_.ordered(cat).front();
  if (run.empty()) {
    ImGui::TextDisabled("Select a model run in the Runs tab.");
    return;
  }
  if (!pd_loader_) pd_loader_ = std::make_unique<production_loader>(opts_.store);
  pd_loader_->want(run, pd_.window);
  if (auto latest = pd_loader_->latest(); latest && latest->run_id == run && latest != pd_data_) {
    pd_data_ = latest;
    // New data: the sorted rows and the timeline's lines are rebuilt from it (the pointers
    // below are only compared, and a freed result's address may be reused).
    pd_rows_of_ = nullptr;
    pd_lines_of_ = nullptr;
  }
  // A reload of the same run (or another window of it) keeps the previous data on screen;
  // another run's is not shown.
  if (pd_loader_->busy() || !pd_data_ || pd_data_->run_id != run ||
      !(pd_data_->window == pd_.window))
    objects_complete_ = false;
  if (!pd_data_ || pd_data_->run_id != run) {
    ImGui::TextDisabled("Reading the production records and computing the drift report ...");
    return;
  }
  const production_data& d = *pd_data_;
  if (!d.error.empty()) {
    ImGui::TextColored(widgets::colors().error, "%s", d.error.c_str());
    return;
  }
  if (d.reference->size() == 0 || d.current->size() == 0) {
    ImGui::TextDisabled(
        "%s has %zu reference and %zu production records. Record the reference with "
        "classification_evaluator (or `tracker import --kind reference`) and send predictions "
        "to `tracker serve` (docs/http.md); this view compares the two.",
        run_label(cat, run).c_str(), d.reference->size(), d.current->size());
    return;
  }
  draw_production_header(d);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = ImGui::GetStyle().ItemSpacing.y;
  const float h1 = std::floor(avail.y * 0.36f), h2 = std::floor(avail.y * 0.28f);
  const float h3 = avail.y - h1 - h2 - 2 * gap;
  const float left_w = std::floor(avail.x * 0.42f);

  // Row 1: the drift table | the chosen feature's distributions.
  draw_drift_table(d, ImVec2(left_w, h1));
  ImGui::SameLine();
  {
    const overlay* o = nullptr;
    auto it = d.overlays.find(pd_.feature);
    if (it != d.overlays.end()) o = &it->second;
    const drift_row* row = nullptr;
    for (const drift_row& r : d.rows)
      if (r.name == pd_.feature) row = &r;
    const std::string title = title_of(pd_.feature, row);
    if (o) {
      ImVec4 r =
          draw_overlay("##feature_overlay", *o, ImVec2(avail.x - left_w - 8, h1), title.c_str());
      pd_drawn_.feature = pd_.feature;
      pd_drawn_.overlay = {r.x, r.y, r.z, r.w};
    } else {
      ImGui::TextDisabled("Click a feature in the table.");
    }
  }
  // Row 2: predicted class | confidence | over time.
  const float third = std::floor((avail.x - 16) / 3);
  // The model's answers, tested like features (prediction_drift; not in the drift share).
  const auto pred_row = prediction_drift_row(d.report, "predicted_class");
  const auto conf_row = prediction_drift_row(d.report, "confidence");
  if (d.predicted)
    draw_overlay("##predicted", *d.predicted, ImVec2(third, h2),
                 title_of("predicted class", pred_row ? &*pred_row : nullptr).c_str());
  ImGui::SameLine();
  if (d.confidence)
    draw_overlay("##confidence", *d.confidence, ImVec2(third, h2),
                 title_of("confidence", conf_row ? &*conf_row : nullptr).c_str());
  ImGui::SameLine();
  draw_production_timeline(d, ImVec2(avail.x - 2 * third - 16, h2));
  // Row 3: confusion matrices | flagged samples.
  const float cm_w = std::floor(avail.x * 0.58f);
  draw_production_confusion(d, ImVec2(cm_w, h3));
  ImGui::SameLine();
  draw_flagged_samples(d, ImVec2(avail.x - cm_w - 8, h3));
}

void viewer::draw_production_header(const production_data& d) {
  const auto& tc = widgets::colors();
  const nlohmann::json& r = d.report;
  ImGui::AlignTextToFramePadding();
  ImGui::Text("%s", run_label(*snap_->cat, d.run_id).c_str());
  ImGui::SameLine(0, 20);
  const bool drift = r.value("dataset_drift", false);
  ImGui::TextColored(drift ? ImGui::ColorConvertU32ToFloat4(drift_colour)
                           : ImGui::ColorConvertU32ToFloat4(ok_colour),
                     "%s: %d of %d features drifted (%s, threshold %s)",
                     drift ? "DATASET DRIFT" : "no dataset drift",
                     int(report_number(r, "/number_of_drifted_features")),
                     int(report_number(r, "/number_of_tested_features")),
                     percent(report_number(r, "/drift_share")).c_str(),
                     percent(report_number(r, "/drift_share_threshold")).c_str());
  ImGui::SameLine(0, 20);
  const double acc = report_number(r, "/production_metrics/accuracy");
  const double ref_acc = report_number(r, "/production_metrics/reference_accuracy");
  const double change = report_number(r, "/production_metrics/accuracy_change");
  ImGui::Text("accuracy %s", percent(acc).c_str());
  ImGui::SameLine();
  ImGui::TextColored(change < -0.02 ? tc.failed : tc.finished, "(validation %s, %s%s)",
                     percent(ref_acc).c_str(), change >= 0 ? "+" : "",
                     std::isnan(change) ? "-" : fmt(100 * change, "%.1f pts").c_str());
  ImGui::SameLine(0, 20);
  ImGui::Text("F1 macro %s", fmt(report_number(r, "/production_metrics/f1_macro"), "%.3f").c_str());
  ImGui::SameLine();
  ImGui::TextDisabled(
      "(validation %s)",
      fmt(report_number(r, "/production_metrics/reference_f1_macro"), "%.3f").c_str());
  // Second line: what was compared with what.
  ImGui::TextDisabled(
      "reference: %zu validation records  |  production: %zu records, %s .. %s UTC  |  "
      "labeled by feedback %s  |  flagged %s",
      d.reference->size(), d.current->size(), utc(d.current->times.front()).c_str(),
      utc(d.current->times.back()).c_str(),
      percent(report_number(r, "/production_metrics/label_coverage")).c_str(),
      percent(report_number(r, "/flags/rate")).c_str());
  ImGui::SameLine(0, 20);
  // The window's own label (e.g. tracker-ui --since/--until/--last) in full, so a screenshot
  // says which records it compares.
  const std::string window_label = label(pd_.window);
  pd_drawn_.window = window_label;
  pd_drawn_.current_rows = d.current->size();
  ImGui::SetNextItemWidth(std::max(150.0f, ImGui::CalcTextSize(window_label.c_str()).x + 40));
  if (ImGui::BeginCombo("##window", window_label.c_str())) {
    for (const production_window& w : window_choices())
      if (ImGui::Selectable(label(w).c_str(), w == pd_.window)) pd_.window = w;
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "which production records are compared with the reference; hours count\n"
        "back from the newest record");
  ImGui::SameLine();
  if (ImGui::SmallButton("reload")) pd_loader_->refresh();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("read the records again and recompute the report");
}

void viewer::draw_drift_table(const production_data& d, ImVec2 size) {
  const auto& tc = widgets::colors();
  if (pd_rows_of_ != &d) {  // new data: re-sort, and pick the first drifted feature
    pd_rows_ = d.rows;
    pd_rows_of_ = &d;
    sort_drift_rows(pd_rows_, pd_.sort, pd_.ascending);
    if (!d.overlays.count(pd_.feature) && !pd_rows_.empty()) pd_.feature = pd_rows_.front().name;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Resizable;
  if (!ImGui::BeginTable("drift", 7, flags, size)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn(
      "drift", ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_PreferSortDescending, 0,
      int(drift_column::drifted));
  ImGui::TableSetupColumn("feature", ImGuiTableColumnFlags_WidthStretch, 0,
                          int(drift_column::name));
  ImGui::TableSetupColumn("type", 0, 0, int(drift_column::type));
  ImGui::TableSetupColumn("test", 0, 0, int(drift_column::test));
  ImGui::TableSetupColumn("statistic", 0, 0, int(drift_column::statistic));
  ImGui::TableSetupColumn("p-value", 0, 0, int(drift_column::p_value));
  ImGui::TableSetupColumn("threshold", 0, 0, int(drift_column::threshold));
  ImGui::TableHeadersRow();
  if (ImGuiTableSortSpecs* s = ImGui::TableGetSortSpecs();
      s && s->SpecsDirty && s->SpecsCount > 0) {
    pd_.sort = drift_column(s->Specs[0].ColumnUserID);
    pd_.ascending = s->Specs[0].SortDirection == ImGuiSortDirection_Ascending;
    sort_drift_rows(pd_rows_, pd_.sort, pd_.ascending);
    s->SpecsDirty = false;
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  // Only the rows on screen are drawn: a model with 1,000 features is a long table.
  ImGuiListClipper clip;
  clip.Begin(int(pd_rows_.size()));
  while (clip.Step())
    for (int ri = clip.DisplayStart; ri < clip.DisplayEnd; ++ri) {
      const drift_row& r = pd_rows_[std::size_t(ri)];
      ImGui::TableNextRow();
      if (r.drifted)
        ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, with_alpha(drift_colour, 40));
      ImGui::TableNextColumn();
      const ImVec2 p = ImGui::GetCursorScreenPos();
      const float h = ImGui::GetTextLineHeight();
      // A solid dot: red when drifted, green when tested and not, hollow when untested.
      const ImVec2 c(p.x + h * 0.5f + 2, p.y + h * 0.5f);
      if (!r.tested)
        dl->AddCircle(c, h * 0.32f, tc.text_dim);
      else
        dl->AddCircleFilled(c, h * 0.32f, r.drifted ? drift_colour : ok_colour);
      ImGui::Dummy(ImVec2(h + 4, h));
      ImGui::TableNextColumn();
      if (ImGui::Selectable(r.name.c_str(), r.name == pd_.feature,
                            ImGuiSelectableFlags_SpanAllColumns))
        pd_.feature = r.name;
      if (ImGui::IsItemHovered()) {
        ImGui::BeginTooltip();
        ImGui::Text("%s: %s", r.name.c_str(),
                    r.drifted  ? "drifted"
                    : r.tested ? "no drift"
                               : r.note.c_str());
        ImGui::TextDisabled("rows: reference %zu, production %zu", r.reference_rows,
                            r.current_rows);
        ImGui::TextDisabled("drift when %s %s %s", r.p_value == r.p_value ? "p" : "statistic",
                            r.p_value == r.p_value ? "<=" : ">=", fmt(r.threshold).c_str());
        ImGui::EndTooltip();
      }
      const ImVec2 row_max(ImGui::GetWindowPos().x + ImGui::GetWindowWidth(), p.y + h);
      pd_drawn_.rows.push_back({r.name, r.drifted, p.x, p.y, row_max.x, row_max.y});
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", r.type.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(r.tested ? r.test.c_str() : r.note.c_str());
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(fmt(r.statistic, "%.4g").c_str());
      ImGui::TableNextColumn();
      if (r.drifted && !std::isnan(r.p_value))
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(drift_colour), "%s",
                           p_text(r.p_value).c_str());
      else
        ImGui::TextUnformatted(p_text(r.p_value).c_str());
      ImGui::TableNextColumn();
      // The threshold reads as the rule: p <= 0.05 for the tests, >= 0.1 for the distances.
      ImGui::TextDisabled("%s %s", std::isnan(r.p_value) ? ">=" : "<=", fmt(r.threshold).c_str());
    }
  ImGui::EndTable();
}

void viewer::draw_production_timeline(const production_data& d, ImVec2 size) {
  const timeline_series& t = d.timeline;
  if (t.size() == 0) {
    ImGui::TextDisabled("No timeline.");
    return;
  }
  if (pd_lines_of_ != &d) {
    pd_lines_ = {as_plot(t.start, t.drift_share), as_plot(t.start, t.accuracy),
                 as_plot(t.start, t.flag_rate)};
    pd_lines_of_ = &d;
    pd_range_.reset();
  }
  const widgets::chart_line lines[] = {{&pd_lines_[0], drift_colour, "drift share"},
                                       {&pd_lines_[1], ok_colour, "accuracy"},
                                       {&pd_lines_[2], IM_COL32(240, 200, 70, 255), "flag rate"}};
  const std::string title = "per " + t.bucket + " (" + std::to_string(t.size()) + " buckets)";
  widgets::chart_options o;
  o.title = title.c_str();
  o.axis = x_axis::wall;
  o.smoothed = false;
  auto r = widgets::chart("##prod_timeline", size, pd_range_, pd_chart_, o, lines);
  drawn_.push_back({"production/timeline", r, 3});
}

void viewer::draw_production_confusion(const production_data& d, ImVec2 size) {
  ImGui::BeginChild("##prod_cm", size, false, ImGuiWindowFlags_NoScrollbar);
  if (!d.confusion || !d.reference_confusion) {
    ImGui::TextDisabled("No confusion matrices: no labels yet.");
    ImGui::EndChild();
    return;
  }
  // Each row divided by its sum: the production window and the validation set differ in size,
  // so shares of each true class (recall on the diagonal) compare where counts would not.
  const cm_difference diff =
      difference(*d.reference_confusion, *d.confusion, cm_normalize::true_rows);
  if (!diff.ok) {
    ImGui::TextColored(widgets::colors().error, "Cannot compare: %s.", diff.error.c_str());
    ImGui::EndChild();
    return;
  }
  const float w = std::floor((size.x - 16) / 3);
  const std::vector<std::string>& labels = d.confusion->labels();
  auto draw = [&](const char* id, const char* title, const std::vector<double>& v, bool diverging) {
    std::vector<double> tone(v.size());
    double mx = 0;
    for (double x : v) mx = std::max(mx, std::abs(x));
    for (std::size_t i = 0; i < diff.k; ++i)
      for (std::size_t j = 0; j < diff.k; ++j) {
        const double x = v[i * diff.k + j];
        tone[i * diff.k + j] = diverging ? (mx > 0 ? improvement(i, j, x) / mx : 0) : x;
      }
    widgets::heatmap_options o;
    o.labels = &labels;
    o.decimals = 2;
    o.diverging = diverging;
    o.signed_text = diverging;
    o.title = title;
    auto r = widgets::heatmap(id, ImVec2(w, size.y - 4), diff.k, v, tone, o);
    heatmaps_.push_back(
        {title, diff.k, r.cells_min.x, r.cells_min.y, r.cells_max.x, r.cells_max.y, -1});
    if (r.hovered) {
      const std::size_t k = diff.k, i = r.row, j = r.col;
      ImGui::BeginTooltip();
      ImGui::Text("true %s, predicted %s", labels[i].c_str(), labels[j].c_str());
      ImGui::Text("production %s of the class (%lld)", percent(diff.b[i * k + j]).c_str(),
                  (long long)d.confusion->counts()[i * k + j]);
      ImGui::Text("validation %s of the class (%lld)", percent(diff.a[i * k + j]).c_str(),
                  (long long)d.reference_confusion->counts()[i * k + j]);
      ImGui::EndTooltip();
    }
  };
  ImGui::BeginGroup();
  draw("##cm_prod", "production (by true class)", diff.b, false);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  draw("##cm_ref", "validation (reference)", diff.a, false);
  ImGui::EndGroup();
  ImGui::SameLine();
  ImGui::BeginGroup();
  draw("##cm_diff", "production - validation", diff.d, true);
  ImGui::EndGroup();
  ImGui::EndChild();
}

void viewer::draw_flagged_samples(const production_data& d, ImVec2 size) {
  const auto& tc = widgets::colors();
  ImGui::BeginChild("##prod_flags", size, false);
  const nlohmann::json& f = d.report.contains("flags") ? d.report["flags"] : nlohmann::json();
  ImGui::Text("Flagged: %d (%s)", int(report_number(d.report, "/flags/flagged")),
              percent(report_number(d.report, "/flags/rate")).c_str());
  if (f.contains("by_reason"))
    for (const auto& r : f["by_reason"]) {
      ImGui::SameLine(0, 14);
      ImGui::TextDisabled(
          "%s: %d", r.value("reason", "").empty() ? "(no reason)" : r.value("reason", "").c_str(),
          r.value("count", 0));
    }
  const float thumb = 44;
  if (ImGui::BeginTable(
          "flags", 5,
          ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingFixedFit,
          ImGui::GetContentRegionAvail())) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("image");
    ImGui::TableSetupColumn("predicted");
    ImGui::TableSetupColumn("label");
    ImGui::TableSetupColumn("flag / reason", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("time (UTC)");
    ImGui::TableHeadersRow();
    ImGuiListClipper clip;
    clip.Begin(int(d.flags.size()), thumb + ImGui::GetStyle().CellPadding.y * 2);
    while (clip.Step())
      for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
        const flagged_sample& s = d.flags[std::size_t(i)];
        ImGui::TableNextRow(0, thumb);
        ImGui::TableNextColumn();
        if (!s.image.empty())
          draw_sample_image(s.image, ImVec2(thumb, thumb), true);
        else
          widgets::image_box(nullptr, nullptr, ImVec2(thumb, thumb), "no image");
        ImGui::TableNextColumn();
        const bool wrong = !s.label.empty() && s.label != s.predicted;
        ImGui::TextColored(s.label.empty() ? ImGui::GetStyleColorVec4(ImGuiCol_Text)
                           : wrong         ? tc.failed
                                           : tc.finished,
                           "%s", s.predicted.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(s.label.empty() ? "-" : s.label.c_str());
        ImGui::TableNextColumn();
        ImGui::TextColored(tc.crashed, "%s", s.flag.c_str());
        ImGui::TextDisabled("%s", s.reason.c_str());
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", utc(s.time).c_str());
        ImGui::TextDisabled("%s", s.id.c_str());
        ++pd_drawn_.flagged;
      }
    ImGui::EndTable();
  }
  ImGui::EndChild();
}

}  // namespace tracker::ui
