// test_cli.cpp — every `tracker` command and exit code, against a real store in a temp dir.
//
// Read-only commands go through both paths at once (cli_both): in-process via run_cli() and
// the real binary (TRACKER_CLI_PATH) as CI would call it. The two must agree on exit code,
// stdout and stderr, and the assertions then hold for both.
#include "cli.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using tracker_test::temp_dir;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

using tracker_test::cli_result;

cli_result cli_in_process(const std::vector<std::string>& args) { return tracker_test::run_cli_in_process(args); }

cli_result cli_binary(const std::vector<std::string>& args,
                      const std::vector<std::string>& extra_env = {}) {
  const tracker_test::process_result r =
      tracker_test::run_process(TRACKER_CLI_PATH, args, extra_env);
  REQUIRE(r.signal == 0);  // the binary must never crash, whatever the input
  return {r.exit_code, r.out, r.err};
}

// Both paths; they must agree exactly. Only for commands that do not change the store.
cli_result cli_both(const std::vector<std::string>& args) {
  std::string shown;
  for (const std::string& a : args) shown += " '" + a + "'";
  INFO("tracker" << shown);
  const cli_result in = cli_in_process(args);
  const cli_result bin = cli_binary(args);
  CHECK(in.code == bin.code);
  CHECK(in.out == bin.out);
  CHECK(in.err == bin.err);
  return in;
}

std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// A usage/input error: exit 2, nothing on stdout, exactly one line on stderr.
void require_input_error(const cli_result& r, const std::string& needle) {
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(needle) != std::string::npos);
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Three runs, created in this order (so "latest" is the candidate):
//   crashy    (project "other")   failed, one metric
//   baseline  (project "fashion") tag baseline: loss 1.0 -> 0.1, accuracy 0.5 -> 0.86, NaN/Inf
//   candidate (project "fashion") tag candidate: loss 0.5 -> 0.05, accuracy -> 0.9, val/f1
struct fixture {
  temp_dir dir;
  std::string store = dir.store();
  std::string baseline_id, candidate_id, crashy_id;

  tracker::options opts(const std::string& project, const std::string& name) const {
    tracker::options o;
    o.project = project;
    o.name = name;
    o.store = store;
    o.capture_git = false;
    o.handle_signals = false;  // the test process keeps its own signal handling
    return o;
  }

  fixture() {
    {
      tracker::run r = tracker::init(opts("other", "crashy"));
      crashy_id = r.id();
      r.log("train/loss", 3.0, 0);
      r.fail("boom");
    }
    {
      tracker::options o = opts("fashion", "baseline");
      o.config = {{"lr", 0.001}, {"batch", 64}, {"optimizer", {{"name", "adam"}}}};
      o.tags = {"baseline"};
      tracker::run r = tracker::init(o);
      baseline_id = r.id();
      for (int step = 0; step < 10; ++step)
        r.log({{"train/loss", 1.0 - 0.1 * step}, {"val/accuracy", 0.5 + 0.04 * step}}, step);
      // Non-finite values are stored and counted, never used for min/max/best.
      const double grad[] = {1.0, nan_v, inf_v, 2.0};
      for (int step = 0; step < 4; ++step) r.log("train/grad_norm", grad[step], step);
      r.log("weird/last_nan", 1.5, 0);
      r.log("weird/last_nan", nan_v, 1);
      r.log("weird/last_neg_inf", -inf_v, 0);
      r.finish();
    }
    {
      tracker::options o = opts("fashion", "candidate");
      o.config = {{"lr", 0.01}, {"batch", 64}, {"dropout", 0.1}};
      o.tags = {"candidate"};
      tracker::run r = tracker::init(o);
      candidate_id = r.id();
      for (int step = 0; step < 10; ++step)
        r.log({{"train/loss", 0.5 - 0.05 * step}, {"val/accuracy", 0.45 + 0.05 * step}}, step);
      r.log("val/f1", 0.8, 9);
      r.finish();
    }
  }

  std::vector<std::string> with_store(std::vector<std::string> args) const {
    args.push_back("--store");
    args.push_back(store);
    return args;
  }
};

