// charts_view.cpp — one chart per metric key of the selected runs, in collapsible sections by
// key prefix, with a search box, pins, a shared toolbar and grouped lines.
#include "views/viewer.hpp"

#include "model/axis.hpp"
#include "widgets/theme.hpp"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <regex>

namespace tracker::ui {

namespace {

std::string section_of(const std::string& key) {
  auto slash = key.find('/');
  return slash == std::string::npos ? "metrics" : key.substr(0, slash);
}

// What a user opens the charts for comes first: train/, then val/ (and its spellings), then
// test/; other prefixes alphabetical; the diagnostics of watch() (weights*, gradients*) after
// them and system/ last, like W&B's workspace.
int section_rank(const std::string& s) {
  if (s == "train") return 0;
  if (s == "val" || s == "valid" || s == "validation" || s == "eval") return 1;
  if (s == "test") return 2;
  if (s == "system") return 5;
  if (s.rfind("weights", 0) == 0 || s.rfind("gradients", 0) == 0) return 4;
  return 3;
}
bool section_less(const std::string& a, const std::string& b) {
  int ra = section_rank(a), rb = section_rank(b);
  return ra != rb ? ra < rb : a < b;
}

// SameLine() when an item of width w still fits on this line, else start a new line: the
// toolbar wraps on narrow windows instead of running off the edge.
void next_item(float w) {
  ImGui::SameLine();
  float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetCursorScreenPos().x + w > right) ImGui::NewLine();
}

}  // namespace

std::vector<std::string> viewer::chart_keys() const {
  const catalog& cat = *snap_->cat;
  std::set<std::string> keys;
  for (const std::string& id : sel_.ids())
    if (const run_row* r = cat.find(id))
      for (const auto& [k, m] : r->metrics) keys.insert(k);
  std::vector<std::string> out;
  if (!opts_.keys.empty()) {
    for (const std::string& k : opts_.keys) out.push_back(k);  // --keys: exactly these, in order
    return out;
  }
  std::optional<std::regex> re;
  if (chart_.search_regex && !chart_.search.empty()) {
    try {
      re.emplace(chart_.search, std::regex::icase);
    } catch (const std::regex_error&) {
    }
  }
  for (const std::string& k : keys) {
    if (!chart_.search.empty()) {
      if (re) {
        if (!std::regex_search(k, *re)) continue;
      } else {
        std::string lk = k, ls = chart_.search;
        std::transform(lk.begin(), lk.end(), lk.begin(), ::tolower);
        std::transform(ls.begin(), ls.end(), ls.begin(), ::tolower);
        if (lk.find(ls) == std::string::npos) continue;
      }
    }
    out.push_back(k);
  }
  return out;
}

const plot_series* viewer::plot_for(const std::string& run_id, const std::string& key) {
  auto data = snap_->find(run_id, key);
  series_id id{run_id, key};
  if (!data) {
    plots_.erase(id);
    return nullptr;
  }
  auto it = plots_.find(id);
  if (it == plots_.end() || it->second.source != data || it->second.axis != chart_.axis ||
      it->second.smoothing != chart_.smoothing) {
    plot_cache_entry e{data, chart_.axis, chart_.smoothing,
                       make_plot(*data, chart_.axis, chart_.smoothing)};
    it = plots_.insert_or_assign(id, std::move(e)).first;
  }
  return &it->second.plot;
}

void viewer::draw_charts_toolbar() {
  const catalog& cat = *snap_->cat;
  ImGui::SetNextItemWidth(200);
  ImGui::InputTextWithHint("##search", chart_.search_regex ? "search keys (regex)" : "search keys",
                           &chart_.search);
  next_item(70);
  ImGui::Checkbox("regex", &chart_.search_regex);
  search_error_.clear();
  if (chart_.search_regex && !chart_.search.empty()) {
    try {
      std::regex check(chart_.search);
    } catch (const std::regex_error& e) {
      search_error_ = e.what();
    }
  }
  next_item(150);
  ImGui::SetNextItemWidth(150);
  const char* axes[] = {"x: step", "x: relative time", "x: wall time"};
  int axis = int(chart_.axis);
  if (ImGui::Combo("##x", &axis, axes, 3)) chart_.axis = x_axis(axis);
  next_item(240);
  ImGui::SetNextItemWidth(150);
  ImGui::SliderFloat("smoothing", &chart_.smoothing, 0.0f, 0.999f, "%.3f");
  next_item(70);
  ImGui::Checkbox("log y", &chart_.log_y);
  next_item(140);
  ImGui::Checkbox("ignore outliers", &chart_.ignore_outliers);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("clip the y-range to the 5th..95th percentile of the visible values");
  next_item(70);
  ImGui::Checkbox("link x", &chart_.link_x);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("zoom and pan every chart together");
  next_item(190);
  ImGui::SetNextItemWidth(190);
  std::string label = chart_.group == chart_settings::grouping::none ? "no grouping"
                      : chart_.group == chart_settings::grouping::all
                          ? "group: all selected"
                          : "group: " + chart_.group_key;
  if (ImGui::BeginCombo("##cgroup", label.c_str())) {
    if (ImGui::Selectable("no grouping", chart_.group == chart_settings::grouping::none))
      chart_.group = chart_settings::grouping::none;
    if (ImGui::Selectable("group: all selected", chart_.group == chart_settings::grouping::all))
      chart_.group = chart_settings::grouping::all;
    for (const std::string& k : cat.config_keys)
      if (ImGui::Selectable(
              ("group: " + k).c_str(),
              chart_.group == chart_settings::grouping::config && chart_.group_key == k)) {
        chart_.group = chart_settings::grouping::config;
        chart_.group_key = k;
      }
    ImGui::EndCombo();
  }
  if (chart_.group != chart_settings::grouping::none) {
    next_item(140);
    ImGui::SetNextItemWidth(140);
    const char* bands[] = {"band: min-max", "band: ±1 std"};
    int b = chart_.band_stddev ? 1 : 0;
    if (ImGui::Combo("##band", &b, bands, 2)) chart_.band_stddev = b == 1;
  }
}

