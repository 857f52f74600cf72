// test_significance.cpp — the CI side of the CLI: compare --significance, check --baseline /
// --significant / --keys / --format junit|markdown, summary and export --keys, and
// `tracker table` on per-sample predictions. A real store in a temp dir, written through
// tracker::init / metrics::log_classification / metrics::log_predictions; every read-only
// command runs in-process and as the binary, which must agree.
#include "cli.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

#include <tracker/metrics.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace {

using json = nlohmann::json;
namespace metrics = tracker::metrics;

using tracker_test::cli_result;

cli_result cli_in_process(const std::vector<std::string>& args) { return tracker_test::run_cli_in_process(args); }

cli_result cli_both(const std::vector<std::string>& args) {
  std::string shown;
  for (const std::string& a : args) shown += " '" + a + "'";
  INFO("tracker" << shown);
  const cli_result in = cli_in_process(args);
  const tracker_test::process_result bin = tracker_test::run_process(TRACKER_CLI_PATH, args);
  REQUIRE(bin.signal == 0);
  CHECK(in.code == bin.exit_code);
  CHECK(in.out == bin.out);
  CHECK(in.err == bin.err);
  return in;
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = s.find(needle); pos != std::string::npos;
       pos = s.find(needle, pos + needle.size()))
    ++n;
  return n;
}

void require_input_error(const cli_result& r, const std::string& needle) {
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(count(r.err, "\n") == 1);
  CHECK(r.err.find(needle) != std::string::npos);
}

const std::vector<std::string> labels = {"a", "b", "c"};

// 200 validation samples, true class i % 3. A run predicts sample i right when right(i),
// else the class after the next one. Every run logs what the LibTorch evaluator logs:
// val/predictions, val/confusion and the classification scalars, plus val/loss.
//   base       right for i < 170                         accuracy 0.85
//   noise      right for i < 160 or 170 <= i < 174       0.82: 10 right only in base, 4 only here
//   drop       right for i < 140 or 170 <= i < 172       0.71: 30 right only in base, 2 only here
//   other_set  201 samples (another validation set)
//   unpaired   confusion matrix and scalars only (no per-sample predictions), right for i < 176
//   bare       a loss curve only
struct fixture {
  tracker_test::temp_dir dir;
  std::string store = dir.store();

  template <class Right>
  void log_run(const std::string& name, std::size_t n, Right right, bool with_predictions = true) {
    tracker::options o;
    o.project = "ci";
    o.name = name;
    o.store = store;
    o.capture_git = false;
    o.handle_signals = false;
    tracker::run r = tracker::init(o);
    metrics::predictions p(labels);
    for (std::size_t i = 0; i < n; ++i) {
      const auto t = static_cast<std::int64_t>(i % 3);
      p.add(t, right(i) ? t : (t + 2) % 3, right(i) ? 0.125 : 2.5);
    }
    metrics::log_classification(r, "val", p.confusion(), 5);
    r.log("val/loss", right(0) ? 0.4 : 0.5, 5);
    if (with_predictions) metrics::log_predictions(r, "val/predictions", p, 5);
    r.finish();
  }

  fixture() {
    log_run("base", 200, [](std::size_t i) { return i < 170; });
    log_run("noise", 200, [](std::size_t i) { return i < 160 || (i >= 170 && i < 174); });
    log_run("drop", 200, [](std::size_t i) { return i < 140 || (i >= 170 && i < 172); });
    log_run("other_set", 201, [](std::size_t i) { return i < 170; });
    log_run(
        "unpaired", 200, [](std::size_t i) { return i < 176; }, false);
    tracker::options o;
    o.project = "ci";
    o.name = "bare";
    o.store = store;
    o.capture_git = false;
    o.handle_signals = false;
    tracker::run r = tracker::init(o);
    r.log("train/loss", 1.0, 0);
    r.finish();
  }

  std::vector<std::string> with_store(std::vector<std::string> args) const {
    args.push_back("--store");
    args.push_back(store);
    return args;
  }
};

}  // namespace