std::set<std::string> ids_of(const json& runs) {
  std::set<std::string> ids;
  for (const json& r : runs) ids.insert(r.at("id").get<std::string>());
  return ids;
}

}  // namespace

TEST_CASE("cli runs: lists, filters and prints JSON", "[cli]") {
  fixture f;

  const cli_result table = cli_both(f.with_store({"runs"}));
  REQUIRE(table.code == 0);
  CHECK(table.err.empty());
  CHECK(table.out.rfind("ID", 0) == 0);  // header first
  for (const std::string& id : {f.baseline_id, f.candidate_id, f.crashy_id})
    CHECK(table.out.find(id) != std::string::npos);
  CHECK(count_lines(table.out) == 4);  // header + 3 runs
  // Newest first.
  CHECK(table.out.find(f.candidate_id) < table.out.find(f.baseline_id));
  CHECK(table.out.find(f.baseline_id) < table.out.find(f.crashy_id));

  auto json_ids = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "runs");
    args.insert(args.end(), {"--format", "json"});
    const cli_result r = cli_both(f.with_store(args));
    REQUIRE(r.code == 0);
    const json doc = json::parse(r.out);
    CHECK(doc.at("schema_version") == 1);
    return ids_of(doc.at("runs"));
  };

  using ids = std::set<std::string>;
  CHECK(json_ids({}) == ids{f.baseline_id, f.candidate_id, f.crashy_id});
  CHECK(json_ids({"--project", "fashion"}) == ids{f.baseline_id, f.candidate_id});
  CHECK(json_ids({"--status", "failed"}) == ids{f.crashy_id});
  CHECK(json_ids({"--status=finished", "--project", "fashion"}) ==
        ids{f.baseline_id, f.candidate_id});
  CHECK(json_ids({"--tag", "baseline"}) == ids{f.baseline_id});
  CHECK(json_ids({"--tag", "baseline", "--tag", "candidate"}).empty());
  CHECK(json_ids({"--where", "config.lr=0.01"}) == ids{f.candidate_id});
  CHECK(json_ids({"--where", "val/accuracy>=0.88"}) == ids{f.candidate_id});
  CHECK(json_ids({"--where", "train/loss.min<0.2", "--where", "config.batch=64"}) ==
        ids{f.baseline_id, f.candidate_id});

  SECTION("JSON carries the run's attributes and config") {
    const cli_result r = cli_both(f.with_store({"runs", "--format", "json", "--tag", "baseline"}));
    const json doc = json::parse(r.out);
    REQUIRE(doc.at("runs").size() == 1);
    const json& run = doc["runs"][0];
    CHECK(run.at("name") == "baseline");
    CHECK(run.at("project") == "fashion");
    CHECK(run.at("status") == "finished");
    CHECK(run.at("tags") == json::array({"baseline"}));
    CHECK(run.at("config").at("lr") == 0.001);
    CHECK(run.at("ended_at").is_number());
  }
  SECTION("an empty result is not an error") {
    const cli_result r = cli_both(f.with_store({"runs", "--project", "nope"}));
    CHECK(r.code == 0);
    CHECK(r.out.find("no runs") != std::string::npos);
  }
  SECTION("bad filters are input errors") {
    require_input_error(cli_both(f.with_store({"runs", "--status", "sleeping"})), "sleeping");
    require_input_error(cli_both(f.with_store({"runs", "--where", "val/accuracy>>"})), "tracker");
    require_input_error(cli_both(f.with_store({"runs", "--format", "xml"})), "xml");
    require_input_error(cli_both(f.with_store({"runs", "extra"})), "extra");
  }
}

