// viewer.hpp — the viewer: one class, one file per panel (Tracy's split).
//
//   viewer.cpp        the frame: tab bar over view_table, status bar, store errors
//   runs_view.cpp     the runs table, filter box, grouping, details panel
//   charts_view.cpp   chart sections, search, pins, toolbar, grouped lines
//   confusion_view.cpp  confusion heatmap, normalize, step slider, scores, most confused,
//                       difference mode (two runs, or two steps of one run)
//   samples_view.cpp  a logged table with image thumbnails: list and grid, sort, filters
//   compare_view.cpp  config diff, metric deltas by goal, overlaid charts of the runs
//   histograms_view.cpp  histograms over steps as offset ridges, step slider, statistics
//   parameters_view.cpp  parallel coordinates of the runs; brushing filters the runs table
//   production_view.cpp  a model run in production: drift table, distributions reference vs
//                        production, over time, confusion matrices, flagged samples
//
// A viewer reads a data_feed (the loader thread, or a synchronous feed in tests) and draws
// into the current ImGui context; it owns view state only (selection, filter, sort, chart
// ranges), never store data. Part 2 views (confusion, samples, compare, histograms,
// parameters) are further draw_*_view files and rows of view_table (model/options.hpp).
//
// Lifecycle: construct with a feed and the options; call frame() between ImGui::NewFrame()
// and ImGui::Render(); ready() tells screenshot mode that the data on screen is complete.
#pragma once

#include "model/catalog.hpp"
#include "model/compare.hpp"
#include "model/confusion.hpp"
#include "model/histograms.hpp"
#include "model/parallel.hpp"
#include "model/production_loader.hpp"
#include "model/image_cache.hpp"
#include "model/samples.hpp"
#include "widgets/texture.hpp"
#include "model/filter.hpp"
#include "model/loader.hpp"
#include "model/options.hpp"
#include "widgets/chart.hpp"

#include <array>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace tracker::ui {

// Charts draw at most this many of the selected runs (newest first): W&B draws 10 by default;
// 100 keeps a frame and the series cache bounded when "select all" picks 1,000 runs.
constexpr std::size_t max_chart_runs = 100;

struct chart_settings {
  x_axis axis = x_axis::step;
  float smoothing = 0.6f;
  bool log_y = false;
  bool ignore_outliers = false;
  bool link_x = true;
  enum class grouping : std::uint8_t { none, all, config } group = grouping::none;
  std::string group_key;     // config key when group == config
  bool band_stddev = false;  // group band: +-1 std (else min..max)
  std::string search;        // substring, or a regex when search_regex
  bool search_regex = false;
  int columns = 3;
};

class viewer {
 public:
  viewer(data_feed& feed, const app_options& opts);

  // Draws one frame of the whole viewer into the current ImGui context (full viewport).
  void frame();

  view_id active_view() const { return view_; }
  void set_view(view_id v);
  // Screenshot mode: true once the catalog is loaded, the initial selection is applied and
  // every series the visible charts want is loaded at the resolution they need.
  bool ready() const { return ready_; }
  // True while something on screen moves by itself (a live run's pulse): the window loop then
  // redraws ~20 times a second; otherwise it sleeps until an event or new data.
  bool animating() const { return animating_; }
  // A problem that makes a screenshot meaningless (store error, unknown --runs); empty if none.
  const std::string& fatal_error() const { return fatal_; }

