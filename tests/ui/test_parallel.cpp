// test_parallel.cpp — the parameters view's model: axes, positions, brushes as filter terms.
#include "model/filter.hpp"
#include "model/parallel.hpp"

#include <catch2/catch.hpp>

using namespace tracker::ui;

namespace {

run_row make_run(const std::string& id, double lr, const std::string& model, double acc) {
  run_row r;
  r.info.id = r.info.name = id;
  r.config["lr"] = config_value{std::to_string(lr), lr};
  r.config["model"] = config_value{model, std::nullopt};
  r.config["batch"] = config_value{"64", 64.0};
  tracker::metric_summary m;
  m.key = "val/accuracy";
  m.count = 3;
  m.last = acc;
  r.metrics[m.key] = m;
  return r;
}

}  // namespace

TEST_CASE("parallel coordinates: varying config keys and common metrics become axes") {
  run_row a = make_run("a", 0.001, "mlp", 0.80), b = make_run("b", 0.003, "cnn", 0.90),
          c = make_run("c", 0.002, "cnn", 0.85);
  std::vector<const run_row*> runs{&a, &b, &c};
  auto axes = default_axes(runs);
  REQUIRE(axes.size() == 3);  // batch is the same everywhere: no axis
  CHECK(axes[0] == std::make_pair(std::string("lr"), true));
  CHECK(axes[1] == std::make_pair(std::string("model"), true));
  CHECK(axes[2] == std::make_pair(std::string("val/accuracy"), false));
  pc_data d = build_parallel(runs, axes);
  CHECK(d.pos[0][0] == Approx(0.0));  // lowest lr at the bottom
  CHECK(d.pos[1][0] == Approx(1.0));
  CHECK(d.pos[2][0] == Approx(0.5));
  CHECK(d.axes[1].categorical);
  CHECK(d.axes[1].categories == std::vector<std::string>{"cnn", "mlp"});
  CHECK(d.pos[0][1] == Approx(1.0));  // mlp
  CHECK(d.pos[2][2] == Approx(0.5));
}

TEST_CASE("parallel coordinates: a brush is a filter term the runs table parses") {
  run_row a = make_run("a", 0.001, "mlp", 0.80), b = make_run("b", 0.003, "cnn", 0.90);
  pc_data d = build_parallel({&a, &b}, {{"lr", true}, {"model", true}, {"val/accuracy", false}});
  std::string lr = brush_term(d.axes[0], 0.0, 0.5);
  CHECK(lr == "config.lr>=0.001 config.lr<=0.002");
  CHECK(parse_filter(lr).ok);
  std::string model = brush_term(d.axes[1], 0.9, 1.0);
  CHECK(model == "config.model=mlp");
  CHECK(parse_filter(model).ok);
  CHECK(brush_term(d.axes[1], 0.0, 1.0).empty());  // both categories: no condition
  std::string acc = brush_term(d.axes[2], 0.5, 1.0);
  CHECK(acc == "val/accuracy>=0.85 val/accuracy<=0.9");
  CHECK(parse_filter(acc).ok);
}