TEST_CASE("cli summary: markdown and the JSON contract", "[cli]") {
  fixture f;

  SECTION("JSON: exactly schema_version, run, config, metrics") {
    const cli_result r = cli_both(f.with_store({"summary", "baseline", "--format", "json"}));
    REQUIRE(r.code == 0);
    const json doc = json::parse(r.out);
    std::set<std::string> keys;
    for (const auto& [k, v] : doc.items()) keys.insert(k);
    CHECK(keys == std::set<std::string>{"schema_version", "run", "config", "metrics"});
    CHECK(doc["schema_version"] == 1);
    CHECK(doc["run"].at("id") == f.baseline_id);
    CHECK(doc["run"].at("status") == "finished");
    CHECK(doc["config"].is_object());
    CHECK(doc["config"].dump().find("adam") != std::string::npos);

    const json& metrics = doc["metrics"];
    REQUIRE(metrics.is_object());
    CHECK(metrics.size() == 5);
    const json& loss = metrics.at("train/loss");
    for (const char* field :
         {"last", "min", "max", "best", "count", "last_step", "goal", "nonfinite"})
      CHECK(loss.contains(field));
    CHECK(loss["last"].get<double>() == Approx(0.1));
    CHECK(loss["min"].get<double>() == Approx(0.1));
    CHECK(loss["max"].get<double>() == Approx(1.0));
    CHECK(loss["best"].get<double>() == Approx(0.1));  // losses minimize
    CHECK(loss["goal"] == "minimize");
    CHECK(loss["count"] == 10);
    CHECK(loss["last_step"] == 9);
    CHECK(loss["nonfinite"] == 0);
    CHECK(metrics.at("val/accuracy")["best"].get<double>() == Approx(0.86));

    // NaN/Inf: stored and counted, ignored by min/max, and never an invalid JSON number.
    const json& grad = metrics.at("train/grad_norm");
    CHECK(grad["count"] == 4);
    CHECK(grad["nonfinite"] == 2);
    CHECK(grad["min"] == 1.0);
    CHECK(grad["max"] == 2.0);
    CHECK(grad["last"] == 2.0);
    CHECK(grad["best"].is_null());  // no goal for "grad_norm"
    CHECK(metrics.at("weird/last_nan")["last"] == "NaN");
    CHECK(metrics.at("weird/last_nan")["min"] == 1.5);
    CHECK(metrics.at("weird/last_neg_inf")["last"] == "-Infinity");
    CHECK(metrics.at("weird/last_neg_inf")["min"].is_null());  // no finite value at all
  }
  SECTION("markdown (the default)") {
    const cli_result r = cli_both(f.with_store({"summary", f.baseline_id}));
    REQUIRE(r.code == 0);
    CHECK(r.out.find("# Run " + f.baseline_id + " (baseline)") == 0);
    CHECK(r.out.find("## Config") != std::string::npos);
    CHECK(r.out.find("| lr | 0.001 |") != std::string::npos);
    CHECK(r.out.find("| optimizer.name | adam |") != std::string::npos);
    CHECK(r.out.find("## Metrics") != std::string::npos);
    CHECK(r.out.find("| train/loss | 0.1 | 0.1 | 1 | 0.1 | minimize | 10 | 0 | 9 |") !=
          std::string::npos);
    CHECK(r.out.find("| weird/last_nan | NaN |") != std::string::npos);
    CHECK(r.out.find("| weird/last_neg_inf | -inf | — | — |") != std::string::npos);
  }
  SECTION("RUN resolves by id, unique name and latest") {
    auto run_id = [&](const std::string& ref) {
      const cli_result r = cli_both(f.with_store({"summary", ref, "--format", "json"}));
      REQUIRE(r.code == 0);
      return json::parse(r.out)["run"]["id"].get<std::string>();
    };
    CHECK(run_id(f.candidate_id) == f.candidate_id);
    CHECK(run_id("candidate") == f.candidate_id);
    CHECK(run_id("latest") == f.candidate_id);
    CHECK(run_id("crashy") == f.crashy_id);
  }
  SECTION("usage") {
    require_input_error(cli_both(f.with_store({"summary"})), "usage: tracker summary RUN");
    require_input_error(cli_both(f.with_store({"summary", "a", "b"})), "'b'");
    require_input_error(cli_both(f.with_store({"summary", "baseline", "--format", "csv"})), "csv");
  }
}

