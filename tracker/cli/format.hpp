// format.hpp — output helpers shared by every `tracker` command: numbers, tables, CSV, JSON.
//
// Two number styles, on purpose:
//   - human_number(): 6 significant digits for tables people read ("0.912346", "NaN", "inf").
//   - exact_number(): the shortest text that reads back as the same double, for CSV/JSON
//     consumers ("0.91234567", "NaN", "Infinity", "-Infinity").
// JSON has no NaN or infinity, so json_number() emits those as the strings "NaN", "Infinity"
// and "-Infinity" (what Python's float() and pandas accept); a missing value is null.
//
// Every JSON document a command prints starts from json_document(), which puts
// "schema_version" first. Objects keep insertion order (ordered_json) so output is stable
// and reads top-down.
#pragma once

#include <tracker/types.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::cli {

using ojson = nlohmann::ordered_json;

// Version of every JSON document the CLI prints; bump on an incompatible change.
inline constexpr int schema_version = 1;

// ---- numbers ---------------------------------------------------------------------------------
std::string human_number(double v);
// An empty optional prints as `missing` ("—" in tables).
std::string human_number(const std::optional<double>& v, std::string_view missing = "—");
std::string exact_number(double v);
ojson json_number(double v);
ojson json_number(const std::optional<double>& v);  // null when empty

// ---- time ------------------------------------------------------------------------------------
// "2024-05-01 12:00:03 UTC" (UTC so CI logs from different machines agree).
std::string utc_time(double unix_seconds);
// "2h 03m 07s", "4m 10s", "12.3s".
std::string duration_text(double seconds);

// ---- tables ----------------------------------------------------------------------------------
using row = std::vector<std::string>;

// GitHub-flavoured markdown table; '|' and line breaks inside cells are escaped.
void write_markdown_table(std::ostream& out, const row& header, const std::vector<row>& rows);
// Space-aligned columns for terminals (widths counted in UTF-8 code points). An empty header
// prints the rows alone.
void write_text_table(std::ostream& out, const row& header, const std::vector<row>& rows);
std::string markdown_cell(std::string_view text);

// " (did you mean 'val/accuracy'?)" when one candidate is a close spelling of `wrong`
// (small edit distance), else "". For messages about missing keys.
std::string did_you_mean(std::string_view wrong, const std::vector<std::string>& candidates);

// ---- CSV -------------------------------------------------------------------------------------
// RFC 4180: quote a field that contains a comma, quote, CR or LF; double inner quotes.
std::string csv_field(std::string_view text);
void write_csv_row(std::ostream& out, const row& fields);

// ---- JSON ------------------------------------------------------------------------------------
ojson json_document();  // {"schema_version": 1}
// Pretty-printed (2 spaces) plus a newline; invalid UTF-8 is replaced, never thrown.
void write_json(std::ostream& out, const ojson& doc);
// One compact line plus '\n' (JSON Lines).
void write_json_line(std::ostream& out, const ojson& doc);

// The text of a JSON value as a person would write it: strings without quotes, others dumped.
std::string json_value_text(const ojson& v);

// ---- shared views of core types ---------------------------------------------------------------
// The run's config (config_json) parsed; an empty object when empty or unparsable.
ojson run_config(const run_info& r);
// Config flattened to dotted keys ("optimizer.lr"), sorted, for diffs and tables.
std::vector<std::pair<std::string, ojson>> flatten_config(const ojson& config);

// A run's attributes (no config) as one JSON object: id, name, project, status, ... .
ojson run_json(const run_info& r);
// One metric's summary: last, min, max, best, count, last_step, goal, nonfinite, ... .
ojson summary_json(const metric_summary& m);
// "k3v9x2qa (brisk-otter-3)"
std::string run_label(const run_info& r);
// A run's attributes as (name, text) pairs for people: id, name, project, status, created,
// ended, duration, host, git, tags, note. Shared by `summary` and `compare`.
std::vector<std::pair<std::string, std::string>> run_attributes(const run_info& r);
// Summaries sorted by key, so every output lists metrics in the same order.
std::vector<metric_summary> sorted_by_key(std::vector<metric_summary> summaries);

}  // namespace tracker::cli
