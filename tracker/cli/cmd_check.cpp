// cmd_check.cpp — `tracker check RUN EXPR...`: CI gates. Exit 0 all pass, 1 any fails.
//
// Every expression is parsed before the store is touched, so a typo is a usage error (exit 2)
// rather than a failed gate (exit 1): CI must not read "your model got worse" for "bad syntax".
//
// Baseline gates: with --baseline A, a threshold may be written relative to A's value of the
// same metric and field ('val/accuracy>=baseline-0.005'). --significant then fails such a gate
// only when B − A is also statistically significant in the failing direction (McNemar for
// accuracy, paired bootstrap for F1; significance_report.hpp), so noise does not flap CI.
// --keys PATTERN gates every matching metric that has a goal against the baseline
// ('KEY>=baseline' when maximized, 'KEY<=baseline' when minimized).
#include "command.hpp"
#include "format.hpp"
#include "key_filter.hpp"
#include "significance_report.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "check",
    .synopsis =
        "RUN EXPR... [--baseline RUN_A [--significant [--alpha A]]] [--keys PATTERN]... "
        "[--format text|json|markdown|junit]",
    .description =
        "Evaluates each gate against RUN and prints PASS/FAIL with the actual value; exits 1 if\n"
        "any gate fails. EXPR: 'val/acc>=0.85', 'train/loss.min<0.3', 'config.lr=0.001'\n"
        "(ops = != < <= > >=; fields last|min|max|best|count, default last). A gate on a\n"
        "metric the run does not have fails as \"missing\".\n"
        "--baseline RUN_A  thresholds may name the baseline's value of the same metric and\n"
        "                  field: 'val/accuracy>=baseline-0.005', 'val/loss<=baseline+0.01'\n"
        "--significant     a baseline gate fails only when B - A is significant in the failing\n"
        "                  direction (p < --alpha, default 0.05; McNemar exact for accuracy, "
        "paired\n"
        "                  bootstrap for F1; needs <prefix>/predictions or confusion matrices;\n"
        "                  --test, --resamples, --seed as for compare --significance;\n"
        "                  --adjust holm: Holm's correction over the tested gates)\n"
        "--keys PATTERN    with --baseline: gate every matching metric with a goal against the\n"
        "                  baseline (not worse); repeatable glob (* ? [abc]); EXPR is then\n"
        "                  optional\n"
        "--format junit    JUnit XML, one test case per gate (GitLab, Jenkins, GitHub reporters)",
    .value_options = {"--baseline", "--keys", "--test", "--resamples", "--seed", "--alpha",
                      "--adjust"},
    .flag_options = {"--significant"},
    .formats = {"text", "json", "markdown", "junit"},
    .min_positional = 1,
};

