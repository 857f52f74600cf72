// test_drift.cpp — `tracker drift`: exit codes (0, 1 with --fail-on-drift on dataset drift, 2 on
// bad input with one line), both output formats, and the binary agreeing with run_cli().
// The report's numbers are checked in tests/production/test_monitor.cpp.
#include "cli.hpp"
#include "cli_runner.hpp"
#include "test_support.hpp"

#include <tracker/production.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace {

namespace prod = tracker::production;
using json = nlohmann::json;

using tracker_test::cli_result;
using tracker_test::run_cli_in_process;

// In-process and the real binary must agree (drift only reads the store).
cli_result drift(const std::vector<std::string>& args) {
  const cli_result in = run_cli_in_process(args);
  std::vector<std::string> bin_args(args.begin(), args.end());
  const tracker_test::process_result bin = tracker_test::run_process(TRACKER_CLI_PATH, bin_args);
  REQUIRE(bin.signal == 0);
  CHECK(bin.exit_code == in.code);
  CHECK(bin.out == in.out);
  CHECK(bin.err == in.err);
  return in;
}

void require_input_error(const cli_result& r, const std::string& needle) {
  INFO("stderr: " << r.err);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find(needle) != std::string::npos);
}

constexpr double t0 = 1795341600;  // 2026-11-22T10:00:00Z

// Reference: brightness (k + 0.5)/40 for k = 0..39. Production: the same 40 values from 10:00
// (no drift), then 20 values of the upper half from 12:00 (brightness drifts; the only
// feature, so the dataset drifts).
struct drift_store {
  tracker_test::temp_dir dir;
  std::string run_id;
  drift_store(bool with_reference = true) {
    tracker::options o;
    o.store = dir.store();
    o.name = "cnn";
    tracker::run r = tracker::init(o);
    run_id = r.id();
    r.finish();
    prod::store s = prod::store::open(dir.store());
    s.set_classes(run_id, {"dark", "light"});
    const prod::model_info m = s.model(run_id);
    std::vector<prod::record> ref, cur;
    for (int k = 0; k < 40; ++k) {
      prod::record rec;
      rec.id = "r" + std::to_string(k);
      rec.features = {{"brightness", (k + 0.5) / 40}};
      rec.predicted = k < 20 ? "dark" : "light";
      rec.label = rec.predicted;
      rec.time = t0 - 86400;
      ref.push_back(rec);
      rec.label.clear();
      rec.time = t0 + k;
      cur.push_back(rec);
      if (k >= 20) {
        rec.id = "s" + std::to_string(k);
        rec.time = t0 + 7200 + k;
        cur.push_back(rec);
      }
    }
    if (with_reference) s.write(m, prod::record_kind::reference, ref);
    s.write(m, prod::record_kind::prediction, cur);
  }
  std::vector<std::string> args(std::vector<std::string> extra) const {
    std::vector<std::string> a = {"drift", "--model", run_id, "--store", dir.store()};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

}  // namespace

TEST_CASE("tracker drift: --fail-on-drift exits 1 on dataset drift, 0 otherwise", "[cli][drift]") {
  drift_store s;
  cli_result r = drift(s.args({"--until", "2026-11-22T11:00:00Z", "--fail-on-drift"}));
  CHECK(r.code == 0);
  CHECK(r.out.find("**Dataset drift: no**") != std::string::npos);

  r = drift(
      s.args({"--since", std::to_string(static_cast<long long>(t0 + 7200)), "--fail-on-drift"}));
  CHECK(r.code == 1);
  CHECK(r.err.empty());
  CHECK(r.out.find("**Dataset drift: YES**") != std::string::npos);
  CHECK(r.out.find("| brightness | numeric | ks |") != std::string::npos);

  r = drift(s.args({"--last", "20"}));  // drift without --fail-on-drift: still exit 0
  CHECK(r.code == 0);
}

TEST_CASE("tracker drift --format json: the report, with overrides and a timeline",
          "[cli][drift]") {
  drift_store s;
  const cli_result r =
      drift(s.args({"--format", "json", "--last", "20", "--bucket", "hour", "--test",
                    "brightness=wasserstein", "--threshold", "brightness=0.5"}));
  REQUIRE(r.code == 0);
  const json j = json::parse(r.out);
  CHECK(j["schema_version"] == 1);
  CHECK(j["reference"]["rows"] == 40);
  CHECK(j["current"]["rows"] == 20);
  CHECK(j["current"]["window"]["last"] == 20);
  REQUIRE(j["features"].size() == 1);
  CHECK(j["features"][0]["test"] == "wasserstein");
  CHECK(j["features"][0]["threshold"] == 0.5);
  CHECK(j["features"][0]["p_value"].is_null());
  CHECK(j["timeline"]["buckets"].size() == 1);
  CHECK(j.contains("production_metrics"));
  CHECK(j.contains("prediction_drift"));
}

TEST_CASE("tracker drift: bad input is exit 2 with one line", "[cli][drift]") {
  drift_store s;
  require_input_error(drift({"drift", "--store", s.dir.store()}), "--model RUN is required");
  require_input_error(drift(s.args({"--since", "yesterday"})), "--since 'yesterday'");
  require_input_error(drift(s.args({"--since", "2026-11-23", "--until", "2026-11-22"})),
                      "after --until");
  require_input_error(drift(s.args({"--last", "0"})), "--last '0'");
  require_input_error(drift(s.args({"--bucket", "week"})), "hour or day");
  require_input_error(drift(s.args({"--test", "brightness=t_test"})), "unknown test");
  require_input_error(drift(s.args({"--test", "brightnes=ks"})), "no feature named 'brightnes'");
  require_input_error(drift(s.args({"--threshold", "brightness"})), "FEATURE=VALUE");
  require_input_error(drift(s.args({"--drift-share", "2"})), "--drift-share");
  require_input_error(drift({"drift", "--model", "nope", "--store", s.dir.store()}), "nope");
  drift_store none(false);
  require_input_error(drift(none.args({})), "no reference records");
}
