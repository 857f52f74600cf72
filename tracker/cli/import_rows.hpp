// import_rows.hpp — what `tracker import` makes of a file, line by line: production records
// and feedback, or a bad line naming where and why. cmd_import.cpp then stores all of it at
// once (or, with --skip-bad, all but the bad lines). The mappings are documented in docs/cli.md
// ("import").
//
//   jsonl     one JSON object per line in the HTTP API's shape (record_from_json /
//             feedback_from_json), blank lines skipped;
//   csv       a header row; reserved columns id, timestamp, prediction, probabilities,
//             confidence, latency_ms, label, image, tag.NAME; every other column is a feature;
//   flags     a gradio flag log (CSV): inputs, the output, flag, username, timestamp.
#pragma once

#include "csv.hpp"

#include <tracker/production.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::cli {

enum class import_kind { predictions, feedback, reference, flags };

// One record (or feedback) of the file and the line it came from.
struct import_item {
  std::size_t line = 0;
  std::optional<production::record> record;    // predictions, reference, flags
  std::vector<production::feedback> feedback;  // feedback; a CSV label or a gradio flag
};

struct bad_line {
  std::size_t line = 0;
  std::string where;  // "column 3 (brightness)", "field features.brightness", or ""
  std::string message;
  std::string text() const;  // "line 5, column 3 (brightness): is not a number"
};

struct import_batch {
  std::vector<import_item> items;
  std::vector<bad_line> bad;
};

struct import_source {
  import_kind kind = import_kind::predictions;
  const production::model_info* model = nullptr;
  std::filesystem::path base_dir;  // image paths are relative to it (the file's directory)
  std::string output_column;  // flags: the model's answer; empty: "output", else the last input
};

import_batch read_jsonl(std::string_view text, const import_source& src);
// rows[0] is the header. Throws csv_error for a header problem (nothing can be read then).
import_batch read_csv_rows(const std::vector<csv_record>& rows, const import_source& src);

// "gradio-" + 16 hex digits of a 64-bit FNV-1a hash of the row's fields: the same row always
// gets the same id, so importing a flag log again stores nothing twice.
std::string row_id(std::string_view prefix, const std::vector<std::string>& fields);

}  // namespace tracker::cli
