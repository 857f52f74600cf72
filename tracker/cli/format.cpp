// format.cpp — see format.hpp.
#include "format.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace tracker::cli {

// ---- numbers ---------------------------------------------------------------------------------

std::string human_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

std::string human_number(const std::optional<double>& v, std::string_view missing) {
  return v ? human_number(*v) : std::string(missing);
}

std::string exact_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  // Shortest representation that parses back to the same double.
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : human_number(v);
}

ojson json_number(double v) {
  if (std::isfinite(v)) return v;
  return exact_number(v);  // "NaN" / "Infinity" / "-Infinity": JSON has no such numbers
}

ojson json_number(const std::optional<double>& v) { return v ? json_number(*v) : ojson(nullptr); }

// ---- time ------------------------------------------------------------------------------------

std::string utc_time(double unix_seconds) {
  if (!std::isfinite(unix_seconds)) return "—";
  std::time_t t = static_cast<std::time_t>(std::floor(unix_seconds));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "—";
  char buf[48];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else {
    auto s = static_cast<long long>(seconds);
    if (s < 3600)
      std::snprintf(buf, sizeof buf, "%lldm %02llds", s / 60, s % 60);
    else
      std::snprintf(buf, sizeof buf, "%lldh %02lldm %02llds", s / 3600, s / 60 % 60, s % 60);
  }
  return buf;
}

// ---- tables ----------------------------------------------------------------------------------

namespace {

// Display width in code points, so "—" or "é" do not break the alignment.
std::size_t text_width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::string markdown_cell(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += "<br>";
    } else if (c != '\r') {
      out += c;
    }
  }
  return out;
}

void write_markdown_table(std::ostream& out, const row& header, const std::vector<row>& rows) {
  auto line = [&](const row& cells) {
    out << '|';
    for (std::size_t i = 0; i < header.size(); ++i)
      out << ' ' << (i < cells.size() ? markdown_cell(cells[i]) : std::string()) << " |";
    out << '\n';
  };
  line(header);
  out << '|';
  for (std::size_t i = 0; i < header.size(); ++i) out << " --- |";
  out << '\n';
  for (const row& r : rows) line(r);
}

void write_text_table(std::ostream& out, const row& header, const std::vector<row>& rows) {
  std::size_t columns = header.size();
  for (const row& r : rows) columns = std::max(columns, r.size());
  std::vector<std::size_t> width(columns, 0);
  auto measure = [&](const row& cells) {
    for (std::size_t i = 0; i < width.size() && i < cells.size(); ++i)
      width[i] = std::max(width[i], text_width(cells[i]));
  };
  measure(header);
  for (const row& r : rows) measure(r);
  auto line = [&](const row& cells) {
    std::string text;
    for (std::size_t i = 0; i < width.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : std::string();
      text += cell;
      if (i + 1 < width.size()) text.append(width[i] - text_width(cell) + 2, ' ');
    }
    // No trailing blanks: an empty last column would otherwise leave them.
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << '\n';
  };
  if (!header.empty()) line(header);
  for (const row& r : rows) line(r);
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string did_you_mean(std::string_view wrong, const std::vector<std::string>& candidates) {
  // Close enough to be a typo or an abbreviation ("val/acc" for "val/accuracy").
  const std::size_t limit = std::max<std::size_t>(2, wrong.size() / 2);
  const std::string* best = nullptr;
  std::size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    const bool abbreviation = !wrong.empty() && c.size() > wrong.size() && c.rfind(wrong, 0) == 0;
    const std::size_t d = abbreviation ? 1 : edit_distance(wrong, c);
    if (d < best_distance) {
      best_distance = d;
      best = &c;
    }
  }
  return best ? " (did you mean '" + *best + "'?)" : std::string();
}

// ---- CSV -------------------------------------------------------------------------------------

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

void write_csv_row(std::ostream& out, const row& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) out << (i ? "," : "") << csv_field(fields[i]);
  out << '\n';
}

// ---- JSON ------------------------------------------------------------------------------------

ojson json_document() {
  ojson doc = ojson::object();
  doc["schema_version"] = schema_version;
  return doc;
}

