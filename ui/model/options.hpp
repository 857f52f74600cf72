// options.hpp — tracker-ui's command line and the list of views (kept here, in one place:
// part 2 adds confusion|samples|compare|histograms|parameters, production monitoring adds
// production — each is one row in view_table below and one view file).
#pragma once

#include "model/series.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::ui {

enum class view_id : std::uint8_t {
  runs,
  charts,
  confusion,
  samples,
  compare,
  histograms,
  parameters,
  production
};

struct view_info {
  view_id id;
  const char* name;   // the --view value
  const char* title;  // the tab title
};

inline constexpr view_info view_table[] = {
    {view_id::runs, "runs", "Runs"},
    {view_id::charts, "charts", "Charts"},
    {view_id::confusion, "confusion", "Confusion"},
    {view_id::samples, "samples", "Samples"},
    {view_id::compare, "compare", "Compare"},
    {view_id::histograms, "histograms", "Histograms"},
    {view_id::parameters, "parameters", "Parameters"},
    {view_id::production, "production", "Production"},
};

std::optional<view_id> parse_view(std::string_view name) noexcept;
const view_info& info(view_id v) noexcept;
std::string view_names();  // "runs|charts"

struct app_options {
  std::string store;              // --store, else $TRACKER_DIR, else ./tracker-store
  std::string screenshot;         // --screenshot FILE.png (empty: interactive)
  view_id view = view_id::runs;   // --view
  std::vector<std::string> runs;  // --runs A,B,... (ids, unique names, latest)
  std::vector<std::string> keys;  // --keys K1,K2,...
  x_axis axis = x_axis::step;     // --x
  double smoothing = 0.6;         // --smoothing W (0..0.999)
  std::string group;              // --group all|CONFIG_KEY: one line per group in charts
  std::string layout;             // --layout FILE.json: drawn charts' geometry (for tests)
  // part 2 views
  std::string key;                     // --key: which confusion matrix / table / histogram / feature
  std::optional<std::int64_t> step;    // --step (default: the latest)
  std::optional<std::int64_t> step_b;  // --step-b: the second step of a one-run difference
  std::string normalize = "none";      // --normalize none|true|pred
  bool diff = false;                   // --diff: B - A (first two --runs, or --step/--step-b)
  bool histogram_heatmap = false;      // --histogram-mode heatmap (else offset ridges)
  bool samples_grid = false;           // --samples-mode grid (else list)
  // production: which records are compared with the reference (default: all)
  std::optional<double> since, until;  // --since / --until T: unix seconds, inclusive
  std::size_t last = 0;                // --last N: only the newest N (0: no limit)
  int width = 1600;                    // --width / --height
  int height = 1000;
  bool help = false;
};

// Parses argv[1..]. Throws std::invalid_argument with a message that names the problem.
app_options parse_options(const std::vector<std::string>& args);
std::string usage();

}  // namespace tracker::ui
