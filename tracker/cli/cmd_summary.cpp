// cmd_summary.cpp — `tracker summary RUN`: attributes, config and per-metric summaries.
//
// Markdown is meant for a CI step summary: headline metrics (accuracy, f1_macro, loss) first,
// per-class metrics folded into one <details> table per prefix; --keys keeps matching metrics.
#include "command.hpp"
#include "format.hpp"
#include "key_filter.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "summary",
    .synopsis = "RUN [--keys PATTERN]... [--format markdown|json]",
    .description =
        "A run's attributes, its config, and per metric: last, min, max, best, goal,\n"
        "count, non-finite count and last step. RUN: id, unique name, or 'latest'.\n"
        "--keys PATTERN  only metrics matching the glob (repeatable; * ? [abc]), e.g.\n"
        "                --keys 'val/*' --keys train/loss",
    .value_options = {"--keys"},
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
  std::set<std::string> keys;
  for (const metric_summary& m : ms) keys.insert(m.key);
  std::vector<const metric_summary*> main;
  // prefix -> label -> metric -> value, labels in first-seen order.
  std::map<std::string, std::vector<std::string>> labels;
  std::map<std::string, std::map<std::string, std::map<std::string, double>>> per_class;
  for (const metric_summary& m : ms) {
    if (auto pc = split_per_class(m.key, keys)) {
      auto& l = labels[pc->prefix];
      if (std::find(l.begin(), l.end(), pc->label) == l.end()) l.push_back(pc->label);
      per_class[pc->prefix][pc->label][pc->metric] = m.last;
    } else {
      main.push_back(&m);
    }
  }
  std::stable_sort(main.begin(), main.end(), [](const metric_summary* x, const metric_summary* y) {
    return headline_rank(x->key) < headline_rank(y->key);
  });
  std::vector<row> rows;
  for (const metric_summary* m : main)
    rows.push_back({m->key, human_number(m->last), human_number(m->min), human_number(m->max),
                    human_number(m->best()), to_string(m->metric_goal), std::to_string(m->count),
                    std::to_string(m->nonfinite), std::to_string(m->last_step)});
  if (!rows.empty())
    write_markdown_table(
        out, {"metric", "last", "min", "max", "best", "goal", "count", "non-finite", "last step"},
        rows);
  for (const auto& [prefix, label_list] : labels) {
    out << "\n<details><summary>Per-class metrics" << (prefix.empty() ? "" : " `" + prefix + "`") << " ("
        << label_list.size() << " classes, last values)</summary>\n\n";
    std::vector<row> pc_rows;
    for (const std::string& label : label_list) {
      row r{label};
      for (const char* metric : {"precision", "recall", "f1", "support"}) {
        const auto& cells = per_class[prefix][label];
        auto it = cells.find(metric);
        r.push_back(it == cells.end() ? "—" : human_number(it->second));
      }
      pc_rows.push_back(std::move(r));
    }
    write_markdown_table(out, {"class", "precision", "recall", "f1", "support"}, pc_rows);
    out << "\n</details>\n";
  }
}

}  // namespace

int cmd_summary(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const reader store = open_store(p);
    const run_info r = store.run(p.positional[0]);
    const key_filter filter = key_filter::from(p);
    std::vector<metric_summary> ms = sorted_by_key(store.summaries(r.id));
    if (!filter.empty()) {
      std::vector<std::string> all;
      for (const metric_summary& m : ms) all.push_back(m.key);
      std::erase_if(ms, [&](const metric_summary& m) { return !filter.matches(m.key); });
      if (ms.empty()) throw_no_key_matches("run " + run_label(r), filter, all);
    }

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