  // ---- for tests -------------------------------------------------------------------------------
  selection& selected() { return sel_; }
  const std::vector<std::size_t>& visible_rows() const { return rows_; }
  const std::string& filter_error() const { return filter_error_; }
  void set_filter(const std::string& text);
  chart_settings& charts() { return chart_; }
  struct drawn_chart {
    std::string key;
    widgets::chart_result result;
    std::size_t lines = 0;
  };
  const std::vector<drawn_chart>& drawn_charts() const { return drawn_; }
  struct drawn_heatmap {
    std::string title;  // "A", "B", "B - A" or the key; "histogram" for the histograms heatmap
    std::size_t k = 0;  // classes (k x k cells); for "histogram": steps (columns)
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // the cells' rectangle in window pixels
    std::int64_t step = -1;                // the step of the matrix drawn (B's for "B - A")
  };
  const std::vector<drawn_heatmap>& drawn_heatmaps() const { return heatmaps_; }
  std::size_t drawn_ridges() const { return ridges_drawn_; }
  std::pair<std::size_t, std::size_t> drawn_parallel() const {
    return {pc_axes_drawn_, pc_lines_drawn_};
  }
  // compare: the config keys listed (differences only by default)
  const std::vector<std::string>& compared_config_keys() const { return cmp_keys_; }
  struct confusion_settings {
    std::string key;  // empty: the first confusion_matrix the run logged
    cm_normalize normalize = cm_normalize::none;
    bool diff = false;
    bool diff_steps = false;   // B is another step of run A (else: run B at its step)
    std::string run_a, run_b;  // empty: from the selection
    std::optional<std::int64_t> step, step_b;  // nullopt: the latest
    std::string message;  // why nothing is drawn (no matrices, labels differ, ...)
    int focus_pair = -1;  // the most-confused pair clicked (highlighted)
  };
  confusion_settings& confusion() { return cm_; }
  struct samples_settings {
    std::string key;  // empty: the first table the run logged
    std::optional<std::int64_t> step;
    table_query query;
    bool query_set = false;  // the default (top losses first) was applied
    bool grid = false;
    float thumb = 72;
    std::string message;
  };
  samples_settings& samples() { return sm_; }
  struct drawn_image {
    std::string path;
    bool pixels = false;  // drawn as an image (else a placeholder)
    float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  };
  const std::vector<drawn_image>& drawn_images() const { return images_drawn_; }
  std::size_t shown_samples() const { return sm_rows_.size(); }
  std::uint32_t color_of(const std::string& run_id) const;
  struct production_settings {
    std::string feature;  // whose distributions are shown (empty: the table's first row)
    drift_column sort = drift_column::drifted;  // drifted rows first by default
    bool ascending = false;
    production_window window;  // all records by default
  };
  production_settings& production() { return pd_; }
  struct drawn_production {
    struct row {
      std::string name;
      bool drifted = false;
      float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    };
    std::vector<row> rows;  // the drift table's rows drawn, top to bottom
    std::string feature;    // the overlaid feature ...
    std::array<float, 4> overlay{};  // ... and its plot rectangle
    std::size_t flagged = 0;         // flagged samples listed
    std::string window;              // the window's label, as the header shows it
    std::size_t current_rows = 0;    // production records in it
  };
  const drawn_production& drawn_production_view() const { return pd_drawn_; }

 private:
  // viewer.cpp
  void apply_initial_selection();
  // confusion_view.cpp
  void draw_confusion_view();
  void draw_confusion_toolbar(const std::vector<std::string>& runs,
                              const std::vector<std::string>& keys,
                              const std::vector<std::int64_t>& steps_a,
                              const std::vector<std::int64_t>& steps_b);
  void draw_confusion_side(const metrics::confusion_matrix& a, const metrics::confusion_matrix* b);
  // B - A as the diverging heatmap (blue better, red worse) with its tooltip and legend, in
  // `size`; the Confusion tab's difference mode and the Compare tab draw it. False (after
  // saying why) when the matrices cannot be compared (different labels).
  bool draw_cm_difference(const char* id, const metrics::confusion_matrix& a,
                          const metrics::confusion_matrix& b, std::int64_t step_b, ImVec2 size,
                          const char* title);
  // compare_view.cpp
  void draw_compare_view();
  void draw_compare_confusion(const std::string& run_a, const std::string& run_b,
                              const std::string& key, ImVec2 size);
  // histograms_view.cpp
  void draw_histograms_view();
  // The selected runs, --runs order first, then the runs table's order (the views that take
  // "the first run" or "the first two" take them from here).
  std::vector<std::string> selected_runs_in_order() const;
  void draw_histogram_heatmap(const std::vector<std::pair<std::int64_t, const metrics::histogram*>>& hs,
                              std::int64_t chosen, double lo, double hi);
  // parameters_view.cpp
  void draw_parameters_view();
  // production_view.cpp
  void draw_production_view();
  void draw_production_header(const production_data& d);
  void draw_drift_table(const production_data& d, ImVec2 size);
  void draw_production_timeline(const production_data& d, ImVec2 size);
  void draw_production_confusion(const production_data& d, ImVec2 size);
  void draw_flagged_samples(const production_data& d, ImVec2 size);
  // samples_view.cpp
  void draw_samples_view();
  void draw_sample_image(const std::string& path, ImVec2 size, bool hover_preview);
  void draw_sample_tooltip(const sample_table& t, std::size_t row);
  void draw_status_bar();
  void draw_store_error();
  // runs_view.cpp
  void draw_runs_view();
  void draw_runs_toolbar();
  void draw_runs_table(float height);
  void draw_run_details(const run_row& row);
  void draw_columns_popup();
  void refresh_rows();
  void draw_color_swatch(const std::string& id, float size);
  // charts_view.cpp
  void draw_charts_view();
  void draw_charts_toolbar();
  void draw_selected_runs_panel();
  std::vector<std::string> chart_keys() const;
  void draw_chart(const std::string& key, ImVec2 size, std::vector<series_want>& wants);
  const plot_series* plot_for(const std::string& run_id, const std::string& key);

  data_feed& feed_;
  app_options opts_;
  std::shared_ptr<const snapshot> snap_;
  view_id view_ = view_id::runs;
  bool view_requested_ = true;  // select the tab once (from --view or set_view)
  bool ready_ = false;
  bool animating_ = false;
  int settled_frames_ = 0;
  std::string fatal_;
  bool initial_selection_done_ = false;