struct gate {
  std::string expression;
  condition cond;
  condition_result result;
  // Baseline-relative gates only.
  bool relative = false;
  double offset = 0;                // threshold = baseline + offset
  std::optional<double> baseline;   // the baseline run's value of the same metric and field
  std::optional<double> threshold;  // baseline + offset
  // --significant only: the test of B − A for this metric, and what it decided.
  std::optional<significance::metric_difference> test;
  std::optional<double> p_adjusted;  // --adjust holm
  std::string note;
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

bool holds(double actual, const std::string& op, double threshold) {
  if (std::isnan(actual) || std::isnan(threshold)) return false;  // NaN never passes a gate
  if (op == "=" || op == "==") return actual == threshold;
  if (op == "!=") return actual != threshold;
  if (op == "<") return actual < threshold;
  if (op == "<=") return actual <= threshold;
  if (op == ">") return actual > threshold;
  if (op == ">=") return actual >= threshold;
  return false;
}

// 'val/accuracy>=baseline-0.005' -> ("val/accuracy>=", -0.005); nullopt for absolute gates.
std::optional<std::pair<std::string, double>> split_baseline(const std::string& text) {
  const std::size_t pos = text.rfind("baseline");
  if (pos == std::string::npos) return std::nullopt;
  // The operator must come right before (spaces allowed); keys may contain spaces and even
  // "baseline" ("val/f1/Ankle boot", "baseline/acc"), so only the right-hand side is rewritten.
  std::size_t before = pos;
  while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t')) --before;
  if (before == 0 ||
      (text[before - 1] != '<' && text[before - 1] != '>' && text[before - 1] != '='))
    return std::nullopt;
  std::string rest;
  for (char c : text.substr(pos + 8))
    if (c != ' ' && c != '\t') rest += c;
  double offset = 0;
  if (!rest.empty()) {
    const std::string number = rest.substr(1);
    const char* end = number.data() + number.size();
    auto [ptr, ec] = std::from_chars(number.data(), end, offset);
    if ((rest[0] != '+' && rest[0] != '-') || number.empty() || ec != std::errc{} || ptr != end ||
        !std::isfinite(offset))
      throw tracker::error(error_code::invalid_argument,
                           "condition \"" + text +
                               "\": after 'baseline' expected +NUMBER or -NUMBER, got \"" + rest +
                               "\"");
    if (rest[0] == '-') offset = -offset;
  }
  return std::pair{text.substr(0, before), offset};
}

gate parse_gate(const std::string& text) {
  gate g;
  g.expression = text;
  if (auto rel = split_baseline(text)) {
    try {
      g.cond = parse_condition(rel->first + "0");
    } catch (const tracker::error& e) {
      throw tracker::error(e.code(),
                           "condition \"" + text + "\": not KEY[.FIELD] OP baseline[+-NUMBER]");
    }
    if (g.cond.on != condition::subject::metric)
      throw tracker::error(error_code::invalid_argument,
                           "condition \"" + text + "\": 'baseline' works on metric gates only");
    g.relative = true;
    g.offset = rel->second;
    return g;
  }
  g.cond = parse_condition(text);
  return g;
}

// The significance name of a metric key under a prefix: "val/accuracy" -> ("val", ...).
std::optional<std::string> significance_prefix(const std::string& key) {
  for (std::string_view leaf : {"/accuracy", "/f1_macro"})
    if (key.size() > leaf.size() && key.compare(key.size() - leaf.size(), leaf.size(), leaf) == 0)
      return key.substr(0, key.size() - leaf.size());
  if (key == "accuracy" || key == "f1_macro" || key.rfind("f1/", 0) == 0) return std::string();
  if (const std::size_t pos = key.find("/f1/"); pos != std::string::npos) return key.substr(0, pos);
  return std::nullopt;
}

// Does B − A go the way that makes this gate fail? (> / >=: down; < / <=: up; = / !=: either.)
bool failing_direction(const std::string& op, double diff) {
  if (op == ">" || op == ">=") return diff < 0;
  if (op == "<" || op == "<=") return diff > 0;
  return diff != 0;
}

// What the text output shows after PASS/FAIL; a missing metric names a close spelling.
std::string actual_text(const gate& g, const std::vector<std::string>& metric_keys) {
  std::string text;
  if (g.cond.on == condition::subject::metric && g.result.actual)
    text = g.cond.field + " = " + human_number(*g.result.actual);
  else if (g.cond.on == condition::subject::metric && g.result.actual_text == "missing")
    text = "missing" + did_you_mean(g.cond.key, metric_keys);
  else if (g.cond.on == condition::subject::config && g.result.actual_text != "missing")
    text = "config." + g.cond.key + " = " + g.result.actual_text;
  else
    text = g.result.actual_text;
  if (g.relative && g.result.actual) {
    if (!g.baseline)
      text += " (baseline: no value)";
    else
      text += " (baseline " + human_number(*g.baseline) +
              (g.offset != 0 ? (g.offset > 0 ? " + " : " - ") + human_number(std::fabs(g.offset)) +
                                   " = " + human_number(*g.threshold)
                             : std::string()) +
              ")";
  }
  if (!g.note.empty()) text += "; " + g.note;
  return text;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 forbids most control characters, even escaped.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r')
          out += ' ';
        else
          out += c;
    }
  }
  return out;
}

ojson test_json(const significance::metric_difference& m, double alpha) {
  return {{"test", m.test},
          {"a", json_number(m.a)},
          {"b", json_number(m.b)},
          {"diff", json_number(m.diff)},
          {"p_value", m.p_value ? json_number(*m.p_value) : ojson(nullptr)},
          {"ci95", m.ci95 ? ojson::array({json_number(m.ci95->lo), json_number(m.ci95->hi)})
                          : ojson(nullptr)},
          {"significant", m.significant},
          {"alpha", alpha}};
}

}  // namespace