void write_json(std::ostream& out, const ojson& doc) {
  out << doc.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
}

void write_json_line(std::ostream& out, const ojson& doc) {
  out << doc.dump(-1, ' ', false, ojson::error_handler_t::replace) << '\n';
}

std::string json_value_text(const ojson& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

// ---- shared views of core types ---------------------------------------------------------------

ojson run_config(const run_info& r) {
  if (r.config_json.empty()) return ojson::object();
  ojson config = ojson::parse(r.config_json, nullptr, /*allow_exceptions=*/false);
  return config.is_object() ? config : ojson::object();
}

namespace {

void flatten_into(const ojson& value, const std::string& prefix,
                  std::vector<std::pair<std::string, ojson>>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [k, v] : value.items())
      flatten_into(v, prefix.empty() ? k : prefix + "." + k, out);
  } else {
    out.emplace_back(prefix, value);
  }
}

}  // namespace

std::vector<std::pair<std::string, ojson>> flatten_config(const ojson& config) {
  std::vector<std::pair<std::string, ojson>> out;
  if (config.is_object())
    for (const auto& [k, v] : config.items()) flatten_into(v, k, out);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

ojson run_json(const run_info& r) {
  ojson j = ojson::object();
  j["id"] = r.id;
  j["name"] = r.name;
  j["project"] = r.project;
  j["status"] = to_string(r.status);
  j["stored_status"] = to_string(r.stored_status);
  j["status_reason"] = r.status_reason;
  j["created_at"] = json_number(r.created_at);
  j["ended_at"] = json_number(r.ended_at);
  j["duration"] = r.ended_at ? json_number(*r.ended_at - r.created_at) : ojson(nullptr);
  j["heartbeat_at"] = json_number(r.heartbeat_at);
  j["host"] = r.host;
  j["pid"] = r.pid;
  j["git_commit"] = r.git_commit;
  j["git_branch"] = r.git_branch;
  j["tags"] = r.tags;
  j["note"] = r.note;
  j["deleted"] = r.deleted;
  return j;
}

ojson summary_json(const metric_summary& m) {
  ojson j = ojson::object();
  j["last"] = json_number(m.last);
  j["min"] = json_number(m.min);
  j["max"] = json_number(m.max);
  j["best"] = json_number(m.best());
  j["count"] = m.count;
  j["last_step"] = m.last_step;
  j["goal"] = to_string(m.metric_goal);
  j["nonfinite"] = m.nonfinite;
  j["first_step"] = m.first_step;
  j["last_time"] = json_number(m.last_time);
  return j;
}

std::string run_label(const run_info& r) {
  return r.name.empty() || r.name == r.id ? r.id : r.id + " (" + r.name + ")";
}

std::vector<std::pair<std::string, std::string>> run_attributes(const run_info& r) {
  std::string status = to_string(r.status);
  if (!r.status_reason.empty()) status += " (" + r.status_reason + ")";
  std::string tags;
  for (const std::string& t : r.tags) tags += (tags.empty() ? "" : ", ") + t;
  std::string git = r.git_commit.empty() ? "—" : r.git_commit;
  if (!r.git_branch.empty()) git += " (" + r.git_branch + ")";
  return {
      {"id", r.id},
      {"name", r.name},
      {"project", r.project},
      {"status", status},
      {"created", utc_time(r.created_at)},
      {"ended", r.ended_at ? utc_time(*r.ended_at) : "—"},
      {"duration", r.ended_at ? duration_text(*r.ended_at - r.created_at) : "—"},
      {"host", r.host.empty() ? "—" : r.host + " (pid " + std::to_string(r.pid) + ")"},
      {"git", git},
      {"tags", tags.empty() ? "—" : tags},
      {"note", r.note.empty() ? "—" : r.note},
  };
}

std::vector<metric_summary> sorted_by_key(std::vector<metric_summary> summaries) {
  std::sort(summaries.begin(), summaries.end(),
            [](const metric_summary& a, const metric_summary& b) { return a.key < b.key; });
  return summaries;
}

}  // namespace tracker::cli
