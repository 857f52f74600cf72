// csv.hpp — an RFC 4180 CSV reader for `tracker import` (the writer side is in format.hpp).
//
//   std::vector<csv_record> rows = parse_csv(text);   // throws csv_error(line, column, ...)
//   rows[0].fields  — the header;  rows[i].line — where record i starts in the file
//
// The rules (RFC 4180, plus what Python's csv module — gradio's writer — produces):
//   * fields are separated by ',' and records by CRLF or LF;
//   * a field that starts with '"' is quoted: it may hold ',', CR, LF, and '""' for one '"';
//     after its closing quote only ',' or the end of the record may follow;
//   * a '"' inside an unquoted field is kept as a character (Python's csv does the same);
//   * a UTF-8 byte-order mark at the start is skipped; an empty line (outside quotes) is not a
//     record; the last record needs no line break.
// Line numbers are 1-based physical lines, so a record whose quoted field spans three lines
// starts on one line and the next record starts three lines later; column numbers are 1-based
// field positions.
#pragma once

#include <tracker/types.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::cli {

struct csv_record {
  std::size_t line = 0;  // the physical line the record starts on
  std::vector<std::string> fields;
};

class csv_error : public tracker::error {
 public:
  csv_error(std::size_t line, std::size_t column, const std::string& message)
      : error(error_code::invalid_argument, "line " + std::to_string(line) + ", column " +
                                                std::to_string(column) + ": " + message),
        line_(line),
        column_(column) {}
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }

 private:
  std::size_t line_;
  std::size_t column_;
};

// Every record of the text (the header included). Throws csv_error for an unterminated quoted
// field (naming the line it started on) or a character after a closing quote.
std::vector<csv_record> parse_csv(std::string_view text);

}  // namespace tracker::cli