TEST_CASE(
    "compare --significance: McNemar and bootstrap intervals in JSON, noise is not significant",
    "[cli][significance]") {
  fixture f;
  const cli_result r =
      cli_both(f.with_store({"compare", "base", "noise", "--significance", "--format", "json"}));
  REQUIRE(r.code == 0);
  const json doc = json::parse(r.out);
  // The existing document is unchanged; significance is added after it.
  CHECK(doc.at("schema_version") == 1);
  CHECK(doc.contains("config"));
  CHECK(doc.at("metrics").contains("val/accuracy"));
  const json& s = doc.at("significance");
  CHECK(s.at("samples") == 200);
  CHECK(s.at("paired") == true);
  CHECK(s.at("key") == "val/predictions");
  CHECK(s.at("resamples") == 10000);
  CHECK(s.at("seed") == 0);
  CHECK(s.at("discordant").at("only_a_correct") == 10);
  CHECK(s.at("discordant").at("only_b_correct") == 4);
  const json& acc = s.at("metrics").at("val/accuracy");
  CHECK(acc.at("a").get<double>() == Approx(0.85));
  CHECK(acc.at("b").get<double>() == Approx(0.82));
  CHECK(acc.at("diff").get<double>() == Approx(-0.03));
  CHECK(acc.at("test") == "mcnemar_exact");
  // Binomial test of 4 in Binomial(14, 1/2): 2 · (1 + 14 + 91 + 364 + 1001) / 2^14 = 2942/16384.
  CHECK(acc.at("p_value").get<double>() == Approx(0.1795654296875).epsilon(1e-9));
  CHECK(acc.at("significant") == false);
  const json& ci = acc.at("ci95");
  REQUIRE(ci.size() == 2);
  CHECK(ci[0].get<double>() < -0.03);
  CHECK(ci[1].get<double>() > -0.03);
  CHECK(ci[1].get<double>() > 0);  // the interval covers 0: noise
  const json& f1 = s.at("metrics").at("val/f1_macro");
  CHECK(f1.at("test") == "paired_bootstrap");
  CHECK(f1.at("p_value").get<double>() > 0.05);
  for (const char* k : {"val/f1/a", "val/f1/b", "val/f1/c"}) CHECK(s.at("metrics").contains(k));

  SECTION("seeded: the same seed prints the same intervals, another seed other ones") {
    CHECK(cli_in_process(
              f.with_store({"compare", "base", "noise", "--significance", "--format", "json"}))
              .out == r.out);
    const json other =
        json::parse(cli_in_process(f.with_store({"compare", "base", "noise", "--significance",
                                                 "--seed", "7", "--format", "json"}))
                        .out);
    CHECK(other.at("significance").at("seed") == 7);
    CHECK(other.at("significance").at("metrics").at("val/f1_macro").at("ci95") != f1.at("ci95"));
  }
  SECTION("mid-p and chi-squared on request") {
    const json mid =
        json::parse(cli_both(f.with_store({"compare", "base", "noise", "--significance", "--test",
                                           "mcnemar_midp", "--format", "json"}))
                        .out);
    // 2 · 1471/16384 − 1001/16384 = 1941/16384.
    CHECK(mid.at("significance").at("metrics").at("val/accuracy").at("test") == "mcnemar_midp");
    CHECK(mid.at("significance").at("metrics").at("val/accuracy").at("p_value").get<double>() ==
          Approx(1941.0 / 16384).epsilon(1e-9));
    const json chi =
        json::parse(cli_both(f.with_store({"compare", "base", "noise", "--significance", "--test",
                                           "mcnemar_chi2", "--format", "json"}))
                        .out);
    CHECK(chi.at("significance").at("metrics").at("val/accuracy").at("test") == "mcnemar_chi2");
  }
}

