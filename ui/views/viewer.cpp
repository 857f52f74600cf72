// viewer.cpp — the frame: the tab bar over the view table, the status bar, store errors,
// and the readiness rule of screenshot mode.
#include "views/viewer.hpp"

#include "widgets/theme.hpp"

#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <ctime>

namespace tracker::ui {

namespace {
// ImGui 1.86 indexes io.KeysDown by the backend's key codes; the app's backend is GLFW, whose
// GLFW_KEY_F5 is 294 (views do not include GLFW).
constexpr int key_f5 = 294;
}  // namespace

viewer::viewer(data_feed& feed, const app_options& opts)
    : feed_(feed), opts_(opts), view_(opts.view) {
  chart_.axis = opts.axis;
  chart_.smoothing = static_cast<float>(opts.smoothing);
  range_axis_ = opts.axis;
  if (opts.keys.size() == 1) chart_.columns = 1;
  if (opts.group == "all") {
    chart_.group = chart_settings::grouping::all;
  } else if (!opts.group.empty()) {
    chart_.group = chart_settings::grouping::config;
    chart_.group_key = opts.group.rfind("config.", 0) == 0 ? opts.group.substr(7) : opts.group;
  }
  cm_.key = opts.key;
  hist_key_ = opts.key;
  hist_step_ = opts.step;
  sm_.key = opts.key;
  pd_.feature = opts.key;
  pd_.window.since = opts.since;
  pd_.window.until = opts.until;
  pd_.window.last = opts.last;
  sm_.step = opts.step;
  sm_.grid = opts.samples_grid;
  hist_heatmap_ = opts.histogram_heatmap;
  cm_.step = opts.step;
  cm_.step_b = opts.step_b;
  cm_.diff = opts.diff;
  cm_.normalize = parse_normalize(opts.normalize).value_or(cm_normalize::none);
  snap_ = feed_.latest();
}

void viewer::set_view(view_id v) {
  view_ = v;
  view_requested_ = true;
}

std::uint32_t viewer::color_of(const std::string& run_id) const {
  auto it = color_override_.find(run_id);
  if (it != color_override_.end()) return it->second;
  const run_row* row = snap_ ? snap_->cat->find(run_id) : nullptr;
  return row ? row->color : run_color(run_id);
}

void viewer::apply_initial_selection() {
  // A store that had no runs when it opened: select the first run that appears.
  if (initial_selection_done_ && snap_->loaded && opts_.runs.empty() && sel_.empty() &&
      fatal_ == "the store has no runs" && !snap_->cat->runs.empty()) {
    fatal_.clear();
    initial_selection_done_ = false;
  }
  if (initial_selection_done_ || !snap_->loaded) return;
  initial_selection_done_ = true;
  const catalog& cat = *snap_->cat;
  std::vector<std::string> refs =
      opts_.runs.empty() ? std::vector<std::string>{"latest"} : opts_.runs;
  std::vector<std::string> ids;
  for (const std::string& ref : refs) {
    std::string why;
    auto id = cat.resolve(ref, &why);
    if (!id) {
      // Interactively this is a note in the status bar; screenshot mode exits 2 with it.
      fatal_ = cat.runs.empty() ? "the store has no runs" : "--runs " + ref + ": " + why;
      continue;
    }
    ids.push_back(*id);
  }
  sel_.set(ids);
  initial_runs_ = ids;
  if (!ids.empty()) focused_ = ids.front();
}

std::vector<std::string> viewer::selected_runs_in_order() const {
  std::vector<std::string> runs;
  auto add = [&](const std::string& id) {
    if (std::find(runs.begin(), runs.end(), id) == runs.end()) runs.push_back(id);
  };
  for (const std::string& id : initial_runs_)
    if (sel_.contains(id)) add(id);
  for (const std::string& id : sel_.ordered(*snap_->cat)) add(id);
  return runs;
}

void viewer::set_filter(const std::string& text) {
  filter_text_ = text;
  filter_parse_result r = parse_filter(text);
  if (r.ok) {
    filter_ = std::move(r.expr);
    filter_error_.clear();
  } else {
    filter_error_ = r.error;  // keep the last valid filter applied while the user types
  }
  rows_dirty_ = true;
}

void viewer::frame() {
  snap_ = feed_.latest();
  apply_initial_selection();
  if (snap_->loaded) sel_.retain(*snap_->cat);
  drawn_.clear();
  heatmaps_.clear();
  images_drawn_.clear();
  ridges_drawn_ = 0;
  pc_axes_drawn_ = pc_lines_drawn_ = 0;
  pd_drawn_ = {};
  object_wants_.clear();
  objects_complete_ = true;
  redraw_ = false;

  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(vp->WorkPos);
  ImGui::SetNextWindowSize(vp->WorkSize);
  ImGui::Begin("tracker-ui", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                   ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoBringToFrontOnFocus);

  if (!snap_->loaded) {
    draw_store_error();
    ImGui::End();
    ready_ = false;
    return;
  }

  const float status_h = ImGui::GetFrameHeight() + 6;
  ImGui::BeginChild("main", ImVec2(0, -status_h), false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  if (ImGui::BeginTabBar("views")) {
    for (const view_info& v : view_table) {
      ImGuiTabItemFlags flags = 0;
      if (view_requested_ && v.id == view_) flags |= ImGuiTabItemFlags_SetSelected;
      if (ImGui::BeginTabItem(v.title, nullptr, flags)) {
        if (!view_requested_) view_ = v.id;
        switch (v.id) {
          case view_id::runs:
            draw_runs_view();
            break;
          case view_id::charts:
            draw_charts_view();
            break;
          case view_id::confusion:
            draw_confusion_view();
            break;
          case view_id::samples:
            draw_samples_view();
            break;
          case view_id::compare:
            draw_compare_view();
            break;
          case view_id::histograms:
            draw_histograms_view();
            break;
          case view_id::parameters:
            draw_parameters_view();
            break;
          case view_id::production:
            draw_production_view();
            break;
        }
        ImGui::EndTabItem();
      }
    }
    view_requested_ = false;
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  draw_status_bar();
  ImGui::End();
  textures_.end_frame();
  // Thumbnails decoding or a matrix playing: keep drawing (the decoder does not wake the loop).
  animating_ |= redraw_ || !objects_complete_;

  // Only the charts and compare views ask for series; others let the loader forget them.
  if (view_ != view_id::charts && view_ != view_id::compare) {
    if (!last_wants_.empty()) feed_.want({});
    last_wants_.clear();
  }
  // Objects (confusion matrices, ...): the views that drew this frame asked for these.
  if (object_wants_ != last_object_wants_) {
    feed_.want_objects(object_wants_);
    last_object_wants_ = object_wants_;
  }
  // Ready when the snapshot this frame drew answers exactly the series and objects this frame
  // asked for, for a few frames in a row (layout and plot widths settle first).
  bool settled = snap_->loaded && snap_->settled && initial_selection_done_ &&
                 snap_->served == last_wants_ && snap_->served_objects == last_object_wants_ &&
                 objects_complete_;
  settled_frames_ = settled ? settled_frames_ + 1 : 0;
  ready_ = settled_frames_ >= 3;
}

void viewer::draw_store_error() {
  const auto& tc = widgets::colors();
  ImVec2 avail = ImGui::GetContentRegionAvail();
  ImGui::SetCursorPos(ImVec2(avail.x * 0.2f, avail.y * 0.35f));
  ImGui::BeginGroup();
  if (snap_->error.empty()) {
    ImGui::TextDisabled("Opening %s ...", opts_.store.c_str());
  } else {
    ImGui::TextColored(tc.error, "Cannot open the store");
    ImGui::Spacing();
    ImGui::PushTextWrapPos(avail.x * 0.8f);
    ImGui::TextUnformatted(snap_->error.c_str());
    ImGui::Spacing();
    ImGui::TextDisabled("tracker-ui retries every second; it never writes to the store.");
    ImGui::PopTextWrapPos();
  }
  ImGui::EndGroup();
}

void viewer::draw_status_bar() {
  const auto& tc = widgets::colors();
  const catalog& cat = *snap_->cat;
  std::size_t live = 0;
  for (const run_row& r : cat.runs) live += r.live();
  animating_ = live > 0;
  ImGui::Separator();
  // F5 (or the button) reads the store now instead of at the next poll.
  if (ImGui::SmallButton("refresh") || ImGui::IsKeyPressed(key_f5, false)) feed_.refresh_now();
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("read the store now (F5); it is also polled every second");
  ImGui::SameLine();
  ImGui::TextDisabled("%s", opts_.store.c_str());
  ImGui::SameLine();
  ImGui::TextDisabled("|  %zu runs  |  %zu selected", cat.runs.size(), sel_.size());
  if (live) {
    ImGui::SameLine();
    float pulse = 0.6f + 0.4f * std::sin(float(ImGui::GetTime()) * 4.0f);
    ImVec4 c = tc.running;
    c.w = pulse;
    ImGui::TextColored(c, "|  live: %zu running, refreshing every second", live);
  }
  if (!snap_->error.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(tc.error, "|  %s", snap_->error.c_str());
  }
  if (!fatal_.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(tc.error, "|  %s", fatal_.c_str());
  }
}

}  // namespace tracker::ui
