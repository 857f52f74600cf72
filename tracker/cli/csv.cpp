// csv.cpp — the RFC 4180 reader (csv.hpp): one pass, a field and a record under construction.
#include "csv.hpp"

namespace tracker::cli {

std::vector<csv_record> parse_csv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  std::vector<csv_record> records;
  csv_record current;
  std::string field;
  std::size_t line = 1;
  bool in_record = false;  // something of the current record has been read
  std::size_t i = 0;
  const std::size_t n = text.size();

  const auto end_field = [&] {
    current.fields.push_back(std::move(field));
    field.clear();
  };
  const auto end_record = [&] {
    end_field();
    records.push_back(std::move(current));
    current = {};
    in_record = false;
  };
  const auto is_line_break = [&](std::size_t at) {
    return text[at] == '\n' || (text[at] == '\r' && at + 1 < n && text[at + 1] == '\n');
  };
  const auto skip_line_break = [&] {
    i += text[i] == '\r' ? 2 : 1;
    ++line;
  };

  while (i < n) {
    if (!in_record) {
      if (is_line_break(i)) {  // an empty line is not a record
        skip_line_break();
        continue;
      }
      current.line = line;
      in_record = true;
    }
    if (field.empty() && text[i] == '"') {  // a quoted field (only at the field's start)
      const std::size_t start_line = line;
      ++i;
      for (;;) {
        if (i >= n)
          throw csv_error(start_line, current.fields.size() + 1,
                          "quoted field is never closed (a '\"' is missing)");
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {  // "" is one quote
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        if (text[i] == '\n') ++line;
        field += text[i++];
      }
      if (i < n && text[i] != ',' && !is_line_break(i))
        throw csv_error(line, current.fields.size() + 1,
                        std::string("unexpected '") + text[i] +
                            "' after a closing quote (write \"\" for a quote)");
      // The quoted field ends here: at the end of the text, a ',' or a line break (an empty
      // quoted field "" is still a field, so it is ended explicitly rather than by the loop).
      if (i >= n) {
        end_record();
        break;
      }
      if (text[i] == ',') {
        ++i;
        end_field();
        if (i >= n) end_record();  // a ',' at the very end: one more, empty, field
        continue;
      }
      skip_line_break();
      end_record();
      continue;
    }
    if (text[i] == ',') {
      ++i;
      end_field();
      if (i >= n) end_record();
      continue;
    }
    if (is_line_break(i)) {
      skip_line_break();
      end_record();
      continue;
    }
    field += text[i++];
  }
  if (in_record) end_record();
  return records;
}

}  // namespace tracker::cli
