// confusion_view.cpp — the Confusion tab: a confusion matrix as a heatmap (counts in the
// cells, rows = true class, columns = predicted), normalized by row or column or not, a step
// slider over every step it was logged at (with play), per-class precision / recall / F1 /
// support, fastai's most-confused pairs, and the difference mode: two runs (A = the first
// selected, B = the second) or two steps of one run, drawn as A, B and B - A in diverging
// colours (blue = better, red = worse: more on the diagonal is better, more off it is worse).
#include "views/viewer.hpp"

#include "widgets/heatmap.hpp"
#include "widgets/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tracker::ui {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string run_label(const catalog& cat, const std::string& id) {
  const run_row* r = cat.find(id);
  return r && !r->info.name.empty() ? r->info.name : id;
}

// The cell tones: sequential values scaled to the largest (counts) or as they are (fractions).
std::vector<double> tones(const std::vector<double>& v, bool fractions) {
  double mx = 0;
  for (double x : v) mx = std::max(mx, x);
  std::vector<double> t(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) t[i] = fractions ? v[i] : (mx > 0 ? v[i] / mx : 0);
  return t;
}

ImVec4 delta_color(double improvement) {
  if (improvement > 0) return ImVec4(0.45f, 0.72f, 1.0f, 1.0f);
  if (improvement < 0) return ImVec4(1.0f, 0.45f, 0.40f, 1.0f);
  return ImVec4(0.6f, 0.62f, 0.66f, 1.0f);
}

// The tooltip of a hovered cell: its count and shares (one matrix), or A, B and B - A.
void cell_tooltip(const widgets::heatmap_result& r, const metrics::confusion_matrix& m,
                  const cm_difference* d, int decimals) {
  if (!r.hovered) return;
  const std::size_t k = m.size();
  std::int64_t row = 0, col = 0;
  for (std::size_t j = 0; j < k; ++j) row += m.at(r.row, j);
  for (std::size_t i = 0; i < k; ++i) col += m.at(i, r.col);
  const std::int64_t c = m.at(r.row, r.col);
  ImGui::BeginTooltip();
  ImGui::Text("true %s  \xc2\xb7  predicted %s", m.labels()[r.row].c_str(),
              m.labels()[r.col].c_str());
  ImGui::Separator();
  if (d) {
    const std::size_t i = r.row * k + r.col;
    const double better = improvement(r.row, r.col, d->d[i]);
    ImGui::Text("A %.*f   B %.*f", decimals, d->a[i], decimals, d->b[i]);
    ImGui::TextColored(delta_color(better), "B - A %+.*f (%s)", decimals, d->d[i],
                       better > 0   ? "better"
                       : better < 0 ? "worse"
                                    : "unchanged");
  } else {
    ImGui::Text("%lld samples", static_cast<long long>(c));
    ImGui::TextDisabled("%.1f%% of true %s, %.1f%% of predicted %s",
                        row ? 100.0 * double(c) / double(row) : 0.0, m.labels()[r.row].c_str(),
                        col ? 100.0 * double(c) / double(col) : 0.0, m.labels()[r.col].c_str());
  }
  ImGui::EndTooltip();
}

}  // namespace

const viewer::parsed_cm* viewer::confusion_at(const std::string& run, const std::string& key,
                                              std::int64_t step) {
  object_wants_.push_back({run, key, step});
  auto body = snap_->body(run, key, step);
  if (!body) {
    objects_complete_ = false;
    return nullptr;
  }
  parsed_cm& p = parsed_[object_id{run, key, step}];
  if (p.source != body) {
    p.source = body;
    p.cm.reset();
    p.error = body->error;
    if (p.error.empty()) {
      if (body->record.kind != "confusion_matrix") {
        p.error = "'" + key + "' is a " + body->record.kind + ", not a confusion_matrix";
      } else {
        std::string why;
        if (body->confusion)  // parsed by the loader thread
          p.cm = body->confusion;
        else if (auto cm = parse_confusion(body->record.body_json, &why))
          p.cm = std::make_shared<const metrics::confusion_matrix>(std::move(*cm));
        else
          p.error = "cannot read '" + key + "': " + why;
      }
    }
  }
  if (parsed_.size() > 64) {  // bodies the slider passed long ago
    for (auto it = parsed_.begin(); it != parsed_.end();)
      it = it->second.source == body ? std::next(it) : parsed_.erase(it);
  }
  return &p;
}

