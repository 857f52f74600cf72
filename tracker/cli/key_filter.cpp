// key_filter.cpp — see key_filter.hpp.
#include "key_filter.hpp"

#include "format.hpp"

#include <tracker/tracker.hpp>

namespace tracker::cli {

namespace {

// Matches a character class at pattern[i] == '['; returns the index after ']' and whether c
// is in the class, or npos when the class is not closed (then '[' is literal).
std::size_t match_class(std::string_view pattern, std::size_t i, char c, bool& in) {
  std::size_t j = i + 1;
  bool negate = false;
  if (j < pattern.size() && (pattern[j] == '!' || pattern[j] == '^')) negate = true, ++j;
  bool found = false;
  bool first = true;
  for (; j < pattern.size() && (first || pattern[j] != ']'); ++j, first = false) {
    if (j + 2 < pattern.size() && pattern[j + 1] == '-' && pattern[j + 2] != ']') {
      if (c >= pattern[j] && c <= pattern[j + 2]) found = true;
      j += 2;
    } else if (pattern[j] == c) {
      found = true;
    }
  }
  if (j >= pattern.size()) return std::string_view::npos;
  in = found != negate;
  return j + 1;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point for the last '*': linear in practice.
  std::size_t p = 0, t = 0, star = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_t = t;
      continue;
    }
    if (p < pattern.size()) {
      if (pattern[p] == '?') {
        ++p, ++t;
        continue;
      }
      if (pattern[p] == '[') {
        bool in = false;
        const std::size_t next = match_class(pattern, p, text[t], in);
        if (next != std::string_view::npos) {
          if (in) {
            p = next, ++t;
            continue;
          }
        } else if (text[t] == '[') {
          ++p, ++t;
          continue;
        }
      } else if (pattern[p] == text[t]) {
        ++p, ++t;
        continue;
      }
    }
    if (star == std::string_view::npos) return false;
    p = star + 1;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

key_filter::key_filter(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {
  for (const std::string& pat : patterns_)
    if (pat.empty()) throw bad_usage("--keys needs a non-empty pattern");
}

key_filter key_filter::from(const parsed_args& p) { return key_filter(p.values("--keys")); }

bool key_filter::matches(std::string_view key) const {
  if (patterns_.empty()) return true;
  for (const std::string& pat : patterns_)
    if (glob_match(pat, key)) return true;
  return false;
}

std::string key_filter::describe() const {
  std::string out;
  for (const std::string& pat : patterns_) out += (out.empty() ? "'" : ", '") + pat + "'";
  return out;
}

void throw_no_key_matches(const std::string& whose, const key_filter& filter,
                          const std::vector<std::string>& keys) {
  std::string hint;
  if (filter.patterns().size() == 1) hint = did_you_mean(filter.patterns().front(), keys);
  throw tracker::error(error_code::invalid_argument,
                       "no metric of " + whose + " matches --keys " + filter.describe() +
                           (keys.empty() ? " (no metrics at all)" : hint));
}

std::optional<per_class_key> split_per_class(const std::string& key,
                                             const std::set<std::string>& keys) {
  for (std::string_view metric : {"precision", "recall", "f1", "support"}) {
    const std::string mid = std::string(metric) + "/";
    // "<metric>/<label>" at the start (no prefix) or "/<metric>/<label>" after a prefix.
    for (std::size_t pos = 0; pos < key.size(); ++pos) {
      const bool at_start = pos == 0;
      if (!at_start && key[pos - 1] != '/') continue;
      if (key.compare(pos, mid.size(), mid) != 0 || pos + mid.size() >= key.size()) continue;
      const std::string prefix = at_start ? "" : key.substr(0, pos - 1);
      if (!keys.count(prefix.empty() ? "accuracy" : prefix + "/accuracy")) continue;
      return per_class_key{prefix, std::string(metric), key.substr(pos + mid.size())};
    }
  }
  return std::nullopt;
}

int headline_rank(std::string_view key) {
  const std::size_t slash = key.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (name == "accuracy") return 0;
  if (name == "f1_macro") return 1;
  if (name == "loss") return 2;
  return 3;
}

}  // namespace tracker::cli