int cmd_check(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const auto baseline_ref = p.value("--baseline");
    const bool significant = p.flag("--significant");
    const key_filter keys = key_filter::from(p);
    if (significant && !baseline_ref) throw bad_usage("--significant needs --baseline RUN");
    if (!keys.empty() && !baseline_ref)
      throw bad_usage(
          "--keys on check needs --baseline RUN (it gates every matching metric against it)");
    if (!significant)
      for (std::string_view o : {"--test", "--resamples", "--seed", "--alpha", "--adjust"})
        if (p.value(o)) throw bad_usage(std::string(o) + " goes with --significant");
    const std::string adjust = p.value("--adjust").value_or("none");
    if (adjust != "none" && adjust != "holm")
      throw bad_usage("unknown --adjust '" + adjust + "' (expected none or holm)");
    const bool holm = adjust == "holm";
    if (p.positional.size() < 2 && keys.empty()) throw bad_usage("missing gate expressions");
    const significance::options sig_opts =
        significant ? significance_options(p) : significance::options{};

    std::vector<gate> gates;
    for (std::size_t i = 1; i < p.positional.size(); ++i) {
      gates.push_back(parse_gate(p.positional[i]));
      if (gates.back().relative && !baseline_ref)
        throw bad_usage("gate '" + p.positional[i] + "' uses 'baseline': pass --baseline RUN");
    }

    const reader store = open_store(p);
    const run_info r = store.run(p.positional[0]);
    std::optional<run_info> base;
    if (baseline_ref) base = store.run(*baseline_ref);
    const std::vector<metric_summary> summaries = sorted_by_key(store.summaries(r.id));
    std::vector<std::string> metric_keys;
    for (const metric_summary& m : summaries) metric_keys.push_back(m.key);

    if (!keys.empty()) {  // one "not worse than the baseline" gate per matching metric with a goal
      std::size_t added = 0;
      for (const metric_summary& m : summaries) {
        if (!keys.matches(m.key) || m.metric_goal == goal::none) continue;
        gates.push_back(
            parse_gate(m.key + (m.metric_goal == goal::maximize ? ">=" : "<=") + "baseline"));
        ++added;
      }
      if (added == 0)
        throw_no_key_matches("run " + run_label(r) + " with a goal (minimize/maximize)", keys,
                             metric_keys);
    }

    // Significance per prefix, computed once; an input problem (different validation sets, no
    // per-sample data) is exit 2 before anything is printed.
    std::map<std::string, significance_report> reports;
    for (gate& g : gates) {
      if (g.relative) {
        g.result = store.evaluate(r, g.cond);
        const condition_result ra = store.evaluate(*base, g.cond);
        g.baseline = ra.actual;
        if (g.baseline) g.threshold = *g.baseline + g.offset;
        g.result.passed =
            g.result.actual && g.threshold && holds(*g.result.actual, g.cond.op, *g.threshold);
        apply_missing_rule(g);
        if (g.result.actual && !g.baseline) g.note = "the baseline run has no value for it";
      } else {
        g.result = store.evaluate(r, g.cond);
        apply_missing_rule(g);
      }
      if (!significant || !g.relative || !g.result.actual || !g.baseline) continue;
      const auto prefix = g.cond.field == "last" ? significance_prefix(g.cond.key) : std::nullopt;
      if (!prefix) {
        g.note = "no significance test for " + g.cond.key +
                 (g.cond.field == "last" ? "" : "." + g.cond.field) + ": a plain gate";
        continue;
      }
      auto it = reports.find(*prefix);
      if (it == reports.end())
        it = reports.emplace(*prefix, compute_significance(store, *base, r, sig_opts, *prefix))
                 .first;
      const significance_report& rep = it->second;
      const significance::metric_difference* m = nullptr;
      for (const auto& d : rep.result.metrics)
        if (rep.metric_key(d) == g.cond.key) m = &d;
      if (!m) {
        g.note = "no significance test for " + g.cond.key + " in " + rep.key + ": a plain gate";
        continue;
      }
      g.test = *m;
    }

    // --adjust holm: Holm's step-down over the gates that have a p-value, so that gating many
    // metrics (--keys 'val/f1*') does not multiply the false alarms.
    if (holm) {
      std::vector<gate*> tested;
      for (gate& g : gates)
        if (g.test && g.test->p_value) tested.push_back(&g);
      std::stable_sort(tested.begin(), tested.end(), [](const gate* x, const gate* y) {
        return *x->test->p_value < *y->test->p_value;
      });
      double running = 0;
      for (std::size_t i = 0; i < tested.size(); ++i) {
        const double scaled = static_cast<double>(tested.size() - i) * *tested[i]->test->p_value;
        running = std::max(running, std::min(1.0, scaled));
        tested[i]->p_adjusted = running;
      }
    }
    for (gate& g : gates) {
      if (!g.test) continue;
      const significance::metric_difference& m = *g.test;
      // Unpaired comparisons have no p-value: their interval at level 1 - alpha decides.
      const bool significant = g.p_adjusted ? *g.p_adjusted < sig_opts.alpha : m.significant;
      g.test->significant = significant;  // what the gate used, for the JSON
      std::string evidence =
          m.p_value ? "p = " + p_text(*m.p_value) : "95% CI of Δ " + interval_text(*m.ci95);
      if (g.p_adjusted) evidence += ", Holm-adjusted p = " + p_text(*g.p_adjusted);
      const std::string what = "Δ " + human_number(m.diff) + ", " + evidence + " (" + m.test +
                               ", alpha " + human_number(sig_opts.alpha) + ")";
      if (g.result.passed) {
        g.note = what;
      } else if (significant && failing_direction(g.cond.op, m.diff)) {
        g.note = "significant: " + what;
      } else {
        g.result.passed = true;
        g.note = "not significant: " + what + "; passes under --significant";
      }
    }
    std::size_t failed = 0;
    for (const gate& g : gates)
      if (!g.result.passed) ++failed;

    if (p.format == "json") {
      ojson doc = json_document();
      doc["run"] = run_json(r);
      if (base) doc["baseline"] = run_json(*base);
      doc["passed"] = failed == 0;
      doc["failed"] = failed;
      doc["gates"] = ojson::array();
      for (const gate& g : gates) {
        const bool metric = g.cond.on == condition::subject::metric;
        ojson j = {{"expression", g.expression},
                   {"subject", metric ? "metric" : "config"},
                   {"key", g.cond.key},
                   {"field", metric ? ojson(g.cond.field) : ojson(nullptr)},
                   {"op", g.cond.op},
                   // Metric thresholds are numbers (parse_condition checked; baseline gates:
                   // the baseline's value plus the offset); config ones compare as text.
                   {"threshold", g.relative ? json_number(g.threshold)
                                 : metric ? json_number(std::strtod(g.cond.value.c_str(), nullptr))
                                          : ojson(g.cond.value)},
                   {"passed", g.result.passed},
                   {"actual", json_number(g.result.actual)},
                   {"actual_text", g.result.actual_text}};
        if (base) {
          j["baseline"] = g.relative ? json_number(g.baseline) : ojson(nullptr);
          j["offset"] = g.relative ? json_number(g.offset) : ojson(nullptr);
          j["significance"] = g.test ? test_json(*g.test, sig_opts.alpha) : ojson(nullptr);
          if (g.test)
            j["significance"]["p_adjusted"] =
                g.p_adjusted ? json_number(*g.p_adjusted) : ojson(nullptr);
          j["note"] = g.note;
        }
        doc["gates"].push_back(std::move(j));
      }
      write_json(ctx.out, doc);
    } else if (p.format == "junit") {
      ctx.out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
              << "<testsuites name=\"tracker check\" tests=\"" << gates.size() << "\" failures=\""
              << failed << "\" errors=\"0\">\n"
              << "  <testsuite name=\"" << xml_escape("tracker check " + run_label(r))
              << "\" tests=\"" << gates.size() << "\" failures=\"" << failed
              << "\" errors=\"0\" skipped=\"0\">\n"
              << "    <properties>\n"
              << "      <property name=\"run\" value=\"" << xml_escape(r.id) << "\"/>\n";
      if (base)
        ctx.out << "      <property name=\"baseline\" value=\"" << xml_escape(base->id) << "\"/>\n";
      ctx.out << "    </properties>\n";
      for (const gate& g : gates) {
        const std::string detail = actual_text(g, metric_keys);
        ctx.out << "    <testcase classname=\"tracker.check." << xml_escape(r.id) << "\" name=\""
                << xml_escape(g.expression) << "\" time=\"0\">\n";
        if (!g.result.passed)
          ctx.out << "      <failure type=\"gate\" message=\"" << xml_escape(detail) << "\">"
                  << xml_escape(g.expression + ": " + detail) << "</failure>\n";
        else
          ctx.out << "      <system-out>" << xml_escape(detail) << "</system-out>\n";
        ctx.out << "    </testcase>\n";
      }
      ctx.out << "  </testsuite>\n</testsuites>\n";
    } else if (p.format == "markdown") {
      ctx.out << "## Gates: run " << markdown_cell(run_label(r));
      if (base) ctx.out << " against baseline " << markdown_cell(run_label(*base));
      ctx.out << "\n\n";
      std::vector<row> rows;
      for (const gate& g : gates)
        rows.push_back({g.result.passed ? "✅ pass" : "❌ **fail**", "`" + g.expression + "`",
                        actual_text(g, metric_keys)});
      write_markdown_table(ctx.out, {"result", "gate", "value"}, rows);
      ctx.out << '\n' << (gates.size() - failed) << " of " << gates.size() << " gates passed\n";
    } else {
      ctx.out << "run " << run_label(r) << '\n';
      if (base) ctx.out << "baseline " << run_label(*base) << '\n';
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
