// cmd_check.cpp — `tracker check RUN EXPR...`: CI gates. Exit 0 all pass, 1 any fails.
//
// Every expression is parsed before the store is touched, so a typo is a usage error (exit 2)
// rather than a failed gate (exit 1): CI must not read "your model got worse" for "bad syntax".
#include "command.hpp"
#include "format.hpp"

#include <cstdlib>

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "check",
    .synopsis = "RUN EXPR... [--format text|json]",
    .description =
        "Evaluates each gate against RUN and prints PASS/FAIL with the actual value; exits 1 if\n"
        "any gate fails. EXPR: 'val/acc>=0.85', 'train/loss.min<0.3', 'config.lr=0.001'\n"
        "(ops = != < <= > >=; fields last|min|max|best|count, default last). A gate on a\n"
        "metric the run does not have fails as \"missing\".",
    .formats = {"text", "json"},
    .min_positional = 2,
};

struct gate {
  std::string expression;
  condition cond;
  condition_result result;
};

// The CLI's own rule on top of reader::evaluate: a metric gate without a value never passes,
// whatever the operator ("missing != 0" must not let a run through).
void apply_missing_rule(gate& g) {
  const bool missing = g.cond.on == condition::subject::metric ? !g.result.actual
                                                               : g.result.actual_text == "missing";
  if (!missing) return;
  g.result.passed = false;
  if (g.result.actual_text.empty()) g.result.actual_text = "missing";
}

// What the text output shows after PASS/FAIL; a missing metric names a close spelling.
std::string actual_text(const gate& g, const std::vector<std::string>& metric_keys) {
  if (g.cond.on == condition::subject::metric && g.result.actual)
    return g.cond.field + " = " + human_number(*g.result.actual);
  if (g.cond.on == condition::subject::metric && g.result.actual_text == "missing")
    return "missing" + did_you_mean(g.cond.key, metric_keys);
  if (g.cond.on == condition::subject::config && g.result.actual_text != "missing")
    return "config." + g.cond.key + " = " + g.result.actual_text;
  return g.result.actual_text;
}

}  // namespace

int cmd_check(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    std::vector<gate> gates;
    for (std::size_t i = 1; i < p.positional.size(); ++i)
      gates.push_back({p.positional[i], parse_condition(p.positional[i]), {}});

    const reader store = open_store(p);
    const run_info r = store.run(p.positional[0]);
    std::size_t failed = 0;
    for (gate& g : gates) {
      g.result = store.evaluate(r, g.cond);
      apply_missing_rule(g);
      if (!g.result.passed) ++failed;
    }

    if (p.format == "json") {
      ojson doc = json_document();
      doc["run"] = run_json(r);
      doc["passed"] = failed == 0;
      doc["failed"] = failed;
      doc["gates"] = ojson::array();
      for (const gate& g : gates) {
        const bool metric = g.cond.on == condition::subject::metric;
        doc["gates"].push_back(
            {{"expression", g.expression},
             {"subject", metric ? "metric" : "config"},
             {"key", g.cond.key},
             {"field", metric ? ojson(g.cond.field) : ojson(nullptr)},
             {"op", g.cond.op},
             // Metric thresholds are numbers (parse_condition checked);
             // config ones compare as text when not numeric.
             {"threshold", metric ? json_number(std::strtod(g.cond.value.c_str(), nullptr))
                                  : ojson(g.cond.value)},
             {"passed", g.result.passed},
             {"actual", json_number(g.result.actual)},
             {"actual_text", g.result.actual_text}});
      }
      write_json(ctx.out, doc);
    } else {
      ctx.out << "run " << run_label(r) << '\n';
      std::vector<std::string> metric_keys;
      for (const metric_summary& m : store.summaries(r.id)) metric_keys.push_back(m.key);
      std::vector<row> rows;
      for (const gate& g : gates)
        rows.push_back(
            {g.result.passed ? "PASS" : "FAIL", g.expression, actual_text(g, metric_keys)});
      write_text_table(ctx.out, {}, rows);  // "PASS  val/acc>=0.85  last = 0.91"
      ctx.out << (gates.size() - failed) << " of " << gates.size() << " gates passed\n";
    }
    return failed == 0 ? exit_code::ok : exit_code::check_failed;
  });
}

}  // namespace tracker::cli
