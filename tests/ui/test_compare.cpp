// test_compare.cpp — the compare view's model: config diff and metric deltas per goal.
#include "model/compare.hpp"

#include <catch2/catch.hpp>

using namespace tracker::ui;

namespace {

run_row make_run(const std::string& id, std::map<std::string, std::string> config,
                 std::vector<tracker::metric_summary> metrics) {
  run_row r;
  r.info.id = r.info.name = id;
  for (auto& [k, v] : config) r.config[k] = config_value{v, std::nullopt};
  for (auto& m : metrics) r.metrics[m.key] = m;
  return r;
}

tracker::metric_summary summary(const std::string& key, double last, double min, double max,
                                tracker::goal g = tracker::goal::none) {
  tracker::metric_summary m;
  m.key = key;
  m.metric_goal = g;
  m.count = 10;
  m.last = last;
  m.min = min;
  m.max = max;
  return m;
}

}  // namespace

TEST_CASE("compare: the config diff lists differing keys (a missing key differs)") {
  run_row a = make_run("a", {{"lr", "0.001"}, {"model", "mlp"}, {"batch", "64"}}, {});
  run_row b =
      make_run("b", {{"lr", "0.003"}, {"model", "mlp"}, {"batch", "64"}, {"seed", "1"}}, {});
  auto diff = config_diff({&a, &b}, true);
  REQUIRE(diff.size() == 2);
  CHECK(diff[0].key == "lr");
  CHECK(diff[0].values == std::vector<std::string>{"0.001", "0.003"});
  CHECK(diff[1].key == "seed");
  CHECK(diff[1].present == std::vector<bool>{false, true});
  auto all = config_diff({&a, &b}, false);
  CHECK(all.size() == 4);
  CHECK_FALSE(all[0].differs);  // batch
}

TEST_CASE("compare: deltas against the baseline, coloured by the metric's goal") {
  CHECK(delta_direction(tracker::goal::maximize, 0.1) == 1);
  CHECK(delta_direction(tracker::goal::maximize, -0.1) == -1);
  CHECK(delta_direction(tracker::goal::minimize, -0.1) == 1);  // loss down: better
  CHECK(delta_direction(tracker::goal::minimize, 0.1) == -1);
  CHECK(delta_direction(tracker::goal::none, 0.1) == 0);
  CHECK(delta_direction(tracker::goal::maximize, 0.0) == 0);
  CHECK(delta_direction(tracker::goal::maximize, std::nan("")) == 0);

  // No declared goal: the key implies it (loss minimize, accuracy maximize).
  run_row a = make_run("a", {},
                       {summary("val/loss", 0.5, 0.4, 2.0), summary("val/accuracy", 0.8, 0.1, 0.85),
                        summary("system/cpu", 50, 10, 90), summary("train/x", 1, 0, 2)});
  run_row b = make_run(
      "b", {}, {summary("val/loss", 0.6, 0.3, 2.2), summary("val/accuracy", 0.9, 0.1, 0.9)});
  auto rows = metric_compare({&a, &b}, summary_field::last);
  REQUIRE(rows.size() == 3);             // system/ left out
  CHECK(rows[0].key == "val/accuracy");  // val/ first
  CHECK(rows[1].key == "val/loss");
  CHECK(rows[2].key == "train/x");
  CHECK(rows[0].delta[1].value() == Approx(0.1));
  CHECK(rows[0].direction[1] == 1);
  CHECK(rows[1].direction[1] == -1);  // loss went up: worse
  CHECK_FALSE(rows[2].value[1]);      // b has no train/x: no delta
  CHECK(rows[2].direction[1] == 0);
  auto best = metric_compare({&a, &b}, summary_field::best);
  CHECK(best[1].value[0] == 0.4);  // loss: best is the min
  CHECK(best[1].value[1] == 0.3);
  CHECK(best[1].direction[1] == 1);
  CHECK(best[0].value[1] == 0.9);  // accuracy: best is the max
}