void viewer::draw_selected_runs_panel() {
  const catalog& cat = *snap_->cat;
  ImGui::TextDisabled("SELECTED RUNS (%zu)", sel_.size());
  if (sel_.size() > max_chart_runs) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(widgets::colors().crashed, "charts show the newest %zu", max_chart_runs);
    ImGui::PopTextWrapPos();
  }
  ImGui::Separator();
  for (const std::string& id : sel_.ordered(cat)) {
    const run_row* r = cat.find(id);
    if (!r) continue;
    draw_color_swatch(id, 12.0f);
    ImGui::SameLine(0, 6);
    ImGui::PushID(id.c_str());
    bool focused = focused_ == id;
    if (ImGui::Selectable(r->info.name.c_str(), focused)) focused_ = id;
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s  ·  %s  ·  %s", id.c_str(), r->info.project.c_str(),
                        to_string(r->info.status));
    ImGui::PopID();
    if (r->live()) {
      ImGui::SameLine();
      ImGui::TextColored(widgets::colors().running, "live");
    }
  }
  if (sel_.empty()) {
    ImGui::PushTextWrapPos(0);
    ImGui::TextDisabled(
        "Select runs in the Runs tab (click, ctrl-click, shift-click) to chart them.");
    ImGui::PopTextWrapPos();
  }
}

void viewer::draw_chart(const std::string& key, ImVec2 size, std::vector<series_want>& wants) {
  const catalog& cat = *snap_->cat;
  widgets::chart_range& range = chart_.link_x ? linked_range_ : own_range_[key];
  widgets::chart_state& state = chart_state_[key];
  // Off-screen charts cost nothing: no data, no wants (the loader forgets their series).
  if (!ImGui::IsRectVisible(size)) {
    ImGui::Dummy(size);
    return;
  }
  int width = plot_width_.count(key) ? plot_width_[key] : int(size.x) - 80;
  std::vector<std::string> ids = sel_.ordered(cat);
  // Memory and frame time follow the lines drawn: past max_chart_runs the newest are charted.
  if (ids.size() > max_chart_runs) ids.resize(max_chart_runs);
  std::vector<widgets::chart_line> lines;
  std::vector<std::string> labels;
  labels.reserve(ids.size());
  std::vector<const plot_series*> plots;
  std::vector<std::string> line_ids;
  for (const std::string& id : ids) {
    const run_row* r = cat.find(id);
    if (!r || !r->metrics.count(key)) continue;
    wants.push_back(series_want{id, key, chart_.axis, range.x0, range.x1, std::max(50, width)});
    const plot_series* p = plot_for(id, key);
    if (!p) continue;
    labels.push_back(r->info.name);
    plots.push_back(p);
    line_ids.push_back(id);
  }
  for (std::size_t i = 0; i < plots.size(); ++i)
    lines.push_back(widgets::chart_line{plots[i], color_of(line_ids[i]), labels[i].c_str(),
                                        &line_caches_[{key, line_ids[i]}]});

  // Grouped lines: mean with a band, one per group; the member runs are not drawn.
  std::vector<group_line> group_data;
  std::vector<std::string> group_labels;
  std::vector<widgets::chart_group_line> groups;
  if (chart_.group != chart_settings::grouping::none && !plots.empty()) {
    std::map<std::string, std::vector<const plot_series*>> members;
    for (std::size_t i = 0; i < plots.size(); ++i) {
      std::string g = "all selected";
      if (chart_.group == chart_settings::grouping::config) {
        const run_row* r = cat.find(line_ids[i]);
        auto it = r->config.find(chart_.group_key);
        g = chart_.group_key + " = " + (it == r->config.end() ? "(missing)" : it->second.text);
      }
      members[g].push_back(plots[i]);
    }
    double x0 = range.x0, x1 = range.x1;
    if (range.is_auto()) {
      x0 = std::numeric_limits<double>::infinity(), x1 = -x0;
      for (const plot_series* p : plots)
        if (!p->pts.empty())
          x0 = std::min(x0, p->pts.front().x), x1 = std::max(x1, p->pts.back().x);
    }
    group_data.reserve(members.size());
    for (auto& [g, m] : members) {
      group_data.push_back(group_series(m, x0, x1, std::max(32, width / 3), chart_.smoothing > 0));
      group_labels.push_back(g + " (" + std::to_string(m.size()) + ")");
    }
    // Groups take palette colours in label order, so groups of one chart never share one.
    for (std::size_t i = 0; i < members.size(); ++i) {
      groups.push_back({&group_data[i], palette_color(i % palette_size), group_labels[i].c_str(),
                        chart_.band_stddev});
    }
    lines.clear();
  }

  widgets::chart_options o;
  o.title = key.c_str();
  o.axis = chart_.axis;
  o.log_y = chart_.log_y;
  o.ignore_outliers = chart_.ignore_outliers;
  o.smoothed = chart_.smoothing > 0;
  if (chart_.link_x) o.linked_hover_x = hover_x_prev_;
  ImVec2 top_left = ImGui::GetCursorScreenPos();
  widgets::chart_result r = widgets::chart(key.c_str(), size, range, state, o, lines, groups);
  plot_width_[key] = r.plot_width_px;
  if (r.hovered) hover_x_ = r.hover_x;
  drawn_.push_back(drawn_chart{key, r, groups.empty() ? lines.size() : groups.size()});

  // Pin toggle in the chart's top-right corner.
  ImVec2 after = ImGui::GetCursorScreenPos();
  bool pinned = pinned_.count(key) > 0;
  const char* pin_label = pinned ? "unpin" : "pin";
  ImGui::SetCursorScreenPos(
      ImVec2(top_left.x + size.x - ImGui::CalcTextSize(pin_label).x - 22, top_left.y + 4));
  ImGui::PushID(key.c_str());
  ImGui::PushStyleColor(ImGuiCol_Button, ImVec4(0, 0, 0, 0));
  if (ImGui::SmallButton(pin_label)) {
    if (pinned)
      pinned_.erase(key);
    else
      pinned_.insert(key);
  }
  ImGui::PopStyleColor();
  ImGui::PopID();
  ImGui::SetCursorScreenPos(after);
}