TEST_CASE("cli export: every raw point as CSV and JSON Lines", "[cli]") {
  fixture f;

  SECTION("CSV, all keys") {
    const cli_result r = cli_both(f.with_store({"export", "baseline"}));
    REQUIRE(r.code == 0);
    const auto lines = split_lines(r.out);
    REQUIRE(!lines.empty());
    CHECK(lines[0] == "key,step,time,value");
    CHECK(lines.size() == 1 + 10 + 10 + 4 + 2 + 1);
    bool saw_nan = false, saw_inf = false, saw_neg_inf = false;
    for (const std::string& line : lines) {
      saw_nan |= line.rfind("train/grad_norm,1,", 0) == 0 && line.ends_with(",NaN");
      saw_inf |= line.rfind("train/grad_norm,2,", 0) == 0 && line.ends_with(",Infinity");
      saw_neg_inf |= line.rfind("weird/last_neg_inf,0,", 0) == 0 && line.ends_with(",-Infinity");
    }
    CHECK(saw_nan);
    CHECK(saw_inf);
    CHECK(saw_neg_inf);
  }
  SECTION("CSV, one key, values exact") {
    const cli_result r = cli_both(f.with_store({"export", "baseline", "--key", "train/loss"}));
    REQUIRE(r.code == 0);
    const auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 11);
    for (int step = 0; step < 10; ++step) {
      const std::string& line = lines[static_cast<std::size_t>(step) + 1];
      INFO(line);
      std::vector<std::string> cols;
      std::stringstream ss(line);
      for (std::string c; std::getline(ss, c, ',');) cols.push_back(c);
      REQUIRE(cols.size() == 4);
      CHECK(cols[0] == "train/loss");
      CHECK(std::stoll(cols[1]) == step);
      CHECK(std::stod(cols[2]) > 1.5e9);              // unix seconds
      CHECK(std::stod(cols[3]) == 1.0 - 0.1 * step);  // exact round trip, not Approx
    }
  }
  SECTION("JSON Lines") {
    const cli_result r = cli_both(
        f.with_store({"export", "baseline", "--key", "train/grad_norm", "--format", "jsonl"}));
    REQUIRE(r.code == 0);
    const auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 4);
    std::vector<json> values;
    for (const std::string& line : lines) {
      const json j = json::parse(line);
      CHECK(j.at("key") == "train/grad_norm");
      CHECK(j.at("time").is_number());
      values.push_back(j.at("value"));
    }
    CHECK(values == std::vector<json>{1.0, "NaN", "Infinity", 2.0});
  }
  SECTION("several --key, in the order given") {
    const cli_result r = cli_both(f.with_store(
        {"export", "candidate", "--key", "val/f1", "--key", "train/loss", "--format=csv"}));
    REQUIRE(r.code == 0);
    const auto lines = split_lines(r.out);
    REQUIRE(lines.size() == 1 + 1 + 10);
    CHECK(lines[1].rfind("val/f1,9,", 0) == 0);
  }
  SECTION("an unknown key is an input error") {
    require_input_error(cli_both(f.with_store({"export", "baseline", "--key", "val/f1"})),
                        "val/f1");
    require_input_error(cli_both(f.with_store({"export", "baseline", "--key"})), "--key");
  }
}

