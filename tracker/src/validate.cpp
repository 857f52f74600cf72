#include "validate.hpp"

#include <tracker/types.hpp>

#include <cctype>
#include <cmath>
#include <map>

namespace tracker::detail {
namespace {

// Quotes a user value for a one-line message: control characters shown as escapes, long
// values cut, so a message never spans lines or screens.
std::string shown(std::string_view v, std::size_t max = 48) {
  std::string out;
  for (unsigned char c : v.substr(0, max)) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
    else out += static_cast<char>(c);
  }
  return "\"" + out + (v.size() > max ? "...\"" : "\"");
}

bool has_control(std::string_view v, bool allow_newline_and_tab) {
  for (unsigned char c : v) {
    if (allow_newline_and_tab && (c == '\n' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

[[noreturn]] void refuse(const std::string& message) { throw error(error_code::invalid_argument, message); }

void check_label(const std::string& what, const std::string& value, bool allow_empty, std::string_view forbidden) {
  if (!allow_empty && value.empty()) refuse(what + " must not be empty");
  if (value.size() > max_name_bytes)
    refuse(what + " " + shown(value) + " is longer than " + std::to_string(max_name_bytes) + " bytes");
  if (has_control(value, false)) refuse(what + " " + shown(value) + " contains a control character (newline, tab, ...)");
  for (char c : forbidden)
    if (value.find(c) != std::string::npos)
      refuse(what + " " + shown(value) + " contains '" + std::string(1, c) + "', which the runs table uses as a separator");
}

void flatten(const nlohmann::json& j, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (j.is_object() && !j.empty()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (auto problem = key_problem(it.key(), "config key")) refuse(*problem);
      flatten(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
    }
    return;
  }
  if (prefix.empty()) return;  // an empty top-level object
  if (j.is_number_float() && !std::isfinite(j.get<double>()))
    refuse("config value of \"" + prefix + "\" is not finite; JSON cannot hold it");
  out.emplace_back(prefix, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

std::optional<std::string> key_problem(std::string_view key, std::string_view what) {
  std::string w(what);
  if (key.empty()) return "empty " + w;
  if (key.size() > max_key_bytes)
    return w + " of " + std::to_string(key.size()) + " bytes is longer than " + std::to_string(max_key_bytes) +
           " (starts with " + shown(key, 32) + ")";
  if (has_control(key, false)) return w + " " + shown(key, 64) + " contains a control character";
  return std::nullopt;
}

void check_project(const std::string& project) { check_label("project", project, false, "|"); }

void check_run_name(const std::string& name) {
  check_label("run name", name, true, "|");
  if (name == "latest") refuse("run name \"latest\" is reserved (it always means the newest run); choose another name");
}

void check_tag(const std::string& tag) { check_label("tag", tag, false, "|,"); }

void check_note(std::string_view note) {
  if (note.size() > max_note_bytes) refuse("note is longer than " + std::to_string(max_note_bytes) + " bytes");
  if (has_control(note, true)) refuse("note contains a control character other than newline and tab");
}

void check_run_id(const std::string& id) {
  if (id.size() > max_run_id_bytes) refuse("run id longer than " + std::to_string(max_run_id_bytes) + " characters");
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
      refuse("run id " + shown(id) + " may only contain letters, digits, '-', '_' and '.'");
  if (id == "latest") refuse("\"latest\" is reserved; choose another run id");
}

std::vector<std::pair<std::string, std::string>> flatten_config(const nlohmann::json& config) {
  if (!config.is_object() && !config.is_null())
    refuse("options.config must be a JSON object, got " + std::string(config.type_name()));
  std::vector<std::pair<std::string, std::string>> out;
  if (config.is_object()) flatten(config, "", out);
  std::map<std::string, const std::string*> seen;
  for (auto& [k, v] : out) {
    if (auto problem = key_problem(k, "config key")) refuse(*problem);
    auto [it, fresh] = seen.emplace(k, &v);
    if (!fresh)
      throw error(error_code::config_conflict, "config key \"" + k + "\" is given twice (nested and dotted: " +
                                                   *it->second + " and " + v + "); give it once");
  }
  return out;
}

}  // namespace tracker::detail