TEST_CASE("compare --significance: a real drop is significant; identical runs give p = 1",
          "[cli][significance]") {
  fixture f;
  json doc = json::parse(
      cli_both(f.with_store({"compare", "base", "drop", "--significance", "--format", "json"}))
          .out);
  const json& acc = doc.at("significance").at("metrics").at("val/accuracy");
  // 2 in Binomial(32, 1/2): 2 · (1 + 32 + 496) / 2^32 = 1058 / 4294967296.
  CHECK(acc.at("p_value").get<double>() == Approx(1058.0 / 4294967296.0).epsilon(1e-9));
  CHECK(acc.at("significant") == true);
  CHECK(acc.at("ci95")[1].get<double>() < 0);

  doc = json::parse(
      cli_both(f.with_store({"compare", "base", "base", "--significance", "--format", "json"}))
          .out);
  for (const auto& [key, m] : doc.at("significance").at("metrics").items()) {
    INFO(key);
    CHECK(m.at("p_value") == 1.0);
    CHECK(m.at("diff") == 0.0);
    CHECK(m.at("ci95") == json::array({0.0, 0.0}));
    CHECK(m.at("significant") == false);
  }
}

TEST_CASE("compare --significance markdown: a table, per-class F1 folded in <details>",
          "[cli][significance]") {
  fixture f;
  const cli_result r = cli_both(f.with_store({"compare", "base", "drop", "--significance"}));
  REQUIRE(r.code == 0);
  CHECK(r.out.find("## Significance (Δ = B − A, 200 paired samples of `val/predictions`)") !=
        std::string::npos);
  CHECK(r.out.find("| val/accuracy | 0.85 | 0.71 | -0.14 |") != std::string::npos);
  CHECK(r.out.find("mcnemar_exact") != std::string::npos);
  CHECK(r.out.find("**yes**") != std::string::npos);
  CHECK(r.out.find("30 right only in A, 2 right only in B") != std::string::npos);
  CHECK(r.out.find("<details><summary>Per-class F1 (3 classes") != std::string::npos);
  // The per-class rows of the metric table are folded too, and the headline comes first.
  CHECK(r.out.find("<details><summary>Per-class metrics `val`") != std::string::npos);
  CHECK(r.out.find("| val/accuracy | 0.85 → 0.71") < r.out.find("| val/precision_macro |"));
}

TEST_CASE("compare --significance refuses different validation sets and missing data (exit 2)",
          "[cli][significance]") {
  fixture f;
  require_input_error(cli_both(f.with_store({"compare", "base", "other_set", "--significance"})),
                      "different validation sets: A has predictions for 200 samples, B for 201");
  require_input_error(cli_both(f.with_store({"compare", "base", "bare", "--significance"})),
                      "significance needs");
  require_input_error(
      cli_both(f.with_store({"compare", "base", "noise", "--test", "mcnemar_midp"})),
      "--test goes with --significance");
  require_input_error(
      cli_both(f.with_store({"compare", "base", "noise", "--significance", "--test", "fisher"})),
      "unknown --test 'fisher'");
  require_input_error(
      cli_both(f.with_store({"compare", "base", "noise", "--significance", "--alpha", "0"})),
      "--alpha must be between 0 and 1");
  require_input_error(
      cli_both(f.with_store({"compare", "base", "noise", "--significance", "--resamples", "-5"})),
      "--resamples");
}

TEST_CASE("compare --significance without per-sample data: Wilson intervals, marked unpaired",
          "[cli][significance]") {
  fixture f;
  const json doc = json::parse(
      cli_both(f.with_store({"compare", "base", "unpaired", "--significance", "--format", "json"}))
          .out);
  const json& s = doc.at("significance");
  CHECK(s.at("paired") == false);
  CHECK(s.at("key") == "val/confusion");
  CHECK(s.at("note").get<std::string>().find("unpaired: run B has no per-sample predictions") !=
        std::string::npos);
  const json& acc = s.at("metrics").at("val/accuracy");
  CHECK(acc.at("test") == "wilson_unpaired");
  CHECK(acc.at("p_value").is_null());
  // Wilson 170/200 with z = 1.959964: (0.85 + 0.0096036) / 1.0192073 ± ... = [0.794, 0.8926].
  CHECK(acc.at("a_ci95")[0].get<double>() == Approx(0.794).margin(1e-3));
  CHECK(acc.at("a_ci95")[1].get<double>() == Approx(0.8926).margin(1e-3));
  CHECK(acc.at("significant") == false);
  CHECK(s.at("metrics").size() == 1);
  const cli_result md = cli_both(f.with_store({"compare", "base", "unpaired", "--significance"}));
  CHECK(md.out.find("> **Unpaired.**") != std::string::npos);
}

