// options.cpp — command-line parsing for tracker-ui.
#include "model/options.hpp"

#include "model/store_source.hpp"

#include <tracker/production.hpp>

#include <charconv>

#include <stdexcept>

namespace tracker::ui {

std::optional<view_id> parse_view(std::string_view name) noexcept {
  for (const view_info& v : view_table)
    if (name == v.name) return v.id;
  return std::nullopt;
}

const view_info& info(view_id v) noexcept {
  for (const view_info& i : view_table)
    if (i.id == v) return i;
  return view_table[0];
}

std::string view_names() {
  std::string out;
  for (const view_info& v : view_table) {
    if (!out.empty()) out += '|';
    out += v.name;
  }
  return out;
}

std::string usage() {
  return "usage: tracker-ui [--store DIR]\n"
         "       tracker-ui [--store DIR] --screenshot FILE.png --view " +
         view_names() +
         "\n"
         "                  [--runs A,B,...] [--keys K1,K2,...] [--x step|relative|wall]\n"
         "                  [--smoothing W] [--group all|KEY] [--width W --height H]\n"
         "                  [--key K] [--step S] [--normalize none|true|pred]\n"
         "                  [--diff [--step-b S]] [--histogram-mode offset|heatmap]\n"
         "                  [--samples-mode list|grid] [--since T] [--until T] [--last N]\n"
         "--store DIR   the store (default: $TRACKER_DIR, else ./tracker-store)\n"
         "--runs        run ids, unique names or 'latest' (default: latest)\n"
         "--keys        only these charts; one key fills the view\n"
         "--smoothing   exponential moving average weight, 0..0.999 (default 0.6)\n"
         "--group G     charts: one mean line per group, G = all or a config key\n"
         "--key K       confusion / samples / histograms: which matrix, table or histogram;\n"
         "              production: the feature whose distributions are shown\n"
         "              (default: the first)\n"
         "--step S      confusion / samples / histograms: which step (default: the latest)\n"
         "--normalize   confusion: none (counts), true (by row: recall), pred (by column)\n"
         "--diff        confusion: B - A of the first two --runs, or of --step and --step-b\n"
         "              when one run is given\n"
         "--histogram-mode  histograms: offset (ridges over steps, default) or heatmap\n"
         "              (value bins x steps)\n"
         "--samples-mode    samples: list (every column, default) or grid (thumbnails)\n"
         "--since T, --until T  production: only records from / up to time T (ISO-8601,\n"
         "              e.g. 2026-11-22T10:00:00Z, or unix seconds; inclusive)\n"
         "--last N      production: only the newest N records (of the --since/--until range)\n"
         "--layout F    with --screenshot: also write the charts' plot rectangles and axis\n"
         "              ranges as JSON (for tests)\n";
}

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

double to_double(const std::string& flag, const std::string& v) {
  try {
    std::size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (...) {
  }
  throw std::invalid_argument(flag + " expects a number, got '" + v + "'");
}

double to_time(const std::string& flag, const std::string& v) {
  if (auto t = tracker::production::parse_time(v)) return *t;
  throw std::invalid_argument(flag + " expects ISO-8601 (2026-11-22T10:00:00Z) or unix seconds, got '" +
                              v + "'");
}

}  // namespace

app_options parse_options(const std::vector<std::string>& args) {
  app_options o;
  o.store = default_store_dir();
  bool have_view = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--store") {
      o.store = value();
    } else if (a == "--screenshot") {
      o.screenshot = value();
      if (o.screenshot.empty()) throw std::invalid_argument("--screenshot needs a file name");
    } else if (a == "--view") {
      std::string v = value();
      auto id = parse_view(v);
      if (!id)
        throw std::invalid_argument("unknown view '" + v + "' (expected " + view_names() + ")");
      o.view = *id;
      have_view = true;
    } else if (a == "--group") {
      o.group = value();
      if (o.group.empty()) throw std::invalid_argument("--group needs 'all' or a config key");
    } else if (a == "--layout") {
      o.layout = value();
    } else if (a == "--runs") {
      o.runs = split_list(value());
      if (o.runs.empty()) throw std::invalid_argument("--runs needs at least one run");
    } else if (a == "--keys") {
      o.keys = split_list(value());
      if (o.keys.empty()) throw std::invalid_argument("--keys needs at least one key");
    } else if (a == "--x") {
      std::string v = value();
      auto ax = parse_x_axis(v);
      if (!ax)
        throw std::invalid_argument("unknown x-axis '" + v + "' (expected step|relative|wall)");
      o.axis = *ax;
    } else if (a == "--smoothing") {
      o.smoothing = to_double(a, value());
      if (!(o.smoothing >= 0 && o.smoothing <= 0.999))
        throw std::invalid_argument("--smoothing must be between 0 and 0.999");
    } else if (a == "--key") {
      o.key = value();
      if (o.key.empty()) throw std::invalid_argument("--key needs a key");
    } else if (a == "--step" || a == "--step-b") {
      std::string v = value();
      double d = to_double(a, v);
      if (d != static_cast<double>(static_cast<std::int64_t>(d)) || d < 0)
        throw std::invalid_argument(a + " expects a step (a whole number >= 0), got '" + v + "'");
      (a == "--step" ? o.step : o.step_b) = static_cast<std::int64_t>(d);
    } else if (a == "--normalize") {
      o.normalize = value();
      if (o.normalize != "none" && o.normalize != "true" && o.normalize != "pred")
        throw std::invalid_argument("unknown --normalize '" + o.normalize +
                                    "' (expected none|true|pred)");
    } else if (a == "--diff") {
      o.diff = true;
    } else if (a == "--histogram-mode") {
      std::string v = value();
      if (v != "offset" && v != "heatmap")
        throw std::invalid_argument("unknown --histogram-mode '" + v + "' (expected offset|heatmap)");
      o.histogram_heatmap = v == "heatmap";
    } else if (a == "--samples-mode") {
      std::string v = value();
      if (v != "list" && v != "grid")
        throw std::invalid_argument("unknown --samples-mode '" + v + "' (expected list|grid)");
      o.samples_grid = v == "grid";
    } else if (a == "--since" || a == "--until") {
      (a == "--since" ? o.since : o.until) = to_time(a, value());
    } else if (a == "--last") {
      const std::string v = value();
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || n == 0)
        throw std::invalid_argument("--last expects a number of records >= 1, got '" + v + "'");
      o.last = n;
    } else if (a == "--width" || a == "--height") {
      double d = to_double(a, value());
      if (d < 320 || d > 8192 || d != static_cast<int>(d))
        throw std::invalid_argument(a + " must be a whole number of pixels between 320 and 8192");
      (a == "--width" ? o.width : o.height) = static_cast<int>(d);
    } else {
      throw std::invalid_argument("unknown argument '" + a + "'");
    }
  }
  if (o.since && o.until && *o.since > *o.until)
    throw std::invalid_argument("--since is after --until");
  if (o.step_b && !o.diff) throw std::invalid_argument("--step-b needs --diff");
  if (!o.screenshot.empty() && !have_view)
    throw std::invalid_argument("--screenshot needs --view " + view_names());
  return o;
}

}  // namespace tracker::ui