TEST_CASE("cli compare: config differences and metric deltas", "[cli]") {
  fixture f;

  SECTION("JSON") {
    const cli_result r =
        cli_both(f.with_store({"compare", "baseline", "candidate", "--format", "json"}));
    REQUIRE(r.code == 0);
    const json doc = json::parse(r.out);
    CHECK(doc.at("schema_version") == 1);
    CHECK(doc.at("a").at("id") == f.baseline_id);
    CHECK(doc.at("b").at("id") == f.candidate_id);

    const json& config = doc.at("config");
    CHECK(config.at("only_in_a") == json{{"optimizer.name", "adam"}});
    CHECK(config.at("only_in_b") == json{{"dropout", 0.1}});
    CHECK(config.at("different") == json{{"lr", {{"a", 0.001}, {"b", 0.01}}}});
    CHECK(config.at("same") == json{{"batch", 64}});

    const json& metrics = doc.at("metrics");
    const json& loss = metrics.at("train/loss");
    CHECK(loss.at("a").at("last").get<double>() == Approx(0.1));
    CHECK(loss.at("b").at("last").get<double>() == Approx(0.05));
    CHECK(loss.at("delta").at("last").get<double>() == Approx(-0.05));  // B - A
    CHECK(loss.at("delta").at("count") == 0);
    CHECK(metrics.at("val/accuracy").at("delta").at("best").get<double>() == Approx(0.04));
    // Only in B: no A side, no delta.
    CHECK(metrics.at("val/f1").at("a").is_null());
    CHECK(metrics.at("val/f1").at("b").at("last") == 0.8);
    CHECK(metrics.at("val/f1").at("delta").is_null());
    CHECK(metrics.at("train/grad_norm").at("b").is_null());
  }
  SECTION("markdown") {
    const cli_result r = cli_both(f.with_store({"compare", f.baseline_id, "latest"}));
    REQUIRE(r.code == 0);
    CHECK(r.out.find("## Config differences") != std::string::npos);
    CHECK(r.out.find("| lr | 0.001 | 0.01 |") != std::string::npos);
    CHECK(r.out.find("| dropout | — | 0.1 |") != std::string::npos);
    CHECK(r.out.find("| optimizer.name | adam | — |") != std::string::npos);
    CHECK(r.out.find("| train/loss | 0.1 → 0.05 (-0.05) |") != std::string::npos);
    CHECK(r.out.find("| val/f1 | — → 0.8 |") != std::string::npos);
  }
  SECTION("a run compared with itself has no differences") {
    const cli_result r =
        cli_both(f.with_store({"compare", "baseline", "baseline", "--format", "json"}));
    REQUIRE(r.code == 0);
    const json doc = json::parse(r.out);
    CHECK(doc["config"]["different"].empty());
    CHECK(doc["config"]["only_in_a"].empty());
    CHECK(doc["metrics"]["train/loss"]["delta"]["last"] == 0.0);
  }
  SECTION("usage") {
    require_input_error(cli_both(f.with_store({"compare", "baseline"})), "RUN_A RUN_B");
    require_input_error(cli_both(f.with_store({"compare", "baseline", "nosuchrun"})), "nosuchrun");
  }
}

TEST_CASE("cli check: gates pass, fail, miss, and reject bad syntax", "[cli]") {
  fixture f;
  auto check = [&](std::vector<std::string> gates) {
    gates.insert(gates.begin(), {"check", "baseline"});
    return cli_both(f.with_store(gates));
  };

  SECTION("all gates pass: exit 0") {
    const cli_result r = check({"val/accuracy>=0.85", "train/loss.min<0.3", "train/loss.count=10",
                                "config.lr=0.001", "val/accuracy.best>0.8"});
    CHECK(r.code == 0);
    CHECK(r.err.empty());
    CHECK(r.out.find("FAIL") == std::string::npos);
    CHECK(r.out.find("PASS  val/accuracy>=0.85") != std::string::npos);
    CHECK(r.out.find("last = 0.86") != std::string::npos);
    CHECK(r.out.find("5 of 5 gates passed") != std::string::npos);
  }
  SECTION("a failing gate: exit 1, with the actual value") {
    const cli_result r = check({"val/accuracy>=0.85", "train/loss.min<0.05"});
    CHECK(r.code == 1);
    CHECK(r.out.find("PASS  val/accuracy>=0.85") != std::string::npos);
    CHECK(r.out.find("FAIL  train/loss.min<0.05") != std::string::npos);
    CHECK(r.out.find("min = 0.1") != std::string::npos);
    CHECK(r.out.find("1 of 2 gates passed") != std::string::npos);
  }
  SECTION("a gate on a missing metric fails and says so") {
    for (const char* gate : {"val/f1>=0.5", "val/f1!=0.5", "val/f1.max<1"}) {
      const cli_result r = check({gate});
      CHECK(r.code == 1);
      CHECK(r.out.find(std::string("FAIL  ") + gate) != std::string::npos);
      CHECK(r.out.find("missing") != std::string::npos);
    }
  }
  SECTION("a missing metric's message names a close spelling") {
    const cli_result r = check({"val/acc>=0.5", "train/los<1"});
    CHECK(r.code == 1);
    CHECK(r.out.find("missing (did you mean 'val/accuracy'?)") != std::string::npos);
    CHECK(r.out.find("missing (did you mean 'train/loss'?)") != std::string::npos);
  }
  SECTION("malformed expressions are usage errors (exit 2), even next to valid ones") {
    for (const char* gate : {"val/accuracy>>0.5", "val/accuracy", ">=0.5", "val/accuracy>=high"}) {
      INFO(gate);
      const cli_result r = check({"val/accuracy>=0.85", gate});
      CHECK(r.code == 2);
      CHECK(r.out.empty());
      CHECK(count_lines(r.err) == 1);
    }
    require_input_error(check({}), "usage: tracker check");
  }
  SECTION("JSON") {
    const cli_result r =
        check({"val/accuracy>=0.85", "train/loss.min<0.05", "val/f1>0", "--format", "json"});
    CHECK(r.code == 1);
    const json doc = json::parse(r.out);
    CHECK(doc.at("schema_version") == 1);
    CHECK(doc.at("run").at("id") == f.baseline_id);
    CHECK(doc.at("passed") == false);
    CHECK(doc.at("failed") == 2);
    const json& gates = doc.at("gates");
    REQUIRE(gates.size() == 3);
    CHECK(gates[0].at("expression") == "val/accuracy>=0.85");
    CHECK(gates[0].at("passed") == true);
    CHECK(gates[0].at("actual").get<double>() == Approx(0.86));
    CHECK(gates[0].at("key") == "val/accuracy");
    CHECK(gates[0].at("field") == "last");
    CHECK(gates[0].at("op") == ">=");
    CHECK(gates[0].at("threshold") == 0.85);
    CHECK(gates[1].at("field") == "min");
    CHECK(gates[1].at("passed") == false);
    CHECK(gates[2].at("passed") == false);
    CHECK(gates[2].at("actual").is_null());
    CHECK(gates[2].at("actual_text") == "missing");
  }
  SECTION("a NaN last value fails a gate rather than passing it") {
    const cli_result r = check({"weird/last_nan<10"});
    CHECK(r.code == 1);
    CHECK(r.out.find("NaN") != std::string::npos);
  }
}

