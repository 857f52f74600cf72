// cmd_export.cpp — `tracker export RUN`: every raw point, as CSV or JSON Lines.
//
// Values are written exactly (shortest round-trip text); NaN and +-Inf as "NaN", "Infinity",
// "-Infinity" in both formats, so a point never silently disappears from an export.
#include "command.hpp"
#include "format.hpp"
#include "key_filter.hpp"

#include <algorithm>

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "export",
    .synopsis = "RUN [--key K]... [--keys PATTERN]... [--format csv|jsonl]",
    .description =
        "Every raw point (key, step, time, value) of the run's metrics, or of the\n"
        "given keys, in step order. time is unix seconds. --keys PATTERN (glob, repeatable:\n"
        "* ? [abc]) keeps the keys that match one of the patterns.",
    .value_options = {"--key", "--keys"},
    .formats = {"csv", "jsonl"},
    .min_positional = 1,
    .max_positional = 1,
};

// The keys to export: the requested ones (each must exist), else every metric of the run.
std::vector<std::string> keys_to_export(const reader& store, const run_info& r,
                                        const std::vector<std::string>& requested) {
  std::vector<std::string> all;
  for (const metric_summary& m : sorted_by_key(store.summaries(r.id))) all.push_back(m.key);
  if (requested.empty()) return all;
  std::vector<std::string> keys;  // each once, in the order first asked for
  for (const std::string& k : requested) {
    if (std::find(all.begin(), all.end(), k) == all.end())
      throw tracker::error(
          error_code::invalid_argument,
          "run " + run_label(r) + " has no metric '" + k + "'" + did_you_mean(k, all));
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  }
  return keys;
}

}  // namespace

int cmd_export(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const reader store = open_store(p);
    const run_info r = store.run(p.positional[0]);
    const bool csv = p.format == "csv";
    // Keys are checked before anything is printed: an error leaves stdout empty.
    std::vector<std::string> keys = keys_to_export(store, r, p.values("--key"));
    if (const key_filter filter = key_filter::from(p); !filter.empty()) {  // --keys PATTERN
      const std::vector<std::string> before = keys;
      std::erase_if(keys, [&](const std::string& k) { return !filter.matches(k); });
      if (keys.empty()) throw_no_key_matches("run " + run_label(r), filter, before);
    }

    if (csv) write_csv_row(ctx.out, {"key", "step", "time", "value"});
    for (const std::string& key : keys) {
      for (const point& pt : store.points(r.id, key)) {
        if (csv) {
          write_csv_row(ctx.out, {key, std::to_string(pt.step), exact_number(pt.time),
                                  exact_number(pt.value)});
        } else {
          ojson line = ojson::object();
          line["key"] = key;
          line["step"] = pt.step;
          line["time"] = json_number(pt.time);
          line["value"] = json_number(pt.value);
          write_json_line(ctx.out, line);
        }
      }
    }
    return exit_code::ok;
  });
}

}  // namespace tracker::cli
