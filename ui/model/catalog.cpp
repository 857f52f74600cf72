// catalog.cpp — building the catalog, cells, sorting, grouping and run colours.
#include "model/catalog.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <sstream>

namespace tracker::ui {

namespace {

void flatten(const nlohmann::json& j, const std::string& prefix,
             std::map<std::string, config_value>& out) {
  if (j.is_object() && (!j.empty() || prefix.empty())) {  // an empty config has no keys
    for (auto it = j.begin(); it != j.end(); ++it)
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    return;
  }
  config_value v;
  if (j.is_string())
    v.text = j.get<std::string>();
  else
    v.text = j.dump();
  if (j.is_number())
    v.number = j.get<double>();
  else if (j.is_boolean())
    v.number = j.get<bool>() ? 1.0 : 0.0;
  out[prefix] = std::move(v);
}

std::string number_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os.precision(5);
  os << v;
  return os.str();
}

std::uint64_t fnv1a(const std::string& s, std::uint64_t salt) {
  std::uint64_t h = 1469598103934665603ull ^ salt;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 29;  // the low bits of FNV are weak for short ids
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 32;
  return h;
}

std::uint32_t hsv(float h, float s, float v) {
  float r, g, b;
  h = std::fmod(h, 1.0f) * 6.0f;
  int i = static_cast<int>(h);
  float f = h - static_cast<float>(i), p = v * (1 - s), q = v * (1 - s * f),
        t = v * (1 - s * (1 - f));
  switch (i) {
    case 0:
      r = v, g = t, b = p;
      break;
    case 1:
      r = q, g = v, b = p;
      break;
    case 2:
      r = p, g = v, b = t;
      break;
    case 3:
      r = p, g = q, b = v;
      break;
    case 4:
      r = t, g = p, b = v;
      break;
    default:
      r = v, g = p, b = q;
      break;
  }
  auto c = [](float x) {
    return static_cast<std::uint32_t>(std::clamp(x, 0.0f, 1.0f) * 255.0f + 0.5f);
  };
  return c(r) | (c(g) << 8) | (c(b) << 16) | (0xFFu << 24);
}

std::uint32_t color_from_hash(std::uint64_t h) {
  // Hue anywhere; saturation and value kept in the band that reads well on a near-black
  // background (no dark blues: they are lifted by the value floor).
  float hue = static_cast<float>(h % 3600) / 3600.0f;
  float sat = 0.55f + 0.25f * static_cast<float>((h >> 16) % 100) / 100.0f;
  float val = 0.88f + 0.12f * static_cast<float>((h >> 24) % 100) / 100.0f;
  return hsv(hue, sat, val);
}

}  // namespace

double run_row::duration() const {
  double end = info.ended_at ? *info.ended_at : std::max(info.heartbeat_at, info.created_at);
  if (info.status == run_status::running)
    end = std::max(end, static_cast<double>(std::time(nullptr)));
  return std::max(0.0, end - info.created_at);
}

const run_row* catalog::find(const std::string& id) const {
  auto it = by_id.find(id);
  return it == by_id.end() ? nullptr : &runs[it->second];
}

std::optional<std::string> catalog::resolve(const std::string& ref, std::string* why) const {
  if (ref == "latest") {
    if (runs.empty()) {
      if (why) *why = "the store has no runs";
      return std::nullopt;
    }
    return runs.front().info.id;
  }
  if (find(ref)) return ref;
  std::vector<std::string> named;
  for (const run_row& r : runs)
    if (r.info.name == ref) named.push_back(r.info.id);
  if (named.size() == 1) return named.front();
  if (why) {
    if (named.empty())
      *why = "no run with id or name \"" + ref + "\"";
    else
      *why =
          "run name \"" + ref + "\" matches " + std::to_string(named.size()) + " runs; use the id";
  }
  return std::nullopt;
}

