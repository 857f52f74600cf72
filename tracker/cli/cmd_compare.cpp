// cmd_compare.cpp — `tracker compare RUN_A RUN_B`: config differences and metric deltas.
//
// Deltas are always B − A (A is the baseline, B the candidate), for last/min/max/best/count.
// --significance adds whether the difference is signal or noise (significance_report.hpp);
// --keys keeps the metrics matching a glob. Markdown lists headline metrics first and folds
// per-class metrics into <details>, so it fits a CI step summary.
#include "command.hpp"
#include "format.hpp"
#include "key_filter.hpp"
#include "significance_report.hpp"

#include <map>
#include <set>

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "compare",
    .synopsis = "RUN_A RUN_B [--keys PATTERN]... [--significance [--test T] [--resamples N] "
                "[--seed S] [--alpha A] [--prefix P]] [--format markdown|json]",
    .description =
        "Config differences (only in A, only in B, different) and every metric's\n"
        "last/min/max/best/count side by side with deltas B - A. A is the baseline.\n"
        "--keys PATTERN   only metrics matching the glob (repeatable; * ? [abc])\n"
        "--significance   is B - A signal or noise? From the runs' per-sample predictions\n"
        "                 (<prefix>/predictions): McNemar's test on accuracy (--test\n"
        "                 mcnemar_exact|mcnemar_midp|mcnemar_chi2) and paired bootstrap 95%\n"
        "                 intervals for accuracy, macro F1 and per-class F1 (--resamples 10000,\n"
        "                 --seed 0); without them, Wilson intervals from the confusion matrices\n"
        "                 (unpaired). --alpha 0.05: the p-value below which a difference counts\n"
        "                 as significant. --prefix: which evaluation (default val).",
    .value_options = {"--keys", "--test", "--resamples", "--seed", "--alpha", "--prefix"},
    .flag_options = {"--significance"},
    .formats = {"markdown", "json"},
    .min_positional = 2,
    .max_positional = 2,
};

std::optional<double> difference(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b) return std::nullopt;
  return *b - *a;
}

// The metrics of both runs, by key: either side may be missing.
using metric_pair = std::pair<std::optional<metric_summary>, std::optional<metric_summary>>;

std::map<std::string, metric_pair> pair_metrics(const std::vector<metric_summary>& a,
                                                const std::vector<metric_summary>& b,
                                                const key_filter& keys) {
  std::map<std::string, metric_pair> out;
  for (const metric_summary& m : a)
    if (keys.matches(m.key)) out[m.key].first = m;
  for (const metric_summary& m : b)
    if (keys.matches(m.key)) out[m.key].second = m;
  return out;
}

// The fields compared, in output order; count is exact integer arithmetic, shown as a double.
struct field {
  const char* name;
  std::optional<double> (*get)(const metric_summary&);
};
constexpr field fields[] = {
    {"last", [](const metric_summary& m) { return std::optional<double>(m.last); }},
    {"min", [](const metric_summary& m) { return m.min; }},
    {"max", [](const metric_summary& m) { return m.max; }},
    {"best", [](const metric_summary& m) { return m.best(); }},
    {"count", [](const metric_summary& m) { return std::optional<double>(double(m.count)); }},
};

struct config_diff {
  std::vector<std::pair<std::string, ojson>> only_a, only_b, same;
  std::vector<std::tuple<std::string, ojson, ojson>> different;
};

config_diff diff_config(const run_info& a, const run_info& b) {
  std::map<std::string, std::pair<std::optional<ojson>, std::optional<ojson>>> both;
  for (auto& [k, v] : flatten_config(run_config(a))) both[k].first = v;
  for (auto& [k, v] : flatten_config(run_config(b))) both[k].second = v;
  config_diff d;
  for (auto& [k, v] : both) {
    if (!v.second) {
      d.only_a.emplace_back(k, *v.first);
    } else if (!v.first) {
      d.only_b.emplace_back(k, *v.second);
    } else if (*v.first != *v.second) {
      d.different.emplace_back(k, *v.first, *v.second);
    } else {
      d.same.emplace_back(k, *v.first);
    }
  }
  return d;
}