TEST_CASE("cli errors: unknown run, unknown flag, missing store, usage", "[cli]") {
  fixture f;

  SECTION("an unknown RUN is exit 2 for every command that takes one") {
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"summary", "nosuchrun"},
                                               {"export", "nosuchrun"},
                                               {"compare", "nosuchrun", "baseline"},
                                               {"check", "nosuchrun", "val/accuracy>0"},
                                               {"delete", "nosuchrun"}}) {
      INFO(args[0]);
      const cli_result r = cli_both(f.with_store(args));
      require_input_error(r, "nosuchrun");
      CHECK(r.err.rfind("tracker: ", 0) == 0);
    }
  }
  SECTION("a name shared by two runs is exit 2 (use the id)") {
    tracker::run twin = tracker::init(f.opts("fashion", "baseline"));
    twin.finish();
    require_input_error(cli_both(f.with_store({"summary", "baseline"})), "baseline");
    require_input_error(cli_both(f.with_store({"check", "baseline", "train/loss<1"})), "baseline");
    CHECK(cli_both(f.with_store({"summary", f.baseline_id})).code == 0);
  }
  SECTION("an unknown flag is exit 2 for every command") {
    for (const char* cmd : {"runs", "summary", "export", "compare", "check", "delete", "gc"}) {
      INFO(cmd);
      require_input_error(cli_both(f.with_store({cmd, "--bogus"})), "--bogus");
    }
  }
  SECTION("a missing store is exit 2 for every command, and is not created") {
    const std::string missing = f.dir.path() + "/no-store-here";
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"runs"},
                                               {"summary", "latest"},
                                               {"export", "latest"},
                                               {"compare", "latest", "latest"},
                                               {"check", "latest", "a>1"},
                                               {"delete", "latest"},
                                               {"gc"}}) {
      std::vector<std::string> full = args;
      full.insert(full.end(), {"--store", missing});
      INFO(args[0]);
      require_input_error(cli_both(full), missing);
      CHECK_FALSE(fs::exists(missing));
    }
  }
  SECTION("commands, help and usage") {
    const cli_result none = cli_both({});
    CHECK(none.code == 2);
    CHECK(none.out.empty());
    CHECK(none.err.find("missing command") != std::string::npos);

    require_input_error(cli_both({"frobnicate"}), "unknown command 'frobnicate'");

    const cli_result help = cli_both({"--help"});
    CHECK(help.code == 0);
    for (const char* cmd : {"runs", "summary", "export", "compare", "check", "delete", "gc",
                            "confusion", "table", "histogram"})
      CHECK(help.out.find(std::string("\n  ") + cmd + " ") != std::string::npos);

    const cli_result cmd_help = cli_both({"check", "--help"});
    CHECK(cmd_help.code == 0);
    CHECK(cmd_help.out.rfind("usage: tracker check RUN EXPR...", 0) == 0);
    CHECK(cli_both({"help", "export"}).out == cli_both({"export", "--help"}).out);

    require_input_error(cli_both(f.with_store({"runs", "--format"})), "needs a value");
  }
  SECTION("--store may come before the command") {
    const cli_result r = cli_both({"--store", f.store, "summary", "latest", "--format", "json"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out)["run"]["id"] == f.candidate_id);
  }
  SECTION("the default store is $TRACKER_DIR") {
    ::unsetenv("TRACKER_DIR");  // so the child's environment has exactly one TRACKER_DIR
    const cli_result r = cli_binary({"runs", "--format", "json"}, {"TRACKER_DIR=" + f.store});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out)["runs"].size() == 3);
    const cli_result missing = cli_binary({"runs"}, {"TRACKER_DIR=" + f.dir.path() + "/nothing"});
    CHECK(missing.code == 2);
    CHECK(missing.err.find("/nothing") != std::string::npos);
  }
}