TEST_CASE("check --baseline: relative gates, and --significant fails only a significant drop",
          "[cli][significance]") {
  fixture f;
  const std::string gate = "val/accuracy>=baseline-0.005";
  SECTION("a plain relative gate fails on noise") {
    const cli_result r = cli_both(f.with_store({"check", "noise", gate, "--baseline", "base"}));
    CHECK(r.code == 1);
    CHECK(r.out.find("FAIL  " + gate + "  last = 0.82 (baseline 0.85 - 0.005 = 0.845)") !=
          std::string::npos);
  }
  SECTION("--significant: noise passes and says why") {
    const cli_result r =
        cli_both(f.with_store({"check", "noise", gate, "--baseline", "base", "--significant"}));
    CHECK(r.code == 0);
    CHECK(r.out.find("PASS  " + gate) != std::string::npos);
    CHECK(r.out.find("not significant") != std::string::npos);
    CHECK(r.out.find("p = 0.1796") != std::string::npos);
  }
  SECTION("--significant: a real drop fails") {
    const cli_result r =
        cli_both(f.with_store({"check", "drop", gate, "--baseline", "base", "--significant"}));
    CHECK(r.code == 1);
    CHECK(r.out.find("FAIL  " + gate) != std::string::npos);
    CHECK(r.out.find("significant: Δ -0.14") != std::string::npos);
  }
  SECTION("--alpha: a stricter level lets a borderline drop through") {
    // noise at alpha 0.2: p = 0.18 < 0.2, so the drop counts as significant and the gate fails.
    CHECK(cli_both(f.with_store({"check", "noise", gate, "--baseline", "base", "--significant",
                                 "--alpha", "0.2"}))
              .code == 1);
  }
  SECTION("an improvement passes, a gate without a test stays plain") {
    CHECK(cli_both(f.with_store({"check", "base", gate, "--baseline", "drop", "--significant"}))
              .code == 0);
    const cli_result r = cli_both(f.with_store({"check", "noise", "val/precision_macro>=baseline",
                                                "--baseline", "base", "--significant"}));
    CHECK(r.code == 1);
    CHECK(r.out.find("no significance test for val/precision_macro: a plain gate") !=
          std::string::npos);
  }
  SECTION("JSON: baseline value, threshold and the test") {
    const json doc =
        json::parse(cli_both(f.with_store({"check", "noise", gate, "val/loss<1", "--baseline",
                                           "base", "--significant", "--format", "json"}))
                        .out);
    CHECK(doc.at("passed") == true);
    CHECK(doc.at("baseline").at("name") == "base");
    const json& g = doc.at("gates").at(0);
    CHECK(g.at("baseline").get<double>() == Approx(0.85));
    CHECK(g.at("offset").get<double>() == Approx(-0.005));
    CHECK(g.at("threshold").get<double>() == Approx(0.845));
    CHECK(g.at("actual").get<double>() == Approx(0.82));
    CHECK(g.at("passed") == true);
    CHECK(g.at("significance").at("test") == "mcnemar_exact");
    CHECK(g.at("significance").at("p_value").get<double>() ==
          Approx(0.1795654296875).epsilon(1e-9));
    CHECK(g.at("significance").at("significant") == false);
    CHECK(doc.at("gates").at(1).at("baseline").is_null());
    CHECK(doc.at("gates").at(1).at("significance").is_null());
  }
  SECTION("refused: different validation sets, no baseline, bad baseline expressions") {
    require_input_error(
        cli_both(f.with_store({"check", "other_set", gate, "--baseline", "base", "--significant"})),
        "different validation sets");
    require_input_error(cli_both(f.with_store({"check", "noise", gate})), "pass --baseline RUN");
    require_input_error(cli_both(f.with_store({"check", "noise", gate, "--significant"})),
                        "--significant needs --baseline");
    require_input_error(cli_both(f.with_store(
                            {"check", "noise", "val/accuracy>=baseline*2", "--baseline", "base"})),
                        "after 'baseline' expected +NUMBER or -NUMBER");
    require_input_error(
        cli_both(f.with_store({"check", "noise", "config.lr>=baseline", "--baseline", "base"})),
        "metric gates only");
    require_input_error(cli_both(f.with_store({"check", "noise", gate, "--baseline", "nosuchrun"})),
                        "nosuchrun");
  }
}

