// cmd_drift.cpp — `tracker drift --model RUN`: the drift report of a model run (its reference
// records against its production predictions; tracker/monitor.hpp), as markdown or JSON.
//
// With --fail-on-drift the exit code is 1 on dataset drift, as `tracker check` fails a gate, so
// a cron job or CI step can alert on it. Every option is checked before the store is read, so a
// typo is exit 2 ("bad input"), never a silent "no drift".
#include "command.hpp"
#include "format.hpp"

#include <tracker/drift.hpp>
#include <tracker/monitor.hpp>
#include <tracker/production.hpp>

#include <charconv>
#include <cmath>

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "drift",
    .synopsis =
        "--model RUN [--since T] [--until T] [--last N] [--bucket hour|day] [--test "
        "FEATURE=TEST]... "
        "[--threshold FEATURE=X]... [--drift-share X] [--fail-on-drift] [--format markdown|json]",
    .description =
        "Compares the production predictions of model run RUN with its reference records (what\n"
        "the model saw in validation): per-feature drift with Evidently's test selection,\n"
        "dataset drift (>= 50% of features drifted), prediction drift (predicted class and\n"
        "confidence), production metrics where feedback labels arrived, flags.\n"
        "--since/--until T  production records in a time range (ISO-8601 or Unix seconds,\n"
        "                   inclusive); --last N: only the newest N of them\n"
        "--bucket hour|day  adds a timeline: drift share, accuracy, flag rate per UTC bucket\n"
        "--test FEATURE=TEST       ks|chi_squared|z_test|wasserstein|jensen_shannon|psi\n"
        "--threshold FEATURE=X     replaces the test's threshold for that feature\n"
        "--drift-share X    dataset drift when drifted/tested >= X (default 0.5)\n"
        "--fail-on-drift    exit 1 on dataset drift (for cron and CI)\n"
        "JSON fields: docs/drift.md (\"The report\"); the same JSON as GET /v1/models/RUN/drift.",
    .value_options = {"--model", "--since", "--until", "--last", "--bucket", "--test",
                      "--threshold", "--drift-share"},
    .flag_options = {"--fail-on-drift"},
    .formats = {"markdown", "json"},
    .max_positional = 0,
};

double parse_time_option(const parsed_args& p, const char* option) {
  const std::string text = *p.value(option);
  const std::optional<double> t = production::parse_time(text);
  if (!t)
    throw bad_usage(std::string(option) + " '" + text +
                    "' is neither ISO-8601 (2026-11-22T10:00:00Z) nor Unix seconds");
  return *t;
}

double parse_number(const std::string& text, const std::string& what) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(v))
    throw bad_usage(what + " '" + text + "' is not a finite number");
  return v;
}

// "FEATURE=VALUE" split at the last '=' (feature names may contain '=', values never do).
std::pair<std::string, std::string> split_assignment(const std::string& text, const char* option) {
  const std::size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw bad_usage(std::string(option) + " expects FEATURE=VALUE, got '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

monitor::report_options parse_options(const parsed_args& p) {
  monitor::report_options o;
  if (p.value("--since")) o.window.since = parse_time_option(p, "--since");
  if (p.value("--until")) o.window.until = parse_time_option(p, "--until");
  if (o.window.since && o.window.until && *o.window.since > *o.window.until)
    throw bad_usage("--since is after --until");
  if (const auto last = p.value("--last")) {
    std::size_t n = 0;
    const char* end = last->data() + last->size();
    const auto [ptr, ec] = std::from_chars(last->data(), end, n);
    if (last->empty() || ec != std::errc{} || ptr != end || n == 0)
      throw bad_usage("--last '" + *last + "' is not a positive integer");
    o.window.last = n;
  }
  if (const auto bucket = p.value("--bucket")) {
    if (*bucket != "hour" && *bucket != "day")
      throw bad_usage("--bucket must be hour or day, not '" + *bucket + "'");
    o.bucket = *bucket;
  }
  for (const std::string& t : p.values("--test")) {
    const auto [feature, name] = split_assignment(t, "--test");
    const std::optional<drift::test_kind> kind = drift::parse_test_kind(name);
    if (!kind)
      throw bad_usage("--test " + feature + "=" + name +
                      ": unknown test (ks, chi_squared, z_test, wasserstein, jensen_shannon, psi)");
    o.drift.per_feature[feature].test = *kind;
  }
  for (const std::string& t : p.values("--threshold")) {
    const auto [feature, value] = split_assignment(t, "--threshold");
    o.drift.per_feature[feature].threshold = parse_number(value, "--threshold " + feature);
  }
  if (const auto share = p.value("--drift-share")) {
    const double v = parse_number(*share, "--drift-share");
    if (v <= 0 || v > 1) throw bad_usage("--drift-share must be in (0, 1], got " + *share);
    o.drift.drift_share_threshold = v;
  }
  return o;
}

// The CLI's JSON convention (docs/cli.md): schema_version first and a fixed key order. The
// report comes as nlohmann::json (keys sorted); the top level is put in the documented order,
// nested objects keep their sorted order.
ojson ordered(const nlohmann::json& report) {
  static const char* const order[] = {"schema_version",
                                      "model",
                                      "reference",
                                      "current",
                                      "dataset_drift",
                                      "drift_share",
                                      "drift_share_threshold",
                                      "number_of_features",
                                      "number_of_tested_features",
                                      "number_of_drifted_features",
                                      "features",
                                      "prediction_drift",
                                      "production_metrics",
                                      "flags",
                                      "timeline"};
  ojson out = ojson::object();
  for (const char* key : order)
    if (report.contains(key)) out[key] = ojson(report[key]);
  for (const auto& [key, value] : report.items())
    if (!out.contains(key)) out[key] = ojson(value);
  return out;
}

}  // namespace

int cmd_drift(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const std::optional<std::string> model = p.value("--model");
    if (!model) throw bad_usage("--model RUN is required");
    const monitor::report_options options = parse_options(p);
    tracker::reader store = open_store(p);
    const nlohmann::json report = monitor::drift_report(store, *model, options);
    // Without reference records every feature is untested and "no drift" would be a lie.
    if (report["reference"]["rows"].get<std::int64_t>() == 0)
      throw tracker::error(error_code::invalid_argument,
                           "model run '" + *model +
                               "' has no reference records (the training run records them; or " +
                               "`tracker import FILE --kind reference --model " + *model + "`)");
    if (p.format == "json")
      write_json(ctx.out, ordered(report));
    else
      ctx.out << monitor::to_markdown(report);
    const bool drifted = report["dataset_drift"].get<bool>();
    return p.flag("--fail-on-drift") && drifted ? exit_code::check_failed : exit_code::ok;
  });
}

}  // namespace tracker::cli
