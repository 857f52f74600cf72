// monitor_markdown.cpp — the drift report (monitor.cpp's JSON) as markdown, for a terminal or a
// CI log. It reads only the JSON, so a report fetched from the server renders the same way.
// Also home to the two small formatting helpers of monitor_internal.hpp (iso_time, number_text).
#include "monitor_internal.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>

namespace tracker::monitor {

std::string iso_time(double unix_seconds) {
  if (!std::isfinite(unix_seconds)) return "";
  const double whole = std::floor(unix_seconds);
  const auto t = static_cast<std::time_t>(whole);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  const long ms = std::lround((unix_seconds - whole) * 1000.0);
  if (ms > 0 && ms < 1000) {
    std::snprintf(buf, sizeof buf, ".%03ld", ms);
    out += buf;
  }
  return out + "Z";
}

std::string number_text(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {

using json = nlohmann::json;

// 4 significant digits: enough to read a p-value or a share; the JSON has the exact values.
std::string num(const json& v) {
  if (v.is_null()) return "—";
  if (v.is_string()) return v.get<std::string>();  // "Infinity"
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
  return buf;
}

std::string percent(const json& v) {
  if (!v.is_number()) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * v.get<double>());
  return buf;
}

// A table cell: '|' would end the cell and a line break the row.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string text(const json& v) { return v.is_string() ? cell(v.get<std::string>()) : num(v); }

void feature_table(std::ostream& out, const json& features) {
  out << "| feature | type | test | statistic | p-value | threshold | drifted |\n"
         "|---|---|---|---|---|---|---|\n";
  for (const json& f : features) {
    std::string drifted = f.value("drifted", false) ? "**yes**" : "no";
    if (f.contains("note")) drifted = "untested (" + cell(f["note"].get<std::string>()) + ")";
    out << "| " << cell(f.value("name", "")) << " | " << f.value("type", "") << " | "
        << f.value("test", "") << " | " << num(f.value("statistic", json())) << " | "
        << num(f.value("p_value", json())) << " | " << num(f.value("threshold", json())) << " | "
        << drifted << " |\n";
  }
}

void metrics_section(std::ostream& out, const json& m, const json& current_rows) {
  out << "\n## Production metrics\n\n";
  const std::int64_t labeled = m.value("labeled", std::int64_t{0});
  if (labeled == 0) {
    out << "No feedback labels for the " << num(current_rows) << " production rows yet.\n";
    return;
  }
  out << "Labeled: " << labeled << " of " << num(current_rows) << " rows ("
      << percent(m["label_coverage"]) << ").\n\n"
      << "| metric | production | reference |\n|---|---|---|\n"
      << "| accuracy | " << num(m["accuracy"]) << " | " << num(m["reference_accuracy"]) << " |\n"
      << "| f1_macro | " << num(m["f1_macro"]) << " | " << num(m["reference_f1_macro"]) << " |\n"
      << "| precision_macro | " << num(m["precision_macro"]) << " | |\n"
      << "| recall_macro | " << num(m["recall_macro"]) << " | |\n"
      << "| f1_micro | " << num(m["f1_micro"]) << " | |\n"
      << "| f1_weighted | " << num(m["f1_weighted"]) << " | |\n";
  if (m["accuracy_change"].is_number())
    out << "\nAccuracy change against the reference: " << num(m["accuracy_change"]) << ".\n";
  out << "\n| class | precision | recall | f1 | support | predicted |\n|---|---|---|---|---|---|\n";
  for (const json& c : m["per_class"])
    out << "| " << text(c["label"]) << " | " << num(c["precision"]) << " | " << num(c["recall"])
        << " | " << num(c["f1"]) << " | " << num(c["support"]) << " | " << num(c["predicted"])
        << " |\n";
}

void flags_section(std::ostream& out, const json& f) {
  out << "\n## Flags\n\n";
  if (f.value("flagged", std::int64_t{0}) == 0) {
    out << "No flagged predictions.\n";
    return;
  }
  out << "Flagged: " << num(f["flagged"]) << " (" << percent(f["rate"]) << " of the rows).\n\n"
      << "| flag | count | rate |\n|---|---|---|\n";
  for (const json& e : f["by_flag"])
    out << "| " << text(e["flag"]) << " | " << num(e["count"]) << " | " << percent(e["rate"])
        << " |\n";
  out << "\n| reason | count | rate |\n|---|---|---|\n";
  for (const json& e : f["by_reason"]) {
    const std::string reason = e["reason"].get<std::string>();
    out << "| " << (reason.empty() ? "(none)" : cell(reason)) << " | " << num(e["count"]) << " | "
        << percent(e["rate"]) << " |\n";
  }
}

void timeline_section(std::ostream& out, const json& t) {
  if (!t.is_object()) return;
  out << "\n## Timeline (per " << t.value("bucket", "") << ", UTC)\n\n"
      << "| start | rows | drift share | dataset drift | labeled | accuracy | flag rate |\n"
         "|---|---|---|---|---|---|---|\n";
  for (const json& b : t["buckets"])
    out << "| " << text(b["start"]) << " | " << num(b["rows"]) << " | " << num(b["drift_share"])
        << " | " << (b.value("dataset_drift", false) ? "**yes**" : "no") << " | "
        << num(b["labeled"]) << " | " << num(b["accuracy"]) << " | " << percent(b["flag_rate"])
        << " |\n";
}

}  // namespace

std::string to_markdown(const json& r) {
  std::ostringstream out;
  const json& model = r["model"];
  out << "# Drift report: " << cell(model.value("name", "")) << " (" << cell(model.value("run", ""))
      << ")\n\n";
  const json& cur = r["current"];
  const json& w = cur["window"];
  out << "Reference: " << num(r["reference"]["rows"]) << " rows. Production: " << num(cur["rows"])
      << " rows";
  if (cur["from"].is_string())
    out << ", " << cur["from"].get<std::string>() << " to " << cur["to"].get<std::string>();
  std::string window;
  if (w["since"].is_string()) window += "since " + w["since"].get<std::string>();
  if (w["until"].is_string())
    window += (window.empty() ? "" : ", ") + ("until " + w["until"].get<std::string>());
  if (w["last"].is_number()) window += (window.empty() ? "" : ", ") + ("last " + w["last"].dump());
  out << " (window: " << (window.empty() ? "all" : window) << ").\n\n";

  out << "**Dataset drift: " << (r.value("dataset_drift", false) ? "YES" : "no") << "** — "
      << num(r["number_of_drifted_features"]) << " of " << num(r["number_of_tested_features"])
      << " tested features drifted (share " << num(r["drift_share"]) << ", threshold "
      << num(r["drift_share_threshold"]) << ").\n";
  if (r["reference"].value("rows", std::int64_t{0}) == 0)
    out << "\nThe model has no reference records: nothing can be tested.\n";

  out << "\n## Features\n\n";
  feature_table(out, r["features"]);

  const json& pd = r["prediction_drift"];
  out << "\n## Prediction drift" << (pd.value("drifted", false) ? " (drifted)" : "") << "\n\n";
  feature_table(out, json::array({pd["predicted_class"], pd["confidence"]}));

  metrics_section(out, r["production_metrics"], cur["rows"]);
  flags_section(out, r["flags"]);
  timeline_section(out, r["timeline"]);
  return out.str();
}

}  // namespace tracker::monitor
