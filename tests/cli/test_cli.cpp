// test_cli.cpp — the `tracker` commands that read (runs, summary, export, compare, check), with
// their exit codes, against a real store in a temp dir. Errors, delete and gc: test_cli_admin.cpp.
//
// Read-only commands go through both paths at once (cli_both): in-process via run_cli() and
// the real binary (TRACKER_CLI_PATH) as CI would call it. The two must agree on exit code,
// stdout and stderr, and the assertions then hold for both.
#include "cli.hpp"
#include "cli_fixture.hpp"

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

namespace fs = std::filesystem;
using namespace cli_fixture;

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

