// key_filter.hpp — `--keys PATTERN` (summary, compare, export, check) and the grouping of
// classification metrics that CI-sized markdown needs (headline first, per-class collapsed).
#pragma once

#include "command.hpp"

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::cli {

// Shell-style glob on a whole key: `*` any run of characters (including '/'), `?` one
// character, `[abc]` / `[a-z]` / `[!abc]` a character class; everything else is literal.
// "val/*" matches "val/f1/T-shirt/top"; "val/f1_*" matches "val/f1_macro" but not "val/f1/Bag".
bool glob_match(std::string_view pattern, std::string_view text);

// The --keys patterns of a command; empty() means "every key". A key passes when it matches
// any pattern (the option repeats).
class key_filter {
 public:
  key_filter() = default;
  explicit key_filter(std::vector<std::string> patterns);
  static key_filter from(const parsed_args& p);  // --keys (may repeat)

  bool empty() const noexcept { return patterns_.empty(); }
  bool matches(std::string_view key) const;
  const std::vector<std::string>& patterns() const noexcept { return patterns_; }
  std::string describe() const;  // "'val/*', 'train/loss'" for messages

 private:
  std::vector<std::string> patterns_;
};

// --keys that matches nothing is an input error (exit 2), not an empty report: in CI an empty
// summary from a typo in a pattern would pass unnoticed. The message names close spellings.
// whose: "run k3v9x2qa (brisk-otter-3)", "either run".
[[noreturn]] void throw_no_key_matches(const std::string& whose, const key_filter& filter,
                                       const std::vector<std::string>& keys);

// A per-class metric written by metrics::log_classification: "<prefix>/<metric>/<label>" with
// metric precision|recall|f1|support, recognised when "<prefix>/accuracy" is among the keys
// (labels may contain '/', e.g. "val/f1/T-shirt/top").
struct per_class_key {
  std::string prefix;  // "val" ("" for unprefixed)
  std::string metric;  // "f1"
  std::string label;   // "T-shirt/top"
};
std::optional<per_class_key> split_per_class(const std::string& key,
                                             const std::set<std::string>& keys);

// Sort rank for headline-first tables: accuracy, f1_macro, loss of any prefix first (0, 1, 2),
// everything else 3 (then by key).
int headline_rank(std::string_view key);

}  // namespace tracker::cli