TEST_CASE("check --keys gates every matching metric with a goal against the baseline",
          "[cli][significance]") {
  fixture f;
  const json doc =
      json::parse(cli_both(f.with_store({"check", "noise", "--baseline", "base", "--keys",
                                         "val/f1*", "--significant", "--format", "json"}))
                      .out);
  std::vector<std::string> expressions;
  for (const json& g : doc.at("gates")) expressions.push_back(g.at("expression"));
  CHECK(expressions == std::vector<std::string>{"val/f1/a>=baseline", "val/f1/b>=baseline",
                                                "val/f1/c>=baseline", "val/f1_macro>=baseline",
                                                "val/f1_micro>=baseline",
                                                "val/f1_weighted>=baseline"});
  CHECK(doc.at("gates").at(3).at("significance").at("test") == "paired_bootstrap");
  CHECK(doc.at("gates").at(4).at("significance").is_null());
  // val/loss minimizes: its gate is <=.
  const json loss = json::parse(cli_both(f.with_store({"check", "noise", "--baseline", "base",
                                                       "--keys", "val/loss", "--format", "json"}))
                                    .out);
  CHECK(loss.at("gates").at(0).at("expression") == "val/loss<=baseline");
  require_input_error(cli_both(f.with_store({"check", "noise", "--keys", "val/*"})),
                      "--keys on check needs --baseline");
  require_input_error(
      cli_both(f.with_store({"check", "noise", "--baseline", "base", "--keys", "nothing*"})),
      "no metric of run");
}

TEST_CASE("check --adjust holm: Holm's correction over the gates that have a p-value",
          "[cli][significance]") {
  fixture f;
  const json doc =
      json::parse(cli_both(f.with_store({"check", "drop", "--baseline", "base", "--keys", "val/f1*",
                                         "--significant", "--adjust", "holm", "--format", "json"}))
                      .out);
  // Holm: sort the m = 4 p-values (f1/a, f1/b, f1/c, f1_macro) ascending, multiply the i-th
  // smallest by m - i + 1, keep the running maximum, cap at 1.
  std::vector<std::pair<double, double>> p;  // (raw, adjusted)
  for (const json& g : doc.at("gates")) {
    if (g.at("significance").is_null()) continue;
    p.emplace_back(g.at("significance").at("p_value").get<double>(),
                   g.at("significance").at("p_adjusted").get<double>());
  }
  REQUIRE(p.size() == 4);
  std::sort(p.begin(), p.end());
  double running = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    running = std::max(running, std::min(1.0, static_cast<double>(p.size() - i) * p[i].first));
    CHECK(p[i].second == Approx(running));
    CHECK(p[i].second >= p[i].first);
  }
  require_input_error(cli_both(f.with_store({"check", "drop", "val/accuracy>=baseline",
                                             "--baseline", "base", "--adjust", "holm"})),
                      "--adjust goes with --significant");
  require_input_error(
      cli_both(f.with_store({"check", "drop", "val/accuracy>=baseline", "--baseline", "base",
                             "--significant", "--adjust", "bonferroni"})),
      "unknown --adjust 'bonferroni'");
}

