// production_parse.hpp — a request body of the ingest API read straight from its text into
// production::records, without building a JSON DOM (the DOM's allocations were most of the
// server's cost per record; docs/performance.md, "Production ingest").
//
//   {"schema_version": 1, "model": "<run>", "records": [ {...}, ... ]}   (any key order)
//
// It takes only the plain case: a body that nlohmann::json would parse, an envelope that
// ingest accepts, and records every field of which converts as record_from_json converts it.
// Anything else (a syntax error, a missing model, a bad field type, a duplicate key, a byte
// order mark, ...) returns nullopt, and the caller takes the DOM path (parse, envelope,
// record_from_json), which gives the documented error. So the two paths cannot disagree on an
// error, and where this parser succeeds its records equal record_from_json's before validate()
// (features and tags in name order, as the DOM's sorted objects give them) — the fuzz target
// http_request checks that.
#pragma once

#include <tracker/production.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::production::detail {

struct parsed_records {
  std::string model;            // "model": non-empty
  std::vector<record> records;  // converted, not yet validated
};

// The body of POST /v1/predictions or /v1/reference ("model" required), or nullopt (above).
std::optional<parsed_records> parse_records_body(std::string_view body);

}  // namespace tracker::production::detail