catalog build_catalog(std::vector<run_info> runs,
                      std::map<std::string, std::vector<metric_summary>> summaries,
                      std::uint64_t data_version) {
  catalog cat;
  cat.data_version = data_version;
  std::map<std::string, int> metric_keys, config_keys;
  cat.runs.reserve(runs.size());
  for (run_info& info : runs) {
    run_row row;
    row.info = std::move(info);
    auto parsed = nlohmann::json::parse(row.info.config_json, nullptr, false);
    if (!parsed.is_discarded()) flatten(parsed, "", row.config);
    if (auto it = summaries.find(row.info.id); it != summaries.end())
      for (metric_summary& m : it->second) row.metrics.emplace(m.key, std::move(m));
    for (auto& [k, v] : row.metrics) metric_keys[k];
    for (auto& [k, v] : row.config) config_keys[k];
    cat.by_id[row.info.id] = cat.runs.size();
    cat.runs.push_back(std::move(row));
  }
  assign_colors(cat.runs);
  for (auto& [k, v] : metric_keys) cat.metric_keys.push_back(k);
  for (auto& [k, v] : config_keys) cat.config_keys.push_back(k);
  return cat;
}

// ---- cells and sorting
// ---------------------------------------------------------------------------

const char* to_string(summary_field f) noexcept {
  switch (f) {
    case summary_field::last:
      return "last";
    case summary_field::min:
      return "min";
    case summary_field::max:
      return "max";
    case summary_field::best:
      return "best";
  }
  return "last";
}

std::string column_ref::label() const {
  switch (kind) {
    case column_kind::name:
      return "Name";
    case column_kind::id:
      return "Id";
    case column_kind::project:
      return "Project";
    case column_kind::status:
      return "Status";
    case column_kind::tags:
      return "Tags";
    case column_kind::created:
      return "Created";
    case column_kind::duration:
      return "Duration";
    case column_kind::config:
      return key;
    case column_kind::metric:
      return field == summary_field::last ? key : key + " (" + to_string(field) + ")";
  }
  return key;
}

cell cell_of(const run_row& row, const column_ref& col) {
  cell c;
  c.missing = false;
  switch (col.kind) {
    case column_kind::name:
      c.text = row.info.name;
      break;
    case column_kind::id:
      c.text = row.info.id;
      break;
    case column_kind::project:
      c.text = row.info.project;
      break;
    case column_kind::status:
      c.text = to_string(row.info.status);
      c.number = static_cast<double>(row.info.status);
      break;
    case column_kind::tags:
      for (const std::string& t : row.info.tags) c.text += (c.text.empty() ? "" : " ") + t;
      c.missing = row.info.tags.empty();
      break;
    case column_kind::created: {
      std::time_t t = static_cast<std::time_t>(row.info.created_at);
      std::tm tm{};
      localtime_r(&t, &tm);
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
      c.text = buf;
      c.number = row.info.created_at;
      break;
    }
    case column_kind::duration: {
      double d = row.duration();
      char buf[32];
      if (d < 60)
        std::snprintf(buf, sizeof buf, "%.0fs", d);
      else if (d < 3600)
        std::snprintf(buf, sizeof buf, "%dm %02ds", int(d) / 60, int(d) % 60);
      else
        std::snprintf(buf, sizeof buf, "%dh %02dm", int(d) / 3600, (int(d) / 60) % 60);
      c.text = buf;
      c.number = d;
      break;
    }
    case column_kind::config: {
      auto it = row.config.find(col.key);
      if (it == row.config.end()) return cell{};
      c.text = it->second.text;
      c.number = it->second.number;
      break;
    }
    case column_kind::metric: {
      auto it = row.metrics.find(col.key);
      if (it == row.metrics.end()) return cell{};
      const metric_summary& m = it->second;
      std::optional<double> v;
      switch (col.field) {
        case summary_field::last:
          v = m.last;
          break;
        case summary_field::min:
          v = m.min;
          break;
        case summary_field::max:
          v = m.max;
          break;
        case summary_field::best:
          v = m.best();
          break;
      }
      if (!v) return cell{};
      c.number = *v;
      c.text = number_text(*v);
      break;
    }
  }
  return c;
}