void viewer::draw_confusion_view() {
  const catalog& cat = *snap_->cat;
  const auto& tc = widgets::colors();
  cm_.message.clear();
  // Runs: the selected ones, --runs order first (so "the first two --runs" are A and B).
  const std::vector<std::string> runs = selected_runs_in_order();
  if (runs.empty()) {
    ImGui::TextDisabled("Select a run in the Runs tab (two for a difference).");
    return;
  }
  if (!contains(runs, cm_.run_a)) cm_.run_a = runs[0];
  if (!contains(runs, cm_.run_b) || cm_.run_b == cm_.run_a) {
    cm_.run_b.clear();
    for (const std::string& id : runs)
      if (id != cm_.run_a) {
        cm_.run_b = id;
        break;
      }
  }
  if (cm_.run_b.empty()) cm_.diff_steps = true;  // one run: a difference is of two steps
  const bool two_runs = cm_.diff && !cm_.diff_steps;

  object_wants_.push_back({cm_.run_a, "", -1});
  if (two_runs) object_wants_.push_back({cm_.run_b, "", -1});
  const std::vector<object_info>* idx_a = snap_->index_of(cm_.run_a);
  const std::vector<object_info>* idx_b = two_runs ? snap_->index_of(cm_.run_b) : idx_a;
  if (!idx_a || !idx_b) {
    objects_complete_ = false;
    ImGui::TextDisabled("Reading the run's objects ...");
    return;
  }
  std::vector<std::string> keys = object_keys(*idx_a, "confusion_matrix");
  if (keys.empty()) {
    cm_.message = run_label(cat, cm_.run_a) + " has no confusion matrix";
  } else if (cm_.key.empty()) {
    cm_.key = keys[0];
  } else if (!contains(keys, cm_.key)) {
    cm_.message = run_label(cat, cm_.run_a) + " has no confusion matrix '" + cm_.key + "'";
  }
  std::vector<std::int64_t> steps_a = object_steps(*idx_a, cm_.key);
  std::vector<std::int64_t> steps_b = object_steps(*idx_b, cm_.key);
  if (cm_.message.empty() && two_runs && steps_b.empty())
    cm_.message = run_label(cat, cm_.run_b) + " has no confusion matrix '" + cm_.key + "'";

  draw_confusion_toolbar(runs, keys, steps_a, steps_b);
  if (!cm_.message.empty()) {
    ImGui::Spacing();
    ImGui::TextColored(tc.error, "%s", cm_.message.c_str());
    ImGui::TextDisabled(
        "Confusion matrices are logged by metrics::log_classification (the "
        "LibTorch evaluator does it at every validation pass) or "
        "metrics::log_confusion_matrix.");
    return;
  }

  // Steps: A at --step (default: the latest; in a one-run difference, the first), B at
  // --step-b (default: the latest) or, for two runs, at A's step (or the latest before it).
  std::optional<std::int64_t> want_a = cm_.step;
  if (cm_.diff && cm_.diff_steps && !want_a) want_a = steps_a.front();
  const std::int64_t step_a = steps_a[*step_position(steps_a, want_a)];
  std::int64_t step_b = step_a;
  if (cm_.diff)
    step_b = cm_.diff_steps ? steps_a[*step_position(steps_a, cm_.step_b)]
                            : steps_b[*step_position(steps_b, step_a)];
  const std::string& run_b = two_runs ? cm_.run_b : cm_.run_a;

  // A body not read yet (the slider just moved; the loader thread reads it for the next
  // frames): draw the nearest step whose body has been read — while a drag goes faster than
  // the reads, the one read for the previous frame — else the last matrix drawn of this run
  // and key. So a drag never blanks the view and never waits.
  auto nearest_read = [&](const std::string& run, const std::vector<std::int64_t>& steps,
                          std::int64_t& step) -> const parsed_cm* {
    if (const parsed_cm* p = confusion_at(run, cm_.key, step)) return p;
    const std::ptrdiff_t pos = std::ptrdiff_t(*step_position(steps, step));
    for (std::ptrdiff_t d = 1; d <= 8; ++d)
      for (std::ptrdiff_t i : {pos - d, pos + d})
        if (i >= 0 && i < std::ptrdiff_t(steps.size()) &&
            snap_->body(run, cm_.key, steps[std::size_t(i)])) {
          step = steps[std::size_t(i)];
          return confusion_at(run, cm_.key, step);
        }
    return nullptr;
  };
  std::int64_t drawn_a = step_a, drawn_b = step_b;
  const parsed_cm* pa = nearest_read(cm_.run_a, steps_a, drawn_a);
  const parsed_cm* pb =
      cm_.diff ? nearest_read(run_b, two_runs ? steps_b : steps_a, drawn_b) : nullptr;
  for (const parsed_cm* p : {pa, pb})
    if (p && !p->cm) {
      ImGui::TextColored(tc.error, "%s", p->error.c_str());
      return;
    }
  auto hold = [&](const parsed_cm* p, shown_cm& last, const std::string& run,
                  std::int64_t step) -> const shown_cm* {
    if (p) last = {run, cm_.key, step, p->cm};
    return last.cm && last.run == run && last.key == cm_.key ? &last : nullptr;
  };
  const shown_cm* sa = hold(pa, cm_shown_a_, cm_.run_a, drawn_a);
  const shown_cm* sb = cm_.diff ? hold(pb, cm_shown_b_, run_b, drawn_b) : nullptr;
  if (!sa || (cm_.diff && !sb)) {
    ImGui::TextDisabled("Loading the matrix ...");
    return;
  }
  const metrics::confusion_matrix& A = *sa->cm;
  const metrics::confusion_matrix* B = sb ? sb->cm.get() : nullptr;
  const bool fractions = cm_.normalize != cm_normalize::none;
  const int decimals = fractions ? 2 : 0;

  const float side_w =
      std::clamp(ImGui::GetContentRegionAvail().x * (cm_.diff ? 0.33f : 0.3f), 360.0f, 540.0f);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float main_w = avail.x - side_w - ImGui::GetStyle().ItemSpacing.x;
  ImGui::BeginChild("cm_main", ImVec2(main_w, 0), false, ImGuiWindowFlags_NoScrollbar);

  auto record = [&](const char* title, std::size_t k, const widgets::heatmap_result& r,
                    std::int64_t step) {
    heatmaps_.push_back(
        {title, k, r.cells_min.x, r.cells_min.y, r.cells_max.x, r.cells_max.y, step});
  };

  const ImVec2 area = ImGui::GetContentRegionAvail();
  if (!cm_.diff) {
    std::vector<double> v = normalized(A, cm_.normalize);
    widgets::heatmap_options o;
    o.labels = &A.labels();
    o.decimals = decimals;
    o.max_cell = 96;
    auto r =
        widgets::heatmap("cm", ImVec2(area.x, area.y - 30), A.size(), v, tones(v, fractions), o);
    record(cm_.key.c_str(), A.size(), r, sa->step);
    cell_tooltip(r, A, nullptr, decimals);
    widgets::heatmap_legend(std::min(area.x, 420.0f), false, fractions ? "0" : "0",
                            fractions ? "1" : "max count");
  } else {
    cm_difference d = difference(A, *B, cm_.normalize);
    if (!d.ok) {
      ImGui::TextColored(tc.error, "Cannot compare: %s.", d.error.c_str());
      ImGui::EndChild();
      return;
    }
    // A and B small on the left, B - A large on the right.
    const float small_w = std::floor(area.x * 0.32f);
    const float h = area.y - 30;
    std::string title_a = "A: " + run_label(cat, cm_.run_a) + " @ " + std::to_string(sa->step);
    std::string title_b = "B: " + run_label(cat, run_b) + " @ " + std::to_string(sb->step);
    ImGui::BeginGroup();
    widgets::heatmap_options so;
    so.labels = &A.labels();
    so.decimals = decimals;
    so.title = title_a.c_str();
    auto ra = widgets::heatmap("cm_a", ImVec2(small_w, h * 0.5f - 4), A.size(), d.a,
                               tones(d.a, fractions), so);
    record("A", A.size(), ra, sa->step);
    cell_tooltip(ra, A, nullptr, decimals);
    so.title = title_b.c_str();
    auto rb = widgets::heatmap("cm_b", ImVec2(small_w, h * 0.5f - 4), B->size(), d.b,
                               tones(d.b, fractions), so);
    record("B", B->size(), rb, sb->step);
    cell_tooltip(rb, *B, nullptr, decimals);
    ImGui::EndGroup();
    ImGui::SameLine();
    ImGui::BeginGroup();
    draw_cm_difference("cm_d", A, *B, sb->step, ImVec2(area.x - small_w - 12, area.y),
                       "B - A   (blue: better, red: worse)");
    ImGui::EndGroup();
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("cm_side", ImVec2(0, 0), true);
  draw_confusion_side(A, B);
  ImGui::EndChild();
}

bool viewer::draw_cm_difference(const char* id, const metrics::confusion_matrix& a,
                                const metrics::confusion_matrix& b, std::int64_t step_b,
                                ImVec2 size, const char* title) {
  cm_difference d = difference(a, b, cm_.normalize);
  if (!d.ok) {
    ImGui::TextColored(widgets::colors().error, "Cannot compare: %s.", d.error.c_str());
    return false;
  }
  // Tone: the improvement (more on the diagonal, less off it) scaled to the largest change.
  double mx = 0;
  for (double x : d.d) mx = std::max(mx, std::abs(x));
  std::vector<double> t(d.d.size());
  for (std::size_t i = 0; i < d.k; ++i)
    for (std::size_t j = 0; j < d.k; ++j)
      t[i * d.k + j] = mx > 0 ? improvement(i, j, d.d[i * d.k + j]) / mx : 0;
  const int decimals = cm_.normalize != cm_normalize::none ? 2 : 0;
  widgets::heatmap_options o;
  o.labels = &a.labels();
  o.decimals = decimals;
  o.signed_text = true;
  o.diverging = true;
  o.max_cell = 96;
  o.title = title;
  auto r = widgets::heatmap(id, ImVec2(size.x, size.y - 30), d.k, d.d, t, o);
  heatmaps_.push_back(
      {"B - A", d.k, r.cells_min.x, r.cells_min.y, r.cells_max.x, r.cells_max.y, step_b});
  cell_tooltip(r, b, &d, decimals);
  widgets::heatmap_legend(std::min(size.x, 420.0f), true, "worse", "better");
  return true;
}

void viewer::draw_confusion_toolbar(const std::vector<std::string>& runs,
                                    const std::vector<std::string>& keys,
                                    const std::vector<std::int64_t>& steps_a,
                                    const std::vector<std::int64_t>& steps_b) {
  const catalog& cat = *snap_->cat;
  auto run_combo = [&](const char* id, std::string& run, const std::string& other) {
    ImGui::SetNextItemWidth(200);
    if (ImGui::BeginCombo(id, run_label(cat, run).c_str())) {
      for (const std::string& r : runs) {
        if (r == other) continue;
        if (ImGui::Selectable(run_label(cat, r).c_str(), r == run)) run = r;
      }
      ImGui::EndCombo();
    }
  };
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(cm_.diff ? "A" : "run");
  ImGui::SameLine();
  run_combo("##run_a", cm_.run_a, cm_.diff && !cm_.diff_steps ? cm_.run_b : std::string());
  ImGui::SameLine();
  ImGui::SetNextItemWidth(180);
  if (ImGui::BeginCombo("##cm_key", cm_.key.c_str())) {
    for (const std::string& k : keys)
      if (ImGui::Selectable(k.c_str(), k == cm_.key)) cm_.key = k;
    ImGui::EndCombo();
  }
  ImGui::SameLine(0, 24);
  int n = int(cm_.normalize);
  ImGui::AlignTextToFramePadding();
  ImGui::TextDisabled("values");
  ImGui::SameLine();
  ImGui::RadioButton("counts", &n, 0);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("samples per cell");
  ImGui::SameLine();
  ImGui::RadioButton("by true (recall)", &n, 1);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("each row divided by its sum: recall on the diagonal");
  ImGui::SameLine();
  ImGui::RadioButton("by predicted (precision)", &n, 2);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("each column divided by its sum: precision on the diagonal");
  cm_.normalize = cm_normalize(n);
  ImGui::SameLine(0, 24);
  ImGui::Checkbox("difference", &cm_.diff);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("B - A: what a change fixed (blue) and what it broke (red)");
  if (cm_.diff) {
    ImGui::SameLine();
    if (!cm_.run_b.empty()) {
      int mode = cm_.diff_steps ? 1 : 0;
      ImGui::RadioButton("two runs", &mode, 0);
      ImGui::SameLine();
      ImGui::RadioButton("two steps", &mode, 1);
      cm_.diff_steps = mode == 1;
    }
    if (!cm_.diff_steps) {
      ImGui::SameLine();
      ImGui::TextUnformatted("B");
      ImGui::SameLine();
      run_combo("##run_b", cm_.run_b, cm_.run_a);
    }
  }

  // The step slider(s): one position per logged step; play steps through training.
  auto slider = [&](const char* id, const char* label, const std::vector<std::int64_t>& steps,
                    std::optional<std::int64_t>& step, std::optional<std::int64_t> dflt) {
    if (steps.empty()) return;
    std::size_t pos = *step_position(steps, step ? step : dflt);
    int p = int(pos);
    char fmt[64];
    std::snprintf(fmt, sizeof fmt, "%s %lld  (%d/%zu)", label, static_cast<long long>(steps[pos]),
                  p + 1, steps.size());
    ImGui::SetNextItemWidth(std::min(ImGui::GetContentRegionAvail().x * 0.4f, 520.0f));
    if (ImGui::SliderInt(id, &p, 0, int(steps.size()) - 1, fmt, ImGuiSliderFlags_AlwaysClamp))
      step = steps[std::size_t(p)];
  };
  ImGui::AlignTextToFramePadding();
  const bool one_run_diff = cm_.diff && cm_.diff_steps;
  static double next_play = 0;
  static bool playing = false;
  if (ImGui::Button(playing ? "pause" : "play")) {
    playing = !playing;
    if (playing && step_position(steps_a, cm_.step) == steps_a.size() - 1 && !steps_a.empty())
      cm_.step = steps_a.front();
    next_play = ImGui::GetTime() + 0.6;
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("step through every logged step");
  if (playing && !steps_a.empty() && ImGui::GetTime() >= next_play && !opts_.screenshot.size()) {
    std::size_t pos = *step_position(steps_a, cm_.step);
    if (pos + 1 < steps_a.size())
      cm_.step = steps_a[pos + 1];
    else
      playing = false;
    next_play = ImGui::GetTime() + 0.6;
  }
  redraw_ |= playing;
  ImGui::SameLine();
  slider("##step_a", one_run_diff ? "A: step" : "step", steps_a, cm_.step,
         one_run_diff && !steps_a.empty() ? std::optional<std::int64_t>(steps_a.front())
                                          : std::nullopt);
  if (one_run_diff) {
    ImGui::SameLine();
    slider("##step_b", "B: step", steps_a, cm_.step_b, std::nullopt);
  } else if (cm_.diff && !steps_b.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("B at the same step (or the latest before it)");
  }
}

void viewer::draw_confusion_side(const metrics::confusion_matrix& a,
                                 const metrics::confusion_matrix* b) {
  const metrics::confusion_matrix& shown = b ? *b : a;
  metrics::classification_report ra = metrics::compute_report(a);
  metrics::classification_report rs = metrics::compute_report(shown);
  ImGui::Text("accuracy %.2f%%", 100.0 * rs.accuracy);
  if (b) {
    ImGui::SameLine();
    ImGui::TextColored(delta_color(rs.accuracy - ra.accuracy), "(%+.2f pts)",
                       100.0 * (rs.accuracy - ra.accuracy));
  }
  ImGui::TextDisabled("%lld samples, macro F1 %.3f", static_cast<long long>(rs.total), rs.macro.f1);
  ImGui::Spacing();
  ImGui::TextUnformatted(b ? "Per class (B, and B - A)" : "Per class");
  const ImGuiTableFlags tf = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerH |
                             ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_ScrollY;
  const float table_h =
      std::min(ImGui::GetContentRegionAvail().y * 0.55f,
               (ImGui::GetTextLineHeightWithSpacing() + 2) * float(a.size() + 1) + 8);
  if (ImGui::BeginTable("per_class", b ? 4 : 5, tf, ImVec2(0, table_h))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("class", ImGuiTableColumnFlags_WidthStretch, 2.0f);
    ImGui::TableSetupColumn("precision");
    ImGui::TableSetupColumn("recall");
    ImGui::TableSetupColumn("F1");
    if (!b) ImGui::TableSetupColumn("support");
    ImGui::TableHeadersRow();
    // Only the rows in view are drawn (100 classes: ~20 of 100 rows).
    ImGuiListClipper clip;
    clip.Begin(int(rs.per_class.size()));
    while (clip.Step())
      for (std::size_t i = std::size_t(clip.DisplayStart); i < std::size_t(clip.DisplayEnd); ++i) {
        const auto& c = rs.per_class[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(c.label.c_str());
        auto cell = [&](double v, double base) {
          ImGui::TableNextColumn();
          if (!b) {
            ImGui::Text("%.3f", v);
            return;
          }
          ImGui::Text("%.3f", v);
          ImGui::SameLine(0, 4);
          if (std::abs(v - base) < 0.0005)
            ImGui::TextDisabled(" 0");
          else
            ImGui::TextColored(delta_color(v - base), "%+.3f", v - base);
        };
        const auto& ca = ra.per_class[std::min(i, ra.per_class.size() - 1)];
        cell(c.precision, ca.precision);
        cell(c.recall, ca.recall);
        cell(c.f1, ca.f1);
        if (b) continue;
        ImGui::TableNextColumn();
        ImGui::Text("%lld", static_cast<long long>(c.support));
      }
    ImGui::EndTable();
  }
  ImGui::Spacing();
  if (b) {
    ImGui::TextUnformatted("Got worse (off-diagonal cells that grew, A -> B)");
    auto changes = biggest_changes(a, *b, 8);
    if (changes.empty()) ImGui::TextDisabled("none");
    for (const cm_change& c : changes)
      ImGui::TextColored(delta_color(-1), "%s \xe2\x86\x92 %s   %lld \xe2\x86\x92 %lld  (+%lld)",
                         a.labels()[c.true_index].c_str(), a.labels()[c.predicted_index].c_str(),
                         static_cast<long long>(c.a), static_cast<long long>(c.b),
                         static_cast<long long>(c.b - c.a));
    auto fixed = biggest_changes(*b, a, 5);
    if (!fixed.empty()) {
      ImGui::Spacing();
      ImGui::TextUnformatted("Fixed (off-diagonal cells that shrank)");
      for (const cm_change& c : fixed)
        ImGui::TextColored(delta_color(1), "%s \xe2\x86\x92 %s   %lld \xe2\x86\x92 %lld  (-%lld)",
                           a.labels()[c.true_index].c_str(), a.labels()[c.predicted_index].c_str(),
                           static_cast<long long>(c.b), static_cast<long long>(c.a),
                           static_cast<long long>(c.b - c.a));
    }
    return;
  }
  ImGui::TextUnformatted("Most confused (true \xe2\x86\x92 predicted)");
  auto pairs = metrics::most_confused(shown);
  if (pairs.empty()) ImGui::TextDisabled("none: every sample is on the diagonal");
  const std::size_t show = std::min<std::size_t>(pairs.size(), 12);
  for (std::size_t i = 0; i < show; ++i) {
    const auto& p = pairs[i];
    char line[256];
    std::snprintf(line, sizeof line, "%s \xe2\x86\x92 %s", p.true_label.c_str(),
                  p.predicted_label.c_str());
    ImGui::PushID(int(i));
    if (ImGui::Selectable(line, cm_.focus_pair == int(i), 0,
                          ImVec2(ImGui::GetContentRegionAvail().x - 60, 0))) {
      // Open the samples of this pair (fastai: which images were mistaken, and how).
      cm_.focus_pair = int(i);
      sm_.query.truth = p.true_label;
      sm_.query.predicted = p.predicted_label;
      sm_.step = std::nullopt;
      set_view(view_id::samples);
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("open these samples in the Samples tab");
    ImGui::SameLine(ImGui::GetContentRegionAvail().x - 50 + ImGui::GetCursorPosX() -
                    ImGui::GetCursorPosX());
    ImGui::Text("%lld", static_cast<long long>(p.count));
    ImGui::PopID();
  }
  if (pairs.size() > show) ImGui::TextDisabled("... %zu more pairs", pairs.size() - show);
}

}  // namespace tracker::ui