TEST_CASE("cli delete and gc: hide at once, purge rows and media later", "[cli]") {
  fixture f;
  // A media file for the candidate, so gc has files to remove.
  {
    tracker::options o = f.opts("fashion", "candidate");
    o.id = f.candidate_id;
    o.resume = tracker::resume_mode::must;
    tracker::run r = tracker::init(o);
    CHECK(!r.log_media("sample.png", {0x89, 'P', 'N', 'G'}).empty());
    r.finish();
  }
  const fs::path media = fs::path(f.store) / "media" / f.candidate_id;
  REQUIRE(fs::exists(media / "sample.png"));

  // Through the binary...
  const cli_result del = cli_binary(f.with_store({"delete", "candidate"}));
  CHECK(del.code == 0);
  CHECK(del.out.find(f.candidate_id) != std::string::npos);
  // ...then hidden from every read path.
  const cli_result runs = cli_both(f.with_store({"runs", "--format", "json"}));
  CHECK(ids_of(json::parse(runs.out)["runs"]) == std::set<std::string>{f.baseline_id, f.crashy_id});
  require_input_error(cli_both(f.with_store({"summary", "candidate"})), "candidate");
  CHECK(json::parse(
            cli_both(f.with_store({"summary", "latest", "--format", "json"})).out)["run"]["id"] ==
        f.baseline_id);
  CHECK(fs::exists(media));  // data stays until gc

  // In-process delete of a second run, then gc in-process (purges both) and via the binary.
  CHECK(cli_in_process(f.with_store({"delete", f.crashy_id})).code == 0);
  const cli_result gc1 = cli_in_process(f.with_store({"gc"}));
  CHECK(gc1.code == 0);
  CHECK(gc1.out == "purged 2 deleted runs\n");
  CHECK_FALSE(fs::exists(media));
  const cli_result gc2 = cli_binary(f.with_store({"gc"}));
  CHECK(gc2.code == 0);
  CHECK(gc2.out == "purged 0 deleted runs\n");

  // The surviving run is untouched.
  const cli_result s = cli_both(f.with_store({"summary", "baseline", "--format", "json"}));
  REQUIRE(s.code == 0);
  CHECK(json::parse(s.out)["metrics"]["train/loss"]["count"] == 10);
  require_input_error(cli_both(f.with_store({"gc", "extra"})), "extra");
}