ojson as_object(const std::vector<std::pair<std::string, ojson>>& kv) {
  ojson o = ojson::object();
  for (const auto& [k, v] : kv) o[k] = v;
  return o;
}

ojson to_json(const run_info& a, const run_info& b, const config_diff& d,
              const std::map<std::string, metric_pair>& metrics,
              const std::optional<significance_report>& sig, const key_filter& keys) {
  ojson doc = json_document();
  doc["a"] = run_json(a);
  doc["b"] = run_json(b);
  ojson different = ojson::object();
  for (const auto& [k, va, vb] : d.different) different[k] = {{"a", va}, {"b", vb}};
  doc["config"] = {{"only_in_a", as_object(d.only_a)},
                   {"only_in_b", as_object(d.only_b)},
                   {"different", std::move(different)},
                   {"same", as_object(d.same)}};
  doc["metrics"] = ojson::object();
  for (const auto& [key, pair] : metrics) {
    const auto& [ma, mb] = pair;
    ojson delta = nullptr;  // only when both runs have the metric
    if (ma && mb) {
      delta = ojson::object();
      for (const field& f : fields)
        delta[f.name] = f.name == std::string_view("count")
                            ? ojson(mb->count - ma->count)
                            : json_number(difference(f.get(*ma), f.get(*mb)));
    }
    doc["metrics"][key] = {{"a", ma ? summary_json(*ma) : ojson(nullptr)},
                           {"b", mb ? summary_json(*mb) : ojson(nullptr)},
                           {"delta", std::move(delta)}};
  }
  if (sig) doc["significance"] = significance_json(*sig, keys);
  return doc;
}

// "0.3 → 0.25 (-0.05)"; a side without the value shows "—".
std::string side_by_side(const std::optional<double>& a, const std::optional<double>& b) {
  std::string cell = human_number(a) + " → " + human_number(b);
  if (auto d = difference(a, b))
    cell += " (" + (*d > 0 ? "+" : std::string()) + human_number(*d) + ")";
  return cell;
}

