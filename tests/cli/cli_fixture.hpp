// cli_fixture.hpp — what the `tracker` command tests share: running a command in-process and
// as the real binary (TRACKER_CLI_PATH) and requiring that both agree, the checks for an input
// error, and a store with three runs.
#pragma once

#include "cli_runner.hpp"
#include "test_support.hpp"

#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace cli_fixture {

using json = nlohmann::json;
using tracker_test::temp_dir;

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double inf_v = std::numeric_limits<double>::infinity();

using tracker_test::cli_result;

inline cli_result cli_in_process(const std::vector<std::string>& args) { return tracker_test::run_cli_in_process(args); }

inline cli_result cli_binary(const std::vector<std::string>& args,
                      const std::vector<std::string>& extra_env = {}) {
  const tracker_test::process_result r =
      tracker_test::run_process(TRACKER_CLI_PATH, args, extra_env);
  REQUIRE(r.signal == 0);  // the binary must never crash, whatever the input
  return {r.exit_code, r.out, r.err};
}

// Both paths; they must agree exactly. Only for commands that do not change the store.
inline cli_result cli_both(const std::vector<std::string>& args) {
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

inline std::size_t count_lines(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// A usage/input error: exit 2, nothing on stdout, exactly one line on stderr.
inline void require_input_error(const cli_result& r, const std::string& needle) {
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(count_lines(r.err) == 1);
  CHECK(r.err.find(needle) != std::string::npos);
}

inline std::vector<std::string> split_lines(const std::string& s) {
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

inline std::set<std::string> ids_of(const json& runs) {
  std::set<std::string> ids;
  for (const json& r : runs) ids.insert(r.at("id").get<std::string>());
  return ids;
}

}  // namespace cli_fixture