  // runs view
  selection sel_;
  std::string focused_;  // the run whose details are shown
  std::string filter_text_;
  std::string filter_error_;
  run_filter_expr filter_;
  std::vector<sort_spec> sort_;
  std::vector<column_ref> extra_columns_;
  bool extra_columns_initialised_ = false;
  group_by group_;
  std::vector<std::size_t> rows_;  // filtered + sorted indices into the catalog
  std::uint64_t rows_generation_ = ~0ull;
  bool rows_dirty_ = true;
  bool show_details_ = true;
  std::map<std::string, std::uint32_t> color_override_;

  // charts view
  chart_settings chart_;
  std::string search_error_;
  std::set<std::string> pinned_;
  widgets::chart_range linked_range_;
  std::map<std::string, widgets::chart_range> own_range_;
  std::map<std::string, widgets::chart_state> chart_state_;
  std::map<std::string, int> plot_width_;  // from the last frame, for bucket requests
  struct plot_cache_entry {
    std::shared_ptr<const series_data> source;
    x_axis axis;
    float smoothing;
    plot_series plot;
  };
  std::map<series_id, plot_cache_entry> plots_;
  std::map<std::pair<std::string, std::string>, widgets::line_cache> line_caches_;  // (chart, run)
  std::vector<drawn_chart> drawn_;
  std::vector<series_want> last_wants_;
  std::vector<object_want> object_wants_;       // this frame's
  std::vector<object_want> last_object_wants_;  // sent to the feed
  bool objects_complete_ = true;                // every body this frame drew has arrived
  bool redraw_ = false;                         // a view animates (play) this frame
  std::vector<std::string> initial_runs_;       // --runs, resolved, in the order given
  confusion_settings cm_;
  std::vector<drawn_heatmap> heatmaps_;
  std::vector<std::string> cmp_keys_;
  std::size_t ridges_drawn_ = 0;
  struct parsed_cm {
    std::shared_ptr<const object_body> source;
    std::shared_ptr<const metrics::confusion_matrix> cm;
    std::string error;
  };
  std::map<object_id, parsed_cm> parsed_;  // parse each body once
  // The last matrices drawn (A, and B of a difference): while the slider's new step is being
  // read (a frame or two), these stay on screen, so the view never blanks during a drag.
  struct shown_cm {
    std::string run, key;
    std::int64_t step = -1;
    std::shared_ptr<const metrics::confusion_matrix> cm;
  };
  shown_cm cm_shown_a_, cm_shown_b_;
  std::map<std::string, std::pair<double, double>> brushes_;  // parameters: axis -> 0..1 range
  std::size_t pc_axes_drawn_ = 0, pc_lines_drawn_ = 0;
  std::string hist_key_;  // histograms: the key shown (empty: the first)
  std::optional<std::int64_t> hist_step_;
  bool hist_heatmap_ = false;  // value bins x steps (else offset ridges)
  struct parsed_hist {
    std::shared_ptr<const object_body> source;
    std::optional<metrics::histogram> h;
  };
  std::map<object_id, parsed_hist> hists_;
  bool cmp_all_config_ = false;  // compare: every config key (else differences only)
  summary_field cmp_field_ = summary_field::last;
  samples_settings sm_;
  std::unique_ptr<image_cache> images_;
  widgets::texture_cache textures_;
  std::vector<drawn_image> images_drawn_;
  struct parsed_tb {
    std::shared_ptr<const object_body> source;
    std::shared_ptr<const sample_table> t;
    std::string error;
  };
  std::map<object_id, parsed_tb> tables_;
  std::vector<std::size_t> sm_rows_;
  const sample_table* sm_rows_of_ = nullptr;  // the table and query sm_rows_ were computed for
  table_query sm_rows_query_;
  // production view: its own loader thread (started when the tab is first drawn), the data
  // drawn (kept while a reload runs), the sorted drift rows and the timeline's lines
  production_settings pd_;
  drawn_production pd_drawn_;
  std::unique_ptr<production_loader> pd_loader_;
  std::shared_ptr<const production_data> pd_data_;
  std::vector<drift_row> pd_rows_;
  const production_data* pd_rows_of_ = nullptr;
  std::vector<plot_series> pd_lines_;
  const production_data* pd_lines_of_ = nullptr;
  widgets::chart_range pd_range_;
  widgets::chart_state pd_chart_;
  const parsed_cm* confusion_at(const std::string& run, const std::string& key, std::int64_t step);
  x_axis range_axis_ = x_axis::step;                           // the axis the stored ranges are in
  double hover_x_ = std::numeric_limits<double>::quiet_NaN();  // hovered x, this frame
  double hover_x_prev_ = std::numeric_limits<double>::quiet_NaN();  // ... and the last one
};

}  // namespace tracker::ui