void write_markdown(std::ostream& out, const run_info& a, const run_info& b, const config_diff& d,
                    const std::map<std::string, metric_pair>& metrics,
                    const std::optional<significance_report>& sig, const key_filter& keys) {
  out << "# Compare A " << markdown_cell(run_label(a)) << " with B " << markdown_cell(run_label(b))
      << "\n\n";
  std::vector<row> attributes;
  const auto attrs_a = run_attributes(a), attrs_b = run_attributes(b);
  for (std::size_t i = 0; i < attrs_a.size() && i < attrs_b.size(); ++i)
    attributes.push_back({attrs_a[i].first, attrs_a[i].second, attrs_b[i].second});
  write_markdown_table(out, {"attribute", "A", "B"}, attributes);

  out << "\n## Config differences\n\n";
  if (d.only_a.empty() && d.only_b.empty() && d.different.empty()) {
    out << "_identical (" << d.same.size() << " keys)_\n";
  } else {
    std::vector<row> rows;
    for (const auto& [k, va, vb] : d.different)
      rows.push_back({k, json_value_text(va), json_value_text(vb)});
    for (const auto& [k, v] : d.only_a) rows.push_back({k, json_value_text(v), "—"});
    for (const auto& [k, v] : d.only_b) rows.push_back({k, "—", json_value_text(v)});
    write_markdown_table(out, {"key", "A", "B"}, rows);
    out << '\n' << d.same.size() << " other keys are equal.\n";
  }

  out << "\n## Metrics (A → B, Δ = B − A)\n\n";
  if (metrics.empty()) {
    out << (keys.empty() ? "_no metrics in either run_\n"
                         : "_no metric of either run matches --keys " + keys.describe() + "_\n");
    if (sig) write_significance_markdown(out, *sig, keys);
    return;
  }
  // Headline metrics (accuracy, f1_macro, loss) first; per-class ones folded by prefix.
  std::set<std::string> all_keys;
  for (const auto& [key, pair] : metrics) all_keys.insert(key);
  std::vector<std::string> main_keys;
  std::map<std::string, std::map<std::string, std::map<std::string, const metric_pair*>>> per_class;
  std::map<std::string, std::vector<std::string>> label_order;  // first-seen (sorted key) order
  for (const auto& [key, pair] : metrics) {
    if (auto pc = split_per_class(key, all_keys)) {
      auto& labels = label_order[pc->prefix];
      if (std::find(labels.begin(), labels.end(), pc->label) == labels.end()) labels.push_back(pc->label);
      per_class[pc->prefix][pc->label][pc->metric] = &pair;
    } else {
      main_keys.push_back(key);
    }
  }
  std::stable_sort(main_keys.begin(), main_keys.end(), [](const std::string& x, const std::string& y) {
    return headline_rank(x) < headline_rank(y);
  });
  std::vector<row> rows;
  for (const std::string& key : main_keys) {
    const auto& [ma, mb] = metrics.at(key);
    row r{key};
    for (const field& f : fields)
      r.push_back(side_by_side(ma ? f.get(*ma) : std::nullopt, mb ? f.get(*mb) : std::nullopt));
    rows.push_back(std::move(r));
  }
  if (!rows.empty()) write_markdown_table(out, {"metric", "last", "min", "max", "best", "count"}, rows);
  for (const auto& [prefix, labels] : label_order) {
    out << "\n<details><summary>Per-class metrics" << (prefix.empty() ? "" : " `" + prefix + "`") << " ("
        << labels.size() << " classes, last values A → B)</summary>\n\n";
    std::vector<row> pc_rows;
    for (const std::string& label : labels) {
      row r{label};
      for (const char* m : {"precision", "recall", "f1", "support"}) {
        const auto& cells = per_class[prefix][label];
        auto it = cells.find(m);
        if (it == cells.end()) {
          r.push_back("—");
          continue;
        }
        const auto& [ma, mb] = *it->second;
        r.push_back(side_by_side(ma ? std::optional<double>(ma->last) : std::nullopt,
                                 mb ? std::optional<double>(mb->last) : std::nullopt));
      }
      pc_rows.push_back(std::move(r));
    }
    write_markdown_table(out, {"class", "precision", "recall", "f1", "support"}, pc_rows);
    out << "\n</details>\n";
  }
  if (sig) write_significance_markdown(out, *sig, keys);
}

}  // namespace

int cmd_compare(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const reader store = open_store(p);
    const run_info run_a = store.run(p.positional[0]);
    const run_info run_b = store.run(p.positional[1]);
    const key_filter keys = key_filter::from(p);
    const bool want_sig = p.flag("--significance");
    if (!want_sig)
      for (std::string_view o : {"--test", "--resamples", "--seed", "--alpha", "--prefix"})
        if (p.value(o)) throw bad_usage(std::string(o) + " goes with --significance");
    const significance::options opts = want_sig ? significance_options(p) : significance::options{};
    const config_diff d = diff_config(run_a, run_b);
    const auto summaries_a = store.summaries(run_a.id), summaries_b = store.summaries(run_b.id);
    const auto metrics = pair_metrics(summaries_a, summaries_b, keys);
    if (!keys.empty() && metrics.empty()) {
      std::vector<std::string> all;
      for (const auto& [key, pair] : pair_metrics(summaries_a, summaries_b, key_filter())) all.push_back(key);
      throw_no_key_matches("either run", keys, all);
    }
    // Computed before printing, so a refusal (different validation sets) leaves stdout empty.
    std::optional<significance_report> sig;
    if (want_sig) sig = compute_significance(store, run_a, run_b, opts, p.value("--prefix"));
    if (p.format == "json")
      write_json(ctx.out, to_json(run_a, run_b, d, metrics, sig, keys));
    else
      write_markdown(ctx.out, run_a, run_b, d, metrics, sig, keys);
    return exit_code::ok;
  });
}

}  // namespace tracker::cli