TEST_CASE("check --format junit and markdown: one test case per gate", "[cli][significance]") {
  fixture f;
  const cli_result r =
      cli_both(f.with_store({"check", "noise", "val/accuracy>=0.8", "val/accuracy>=0.9", "val/f1<0",
                             "--format", "junit"}));
  CHECK(r.code == 1);  // same exit code as text
  CHECK(r.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"tracker "
                    "check\" tests=\"3\" failures=\"2\"",
                    0) == 0);
  CHECK(count(r.out, "<testcase ") == 3);
  CHECK(count(r.out, "<failure ") == 2);
  CHECK(r.out.find("name=\"val/accuracy&gt;=0.8\"") != std::string::npos);
  CHECK(r.out.find("<failure type=\"gate\" message=\"missing (did you mean "
                   "&apos;val/f1/a&apos;?)\">val/f1&lt;0: missing") != std::string::npos);
  CHECK(r.out.find("</testsuites>\n") != std::string::npos);

  const cli_result md =
      cli_both(f.with_store({"check", "noise", "val/accuracy>=baseline-0.005", "--baseline", "base",
                             "--significant", "--format", "markdown"}));
  CHECK(md.code == 0);
  CHECK(md.out.find("| ✅ pass | `val/accuracy>=baseline-0.005` |") != std::string::npos);
  CHECK(md.out.find("1 of 1 gates passed") != std::string::npos);
}

TEST_CASE("summary, compare and export take --keys; headline first, per-class in <details>",
          "[cli][significance]") {
  fixture f;
  SECTION("summary") {
    const json doc = json::parse(
        cli_both(f.with_store({"summary", "base", "--keys", "val/f1*", "--format", "json"})).out);
    std::vector<std::string> keys;
    for (const auto& [k, v] : doc.at("metrics").items()) keys.push_back(k);
    CHECK(keys == std::vector<std::string>{"val/f1/a", "val/f1/b", "val/f1/c", "val/f1_macro",
                                           "val/f1_micro", "val/f1_weighted"});
    const cli_result md = cli_both(f.with_store({"summary", "base"}));
    CHECK(md.out.find("| val/accuracy | 0.85 |") < md.out.find("| val/f1_macro |"));
    CHECK(md.out.find("| val/f1_macro |") < md.out.find("| val/loss |"));
    CHECK(md.out.find("| val/loss |") < md.out.find("| val/precision_macro |"));
    CHECK(md.out.find(
              "<details><summary>Per-class metrics `val` (3 classes, last values)</summary>") !=
          std::string::npos);
    CHECK(md.out.find("| class | precision | recall | f1 | support |") != std::string::npos);
    CHECK(md.out.find("| val/f1/a |") == std::string::npos);  // folded, not in the main table
    require_input_error(cli_both(f.with_store({"summary", "base", "--keys", "val/acuracy"})),
                        "no metric of run");
  }
  SECTION("compare") {
    const json doc =
        json::parse(cli_both(f.with_store({"compare", "base", "noise", "--keys", "val/accuracy",
                                           "--significance", "--format", "json"}))
                        .out);
    CHECK(doc.at("metrics").size() == 1);
    CHECK(doc.at("significance").at("metrics").size() == 1);
    CHECK(doc.at("significance").at("metrics").contains("val/accuracy"));
    require_input_error(cli_both(f.with_store({"compare", "base", "noise", "--keys", "nope*"})),
                        "no metric of either run");
  }
  SECTION("export") {
    const cli_result r =
        cli_both(f.with_store({"export", "base", "--keys", "val/acc*", "--keys", "val/loss"}));
    CHECK(r.code == 0);
    CHECK(r.out.rfind("key,step,time,value\nval/accuracy,5,", 0) == 0);
    CHECK(count(r.out, "\n") == 3);
    CHECK(r.out.find("val/loss,5,") != std::string::npos);
    require_input_error(cli_both(f.with_store({"export", "base", "--keys", "x*"})),
                        "no metric of run");
  }
}

