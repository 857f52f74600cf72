// significance_report.hpp — `--significance` for compare and `--significant` for check: find
// the two runs' per-sample predictions (or confusion matrices), compare them with
// tracker/significance.hpp, and print the result as JSON or markdown.
#pragma once

#include "command.hpp"
#include "format.hpp"
#include "key_filter.hpp"

#include <tracker/significance.hpp>

#include <optional>
#include <string>

namespace tracker::cli {

// The options shared by compare and check: --test, --resamples, --seed, --alpha.
inline const std::vector<std::string_view> significance_value_options = {"--test", "--resamples",
                                                                         "--seed", "--alpha"};
significance::options significance_options(const parsed_args& p);

struct significance_report {
  std::string prefix;  // "val": metric keys are "<prefix>/accuracy", ...
  std::string key;     // the object compared: "val/predictions" or "val/confusion"
  std::int64_t step_a = 0, step_b = 0;
  significance::options opts;
  significance::comparison result;
  std::string note;  // why the comparison is unpaired, "" when paired

  std::string metric_key(const significance::metric_difference& m) const {
    return prefix.empty() ? m.name : prefix + "/" + m.name;
  }
};

// Compares A (baseline) and B under `prefix`, or, when prefix is empty, under "val" if both
// runs have it, else the first prefix both have. Prefers per-sample predictions; falls back to
// the confusion matrices (unpaired). Throws tracker::error(invalid_argument) when neither is
// there for both runs, or when they come from different validation sets.
significance_report compute_significance(const reader& store, const run_info& a, const run_info& b,
                                         const significance::options& opts,
                                         const std::optional<std::string>& prefix = {});

// The "significance" object of compare --format json (metrics filtered by keys).
ojson significance_json(const significance_report& r, const key_filter& keys);
// A markdown section: headline table, per-class F1 in <details>.
void write_significance_markdown(std::ostream& out, const significance_report& r,
                                 const key_filter& keys);

// "[-0.0123, 0.0045]"
std::string interval_text(const significance::interval& i);
// "p = 0.0312" / "p < 1e-16"
std::string p_text(double p);

}  // namespace tracker::cli
