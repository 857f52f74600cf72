// cmd_summary.cpp — `tracker summary RUN`: attributes, config and per-metric summaries.
#include "command.hpp"
#include "format.hpp"

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "summary",
    .synopsis = "RUN [--format markdown|json]",
    .description =
        "A run's attributes, its config, and per metric: last, min, max, best, goal,\n"
        "count, non-finite count and last step. RUN: id, unique name, or 'latest'.",
    .formats = {"markdown", "json"},
    .min_positional = 1,
    .max_positional = 1,
};

void write_markdown(std::ostream& out, const run_info& r, const std::vector<metric_summary>& ms) {
  out << "# Run " << markdown_cell(run_label(r)) << "\n\n";
  std::vector<row> attributes;
  for (auto& [name, text] : run_attributes(r)) attributes.push_back({name, text});
  write_markdown_table(out, {"attribute", "value"}, attributes);

  out << "\n## Config\n\n";
  const auto config = flatten_config(run_config(r));
  if (config.empty()) {
    out << "_no config_\n";
  } else {
    std::vector<row> rows;
    for (const auto& [key, value] : config) rows.push_back({key, json_value_text(value)});
    write_markdown_table(out, {"key", "value"}, rows);
  }

  out << "\n## Metrics\n\n";
  if (ms.empty()) {
    out << "_no metrics logged_\n";
    return;
  }
  std::vector<row> rows;
  for (const metric_summary& m : ms)
    rows.push_back({m.key, human_number(m.last), human_number(m.min), human_number(m.max),
                    human_number(m.best()), to_string(m.metric_goal), std::to_string(m.count),
                    std::to_string(m.nonfinite), std::to_string(m.last_step)});
  write_markdown_table(
      out, {"metric", "last", "min", "max", "best", "goal", "count", "non-finite", "last step"},
      rows);
}

}  // namespace

int cmd_summary(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const reader store = open_store(p);
    const run_info r = store.run(p.positional[0]);
    const std::vector<metric_summary> ms = sorted_by_key(store.summaries(r.id));

    if (p.format == "json") {
      ojson doc = json_document();
      doc["run"] = run_json(r);
      doc["config"] = run_config(r);
      doc["metrics"] = ojson::object();
      for (const metric_summary& m : ms) doc["metrics"][m.key] = summary_json(m);
      write_json(ctx.out, doc);
    } else {
      write_markdown(ctx.out, r, ms);
    }
    return exit_code::ok;
  });
}

}  // namespace tracker::cli