void viewer::draw_charts_view() {
  // Ranges are in the units of an axis: switching the axis resets them.
  if (range_axis_ != chart_.axis) {
    linked_range_.reset();
    own_range_.clear();
    for (auto& [k, s] : chart_state_) s = widgets::chart_state{};
    range_axis_ = chart_.axis;
  }
  draw_charts_toolbar();
  if (!search_error_.empty())
    ImGui::TextColored(widgets::colors().error, "search: %s (showing substring matches)",
                       search_error_.c_str());
  const float panel_w = 250;
  ImGui::BeginChild("selected_runs", ImVec2(panel_w, 0), true);
  draw_selected_runs_panel();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("charts", ImVec2(0, 0), false);

  std::vector<series_want> wants;
  hover_x_prev_ = hover_x_;  // last frame's hover drives this frame's linked crosshairs
  hover_x_ = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> keys = chart_keys();
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  const float avail_w = ImGui::GetContentRegionAvail().x;

  auto grid = [&](const std::vector<std::string>& ks) {
    // As many columns as fit at >= 440 px per chart, at most chart_.columns.
    int fit = std::max(1, int((avail_w + spacing) / (440.0f + spacing)));
    int cols = std::max(1, std::min({chart_.columns, fit, int(ks.size())}));
    float w = std::floor((avail_w - spacing * float(cols - 1)) / float(cols));
    float h = std::clamp(w * 0.62f, 240.0f, 420.0f);
    if (ks.size() == 1 && !opts_.keys.empty())
      h = std::max(h, ImGui::GetContentRegionAvail().y - 8);
    for (std::size_t i = 0; i < ks.size(); ++i) {
      if (i % std::size_t(cols) != 0) ImGui::SameLine();
      draw_chart(ks[i], ImVec2(w, h), wants);
    }
  };

  if (sel_.empty()) {
    ImGui::TextDisabled("No run selected.");
  } else if (keys.empty()) {
    ImGui::TextDisabled(chart_.search.empty() ? "The selected runs have no metrics yet."
                                              : "No metric key matches the search.");
  } else if (!opts_.keys.empty()) {
    grid(keys);  // --keys: exactly these charts, no sections
  } else {
    std::vector<std::string> pinned;
    for (const std::string& k : keys)
      if (pinned_.count(k)) pinned.push_back(k);
    if (!pinned.empty() && ImGui::CollapsingHeader("Pinned", ImGuiTreeNodeFlags_DefaultOpen))
      grid(pinned);
    std::map<std::string, std::vector<std::string>,
             bool (*)(const std::string&, const std::string&)>
        sections(section_less);
    for (const std::string& k : keys)
      if (!pinned_.count(k)) sections[section_of(k)].push_back(k);
    for (auto& [name, ks] : sections) {
      std::string header = name + "  (" + std::to_string(ks.size()) + ")###" + name;
      if (ImGui::CollapsingHeader(header.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) grid(ks);
    }
  }
  ImGui::EndChild();

  if (wants != last_wants_) {
    feed_.want(wants);
    last_wants_ = std::move(wants);
  }
}

}  // namespace tracker::ui
