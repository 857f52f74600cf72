// significance_report.cpp — see significance_report.hpp.
#include "significance_report.hpp"

#include <tracker/metrics.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace tracker::cli {

namespace {

namespace sig = tracker::significance;
namespace metrics = tracker::metrics;

// Strict number parsing: the whole text, finite.
double parse_double(const std::string& text, std::string_view option) {
  double v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(v))
    throw bad_usage(std::string(option) + " must be a number, got '" + text + "'");
  return v;
}

std::uint64_t parse_uint(const std::string& text, std::string_view option) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end)
    throw bad_usage(std::string(option) + " must be a non-negative integer, got '" + text + "'");
  return v;
}

// Prefixes of a run's objects of one kind stored under "<prefix>/<leaf>" (or "<leaf>").
std::vector<std::string> prefixes_of(const reader& store, const std::string& run_id,
                                     std::string_view kind, std::string_view leaf) {
  std::vector<std::string> out;
  for (const object_record& o : store.objects(run_id, "", std::string(kind))) {
    std::string prefix;
    if (o.key == leaf) {
      prefix = "";
    } else if (o.key.size() > leaf.size() &&
               o.key.compare(o.key.size() - leaf.size(), leaf.size(), leaf) == 0 &&
               o.key[o.key.size() - leaf.size() - 1] == '/') {
      prefix = o.key.substr(0, o.key.size() - leaf.size() - 1);
    } else {
      continue;
    }
    if (std::find(out.begin(), out.end(), prefix) == out.end()) out.push_back(prefix);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> common(const std::vector<std::string>& a,
                                const std::vector<std::string>& b) {
  std::vector<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::string join_key(const std::string& prefix, std::string_view leaf) {
  return prefix.empty() ? std::string(leaf) : prefix + "/" + std::string(leaf);
}

nlohmann::json load_body(const reader& store, const run_info& r, const std::string& key,
                         std::int64_t& step) {
  std::optional<object_record> rec = store.object(r.id, key);
  if (!rec)
    throw tracker::error(error_code::invalid_argument,
                         "run " + r.id + " has no object '" + key + "'");
  step = rec->step;
  try {
    return nlohmann::json::parse(rec->body_json);
  } catch (const nlohmann::json::exception& e) {
    throw tracker::error(error_code::store_corrupt, "the stored body of '" + key + "' of run " +
                                                        r.id + " is not valid JSON: " + e.what());
  }
}

std::string list_or_none(const std::vector<std::string>& prefixes, std::string_view leaf) {
  if (prefixes.empty()) return "none";
  std::string out;
  for (const std::string& p : prefixes) out += (out.empty() ? "" : ", ") + join_key(p, leaf);
  return out;
}

ojson interval_json(const std::optional<sig::interval>& i) {
  if (!i) return nullptr;
  return ojson::array({json_number(i->lo), json_number(i->hi)});
}

std::string signed_number(double d) { return (d > 0 ? "+" : "") + human_number(d); }

}  // namespace

significance::options significance_options(const parsed_args& p) {
  sig::options o;
  if (auto t = p.value("--test")) {
    auto v = sig::parse_mcnemar_variant(*t);
    if (!v)
      throw bad_usage("unknown --test '" + *t +
                      "' (expected mcnemar_exact, mcnemar_midp, mcnemar_chi2)");
    o.test = *v;
  }
  if (auto r = p.value("--resamples")) {
    const std::uint64_t n = parse_uint(*r, "--resamples");
    if (n > 10'000'000) throw bad_usage("--resamples must be at most 10000000, got " + *r);
    o.resamples = static_cast<std::size_t>(n);
  }
  if (auto s = p.value("--seed")) o.seed = parse_uint(*s, "--seed");
  if (auto a = p.value("--alpha")) {
    o.alpha = parse_double(*a, "--alpha");
    if (!(o.alpha > 0 && o.alpha < 1))
      throw bad_usage("--alpha must be between 0 and 1 (exclusive), got " + *a);
  }
  return o;
}

significance_report compute_significance(const reader& store, const run_info& a, const run_info& b,
                                         const significance::options& opts,
                                         const std::optional<std::string>& prefix) {
  significance_report rep;
  rep.opts = opts;
  const auto pred_a = prefixes_of(store, a.id, metrics::kind_predictions, "predictions");
  const auto pred_b = prefixes_of(store, b.id, metrics::kind_predictions, "predictions");
  const auto conf_a = prefixes_of(store, a.id, metrics::kind_confusion_matrix, "confusion");
  const auto conf_b = prefixes_of(store, b.id, metrics::kind_confusion_matrix, "confusion");
  const auto paired = common(pred_a, pred_b), unpaired = common(conf_a, conf_b);
  auto pick = [&](const std::vector<std::string>& candidates) -> std::optional<std::string> {
    if (prefix) {
      if (std::find(candidates.begin(), candidates.end(), *prefix) != candidates.end())
        return *prefix;
      return std::nullopt;
    }
    if (std::find(candidates.begin(), candidates.end(), "val") != candidates.end())
      return std::string("val");
    if (!candidates.empty()) return candidates.front();
    return std::nullopt;
  };

  if (auto p = pick(paired); p && (!prefix || *p == *prefix)) {
    // With no prefix asked for, a paired prefix wins over an unpaired "val".
    rep.prefix = *p;
    rep.key = join_key(*p, "predictions");
    const auto pa = metrics::predictions::from_json(load_body(store, a, rep.key, rep.step_a));
    const auto pb = metrics::predictions::from_json(load_body(store, b, rep.key, rep.step_b));
    rep.result = sig::compare_paired(pa, pb, opts);
    return rep;
  }
  if (auto p = pick(unpaired)) {
    rep.prefix = *p;
    rep.key = join_key(*p, "confusion");
    const std::string want = join_key(*p, "predictions");
    const bool has_a = std::find(pred_a.begin(), pred_a.end(), *p) != pred_a.end();
    const bool has_b = std::find(pred_b.begin(), pred_b.end(), *p) != pred_b.end();
    rep.note =
        "unpaired: " +
        std::string(!has_a && !has_b ? "neither run has"
                    : !has_a         ? "run A has no"
                                     : "run B has no") +
        " per-sample predictions '" + want +
        "', so accuracy is compared from the confusion matrices (Wilson intervals, Newcombe's "
        "interval of the difference); this ignores the pairing and is conservative";
    const auto ca = metrics::confusion_matrix::from_json(load_body(store, a, rep.key, rep.step_a));
    const auto cb = metrics::confusion_matrix::from_json(load_body(store, b, rep.key, rep.step_b));
    rep.result = sig::compare_unpaired(ca, cb, opts);
    return rep;
  }
  const std::string what =
      prefix
          ? "'" + join_key(*prefix, "predictions") + "' or '" + join_key(*prefix, "confusion") + "'"
          : "per-sample predictions (<prefix>/predictions) or a confusion matrix";
  throw tracker::error(error_code::invalid_argument,
                       "significance needs " + what + " in both runs; run A " + a.id +
                           " has predictions: " + list_or_none(pred_a, "predictions") +
                           ", confusion: " + list_or_none(conf_a, "confusion") + "; run B " + b.id +
                           " has predictions: " + list_or_none(pred_b, "predictions") +
                           ", confusion: " + list_or_none(conf_b, "confusion"));
}

std::string interval_text(const sig::interval& i) {
  return "[" + human_number(i.lo) + ", " + human_number(i.hi) + "]";
}

std::string p_text(double p) {
  if (p < 1e-16) return "< 1e-16";
  char buf[32];
  std::snprintf(buf, sizeof buf, p < 1e-4 ? "%.2e" : "%.4g", p);
  return buf;
}

ojson significance_json(const significance_report& r, const key_filter& keys) {
  ojson o = ojson::object();
  o["samples"] = r.result.samples;
  o["paired"] = r.result.paired;
  o["key"] = r.key;
  o["step_a"] = r.step_a;
  o["step_b"] = r.step_b;
  o["alpha"] = r.opts.alpha;
  o["resamples"] = r.result.paired ? ojson(r.opts.resamples) : ojson(nullptr);
  o["seed"] = r.result.paired ? ojson(r.opts.seed) : ojson(nullptr);
  if (r.result.paired)
    o["discordant"] = {{"only_a_correct", r.result.only_a_correct},
                       {"only_b_correct", r.result.only_b_correct},
                       {"both_correct", r.result.both_correct},
                       {"both_wrong", r.result.both_wrong}};
  else
    o["discordant"] = nullptr;
  o["note"] = r.note;
  ojson ms = ojson::object();
  for (const sig::metric_difference& m : r.result.metrics) {
    const std::string key = r.metric_key(m);
    if (!keys.matches(key)) continue;
    ojson e = {{"a", json_number(m.a)},
               {"b", json_number(m.b)},
               {"diff", json_number(m.diff)},
               {"test", m.test},
               {"p_value", m.p_value ? json_number(*m.p_value) : ojson(nullptr)},
               {"ci95", interval_json(m.ci95)},
               {"significant", m.significant}};
    if (m.a_ci95) e["a_ci95"] = interval_json(m.a_ci95);
    if (m.b_ci95) e["b_ci95"] = interval_json(m.b_ci95);
    ms[key] = std::move(e);
  }
  o["metrics"] = std::move(ms);
  return o;
}

void write_significance_markdown(std::ostream& out, const significance_report& r,
                                 const key_filter& keys) {
  const auto& c = r.result;
  out << "\n## Significance (Δ = B − A, " << c.samples
      << (c.paired ? " paired samples" : " samples") << " of `" << r.key << "`)\n\n";
  if (!c.paired) out << "> **Unpaired.** " << r.note << ".\n\n";
  const row header{"metric", "A", "B", "Δ", "95% CI of Δ", "test", "p", "significant"};
  auto make_row = [&](const sig::metric_difference& m) {
    return row{r.metric_key(m),
               human_number(m.a) + (m.a_ci95 ? " " + interval_text(*m.a_ci95) : ""),
               human_number(m.b) + (m.b_ci95 ? " " + interval_text(*m.b_ci95) : ""),
               signed_number(m.diff),
               m.ci95 ? interval_text(*m.ci95) : "—",
               m.test,
               m.p_value ? p_text(*m.p_value) : "—",
               m.significant ? "**yes**" : "no"};
  };
  std::vector<row> headline, per_class;
  for (const sig::metric_difference& m : c.metrics) {
    if (!keys.matches(r.metric_key(m))) continue;
    (m.name.rfind("f1/", 0) == 0 ? per_class : headline).push_back(make_row(m));
  }
  if (headline.empty() && per_class.empty()) {
    out << "_no compared metric matches --keys " << keys.describe() << "_\n";
    return;
  }
  if (!headline.empty()) write_markdown_table(out, header, headline);
  if (c.paired) {
    out << "\nPer-sample correctness: " << c.only_a_correct << " right only in A, "
        << c.only_b_correct << " right only in B, " << c.both_correct << " right in both, "
        << c.both_wrong << " wrong in both. Intervals: paired bootstrap, " << r.opts.resamples
        << " resamples, seed " << r.opts.seed << ". Significant: p < " << human_number(r.opts.alpha)
        << ".\n";
  } else {
    out << "\nSignificant: the " << human_number(100 * (1 - r.opts.alpha))
        << "% interval of Δ excludes 0.\n";
  }
  if (!per_class.empty()) {
    out << "\n<details><summary>Per-class F1 (" << per_class.size()
        << " classes; not corrected for multiple comparisons)</summary>\n\n";
    write_markdown_table(out, header, per_class);
    out << "\n</details>\n";
  }
}

}  // namespace tracker::cli