TEST_CASE("glob patterns for --keys", "[cli][significance]") {
  fixture f;
  auto keys_of = [&](std::vector<std::string> patterns) {
    std::vector<std::string> args{"summary", "base", "--format", "json"};
    for (const std::string& p : patterns) args.insert(args.end(), {"--keys", p});
    std::vector<std::string> out;
    const cli_result r = cli_in_process(f.with_store(args));
    INFO(r.err);
    REQUIRE(r.code == 0);
    const json doc = json::parse(r.out);
    for (const auto& [k, v] : doc.at("metrics").items()) out.push_back(k);
    return out;
  };
  CHECK(keys_of({"val/f1/?"}) == std::vector<std::string>{"val/f1/a", "val/f1/b", "val/f1/c"});
  CHECK(keys_of({"val/f1/[ab]"}) == std::vector<std::string>{"val/f1/a", "val/f1/b"});
  CHECK(keys_of({"val/f1/[!ab]"}) == std::vector<std::string>{"val/f1/c"});
  CHECK(keys_of({"*/support/*"}) ==
        std::vector<std::string>{"val/support/a", "val/support/b", "val/support/c"});
  CHECK(keys_of({"val/accuracy", "val/loss"}) ==
        std::vector<std::string>{"val/accuracy", "val/loss"});
  CHECK(keys_of({"*macro"}).size() == 3);
}

TEST_CASE("tracker table prints per-sample predictions as CSV and JSON", "[cli][significance]") {
  fixture f;
  const cli_result csv =
      cli_both(f.with_store({"table", "noise", "--key", "val/predictions", "--format", "csv"}));
  REQUIRE(csv.code == 0);
  CHECK(csv.out.rfind("index,true_label,predicted_label,loss\n0,a,a,0.125\n1,b,b,0.125\n", 0) == 0);
  CHECK(count(csv.out, "\n") == 201);
  CHECK(csv.out.find("\n160,b,a,2.5\n") !=
        std::string::npos);  // 160 % 3 = 1 -> b, predicted (1 + 2) % 3 = a
  const json doc = json::parse(
      cli_both(f.with_store({"table", "noise", "--key", "val/predictions", "--format", "json"}))
          .out);
  CHECK(doc.at("key") == "val/predictions");
  CHECK(doc.at("step") == 5);
  CHECK(doc.at("columns") ==
        json::parse(R"([{"name": "index", "type": "number"}, {"name": "true_label", "type": "text"},
      {"name": "predicted_label", "type": "text"}, {"name": "loss", "type": "number"}])"));
  CHECK(doc.at("rows").size() == 200);
  CHECK(doc.at("rows").at(199) == json::parse(R"([199, "b", "a", 2.5])"));
}

TEST_CASE(
    "baseline gates on keys with spaces and 'baseline' in them (regression: 'val/f1/Ankle boot')",
    "[cli][significance]") {
  tracker_test::temp_dir dir;
  for (const char* name : {"main", "pr"}) {
    tracker::options o;
    o.name = name;
    o.store = dir.store();
    o.capture_git = false;
    o.handle_signals = false;
    tracker::run r = tracker::init(o);
    metrics::predictions p({"Ankle boot", "Bag"});
    for (int i = 0; i < 40; ++i) p.add(i % 2, i % 2);
    metrics::log_classification(r, "val", p.confusion(), 1);
    metrics::log_predictions(r, "val/predictions", p, 1);
    r.log("baseline/acc", 0.5, 1);
    r.finish();
  }
  const std::vector<std::string> store{"--store", dir.store()};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), store.begin(), store.end());
    return cli_both(args);
  };
  cli_result r = run({"check", "pr", "--baseline", "main", "val/f1/Ankle boot >= baseline - 0.01",
                      "--significant"});
  CHECK(r.code == 0);
  CHECK(r.out.find(
            "PASS  val/f1/Ankle boot >= baseline - 0.01  last = 1 (baseline 1 - 0.01 = 0.99)") !=
        std::string::npos);
  r = run({"check", "pr", "--baseline", "main", "--keys", "val/f1/*", "--significant"});
  CHECK(r.code == 0);
  CHECK(r.out.find("PASS  val/f1/Ankle boot>=baseline") != std::string::npos);
  // A key that contains "baseline" is an ordinary key.
  CHECK(run({"check", "pr", "baseline/acc>=0.5"}).code == 0);
  CHECK(run({"check", "pr", "--baseline", "main", "baseline/acc>=baseline"}).code == 0);
}
