// validate.hpp — the one place that decides what a valid key, name, tag, run id and config
// is. Every front end (tracker::init and run, and later the HTTP ingest server and importers)
// calls these, so a value refused by one is refused by all, with the same message.
//
// Two styles: *_problem() returns why a value is bad (or nothing) for the logging path, which
// never throws; check_*() and flatten_config() throw tracker::error(invalid_argument, ...)
// for the setup path.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracker::detail {

constexpr std::size_t max_key_bytes = 256;   // metric keys and config keys
constexpr std::size_t max_name_bytes = 256;  // project, run name, tag
constexpr std::size_t max_note_bytes = 1 << 20;
constexpr std::size_t max_run_id_bytes = 64;

// Metric and config keys: 1..256 bytes, no control characters (NUL, newline, ...).
std::optional<std::string> key_problem(std::string_view key, std::string_view what = "metric key");

// Project, run name: 1..256 bytes (a name may be empty: a default is chosen), no control
// characters and no '|' (they would break the runs table); a name may not be "latest", which
// always means the newest run.
void check_project(const std::string& project);
void check_run_name(const std::string& name);
// Tags: as names, and no ',' either (tags are listed comma-separated).
void check_tag(const std::string& tag);
// Notes: up to 1 MiB; newlines and tabs are fine, other control characters are not.
void check_note(std::string_view note);
// Run ids: up to 64 of [A-Za-z0-9._-], not "latest".
void check_run_id(const std::string& id);

// Flattens a config object into ("a.b", JSON text) pairs, validating every key. Throws
// invalid_argument for a non-object, a bad key or a non-finite number, and config_conflict
// when two spellings name one key ({"a":{"b":1},"a.b":2}).
std::vector<std::pair<std::string, std::string>> flatten_config(const nlohmann::json& config);

}  // namespace tracker::detail
