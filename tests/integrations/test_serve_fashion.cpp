// test_serve_fashion.cpp — examples/serve_fashion end to end: a trained model, real traffic
// through tracker serve and the production client, and the drift the issue promises: none for
// the clean phase, drift on brightness with an accuracy drop for the shifted one — checked
// through `tracker drift` (the CLI contract, exit codes included) and monitor::drift_report.
#include <tracker/monitor.hpp>
#include <tracker/query.hpp>

#include <test_support.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>

namespace {

std::string after(const std::string& text, const std::string& marker) {
  const auto at = text.find(marker);
  REQUIRE(at != std::string::npos);
  const auto start = at + marker.size();
  return text.substr(start, text.find_first_of(" )\n", start) - start);
}

}  // namespace

TEST_CASE("serve_fashion: clean traffic shows no drift, shifted traffic drifts on brightness and loses accuracy",
          "[torch][production][example]") {
  tracker_test::temp_dir dir;
  auto train = tracker_test::run_process(FASHION_MNIST_EXAMPLE, {"--epochs", "1", "--limit-train", "3000", "--limit-test", "2000",
                                                                 "--store", dir.store(), "--no-progress", "--watch-every", "1000"});
  INFO("train stdout:\n" << train.out << "\nstderr:\n" << train.err);
  REQUIRE(train.exit_code == 0);

  auto serve = tracker_test::run_process(SERVE_FASHION_EXAMPLE, {"--store", dir.store(), "--clean", "800", "--shifted", "800"});
  INFO("serve_fashion stdout:\n" << serve.out << "\nstderr:\n" << serve.err);
  REQUIRE(serve.exit_code == 0);
  CHECK(serve.out.find("reference: recorded by training") != std::string::npos);
  CHECK(serve.out.find("clean phase:   no dataset drift") != std::string::npos);
  CHECK(serve.out.find("shifted phase: DATASET DRIFT") != std::string::npos);
  const std::string run = after(serve.out, "--model ");
  const std::string until = after(serve.out, "--until ");
  const std::string since = after(serve.out, "--since ");

  // The CLI: JSON, and --fail-on-drift's exit codes (0 clean, 1 shifted).
  auto clean = tracker_test::run_process(TRACKER_CLI, {"drift", "--store", dir.store(), "--model", run, "--until", until,
                                                       "--format", "json", "--fail-on-drift"});
  INFO("tracker drift (clean):\n" << clean.out << clean.err);
  REQUIRE(clean.exit_code == 0);
  const auto c = nlohmann::json::parse(clean.out);
  CHECK(c.at("dataset_drift") == false);
  CHECK(c.at("current").at("rows") == 800);
  CHECK(c.at("reference").at("rows") == 2000);

  auto shifted = tracker_test::run_process(TRACKER_CLI, {"drift", "--store", dir.store(), "--model", run, "--since", since,
                                                         "--format", "json", "--fail-on-drift"});
  INFO("tracker drift (shifted):\n" << shifted.out << shifted.err);
  REQUIRE(shifted.exit_code == 1);
  const auto s = nlohmann::json::parse(shifted.out);
  CHECK(s.at("dataset_drift") == true);
  bool brightness_drifted = false;
  for (const auto& f : s.at("features"))
    if (f.at("name") == "brightness") brightness_drifted = f.at("drifted").get<bool>();
  CHECK(brightness_drifted);
  // Feedback labels arrived for ~30% of the requests; the shifted phase's accuracy is far lower.
  const auto& cm = c.at("production_metrics");
  const auto& sm = s.at("production_metrics");
  CHECK(cm.at("labeled").get<int>() > 150);
  CHECK(sm.at("labeled").get<int>() > 150);
  CHECK(cm.at("accuracy").get<double>() > 0.6);
  CHECK(sm.at("accuracy").get<double>() < cm.at("accuracy").get<double>() - 0.3);
  // Some wrong answers were flagged, with their images stored.
  CHECK(s.at("flags").dump().find("incorrect") != std::string::npos);
}