void sort_rows(std::vector<std::size_t>& order, const catalog& cat,
               const std::vector<sort_spec>& specs) {
  if (specs.empty()) {
    std::sort(order.begin(), order.end());
    return;
  }
  // Cells are computed once per row and spec, not per comparison.
  std::vector<std::vector<cell>> cells(cat.runs.size());
  for (std::size_t i : order) {
    cells[i].reserve(specs.size());
    for (const sort_spec& s : specs) cells[i].push_back(cell_of(cat.runs[i], s.column));
  }
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < specs.size(); ++k) {
      const cell& x = cells[a][k];
      const cell& y = cells[b][k];
      if (x.missing != y.missing) return y.missing;  // missing last, either direction
      if (x.missing) continue;
      int cmp = 0;
      bool xn = x.number && !std::isnan(*x.number), yn = y.number && !std::isnan(*y.number);
      if (xn && yn)
        cmp = *x.number < *y.number ? -1 : (*x.number > *y.number ? 1 : 0);
      else if (xn != yn)
        return xn;  // numbers before text / NaN
      else
        cmp = x.text.compare(y.text);
      if (cmp != 0) return specs[k].ascending ? cmp < 0 : cmp > 0;
    }
    return a < b;  // catalog order: newest first
  });
}

std::vector<row_group> group_rows(const std::vector<std::size_t>& order, const catalog& cat,
                                  const group_by& g) {
  std::vector<row_group> groups;
  if (g.by == group_by::kind::none) {
    groups.push_back(row_group{"all runs", order});
    return groups;
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t i : order) {
    const run_row& row = cat.runs[i];
    std::string label;
    if (g.by == group_by::kind::project) {
      label = row.info.project;
    } else {
      auto it = row.config.find(g.key);
      label = it == row.config.end() ? "(missing)" : g.key + " = " + it->second.text;
    }
    auto [it, inserted] = index.emplace(label, groups.size());
    if (inserted) groups.push_back(row_group{label, {}});
    groups[it->second].rows.push_back(i);
  }
  return groups;
}

std::uint32_t palette_color(std::size_t slot) {
  static const std::uint32_t rgb[palette_size] = {0x4E9BFF, 0xFF9F43, 0x2ED47A, 0xFF5C7A, 0xB98CFF,
                                                  0x33D6D6, 0xFFD43B, 0xFF7FD1, 0x9BE15D, 0xFF8A65,
                                                  0x7AA2FF, 0x4FD1A5, 0xE0A96D, 0xD6A2FF, 0xF2F2F2,
                                                  0x89DDFF, 0xD4E157, 0xE84C4C, 0xBCAAA4, 0x80CBC4};
  std::uint32_t c = rgb[slot % palette_size];
  return ((c >> 16) & 0xFF) | (((c >> 8) & 0xFF) << 8) | ((c & 0xFF) << 16) | (0xFFu << 24);
}

std::size_t preferred_slot(const std::string& id) {
  return std::size_t(fnv1a(id, 0) % palette_size);
}

void assign_colors(std::vector<run_row>& runs) {
  bool used[palette_size] = {};
  std::size_t n_used = 0;
  for (auto it = runs.rbegin(); it != runs.rend(); ++it) {  // oldest first
    if (n_used == palette_size) {
      std::fill(std::begin(used), std::end(used), false);
      n_used = 0;
    }
    std::size_t slot = preferred_slot(it->info.id);
    while (used[slot]) slot = (slot + 1) % palette_size;
    used[slot] = true;
    ++n_used;
    it->color = palette_color(slot);
  }
}

std::uint32_t run_color(const std::string& id) { return palette_color(preferred_slot(id)); }
std::uint32_t group_color(const std::string& label) {
  return color_from_hash(fnv1a(label, 0x9e3779b97f4a7c15ull));
}
std::uint32_t with_alpha(std::uint32_t rgba, float alpha) {
  auto a = static_cast<std::uint32_t>(std::clamp(alpha, 0.0f, 1.0f) * 255.0f + 0.5f);
  return (rgba & 0x00FFFFFFu) | (a << 24);
}

}  // namespace tracker::ui
