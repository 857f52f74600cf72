// test_metrics_store.cpp — tracker/metrics.hpp through a real store: the log_* wrappers
// (scalars, matrices, tables and histograms land at one step) and the CLI commands that read
// them back (`tracker confusion`, `tracker table`, `tracker histogram`, in-process).
#include <catch2/catch.hpp>

#include <tracker/metrics.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "../cli/cli_runner.hpp"
#include "metrics_fixtures.hpp"
#include "test_support.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace metrics = tracker::metrics;
using Catch::Matchers::Contains;

namespace {

using metrics_fixtures::make_cm;
using metrics_fixtures::three_class;
using tracker_test::cli_result;

cli_result cli(std::vector<std::string> args) { return tracker_test::run_cli_in_process(std::move(args)); }

tracker::options store_options(const tracker_test::temp_dir& tmp) {
  tracker::options o;
  o.project = "metrics";
  o.store = tmp.store();
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

std::size_t count_lines(const std::string& s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

// ============================================================================================
// Through a real store
// ============================================================================================

TEST_CASE("log_classification: scalars and the matrix land in the store at one step", "[metrics][store]") {
  tracker_test::temp_dir tmp;
  std::string run_id;
  const metrics::confusion_matrix cm = three_class();
  {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    metrics::log_classification(run, "val", cm, 3);
    REQUIRE(run.flush());
    run.finish();
  }
  const tracker::reader store = tracker::reader::open(tmp.store());
  const auto sums = store.summaries(run_id);
  CHECK(sums.size() == 10 + 4 * 3);
  auto value = [&](const std::string& key) -> double {
    const auto s = store.summary(run_id, key);
    INFO(key);
    REQUIRE(s);
    CHECK(s->last_step == 3);
    return s->last;
  };
  CHECK(value("val/accuracy") == Approx(10.0 / 15));
  CHECK(value("val/precision_macro") == Approx(49.0 / 72));
  CHECK(value("val/recall_macro") == Approx(2.0 / 3));
  CHECK(value("val/f1_macro") == Approx(208.0 / 315));
  CHECK(value("val/precision_micro") == Approx(10.0 / 15));
  CHECK(value("val/recall_micro") == Approx(10.0 / 15));
  CHECK(value("val/f1_micro") == Approx(10.0 / 15));
  CHECK(value("val/precision_weighted") == Approx(41.0 / 60));
  CHECK(value("val/recall_weighted") == Approx(10.0 / 15));
  CHECK(value("val/f1_weighted") == Approx(346.0 / 525));
  CHECK(value("val/precision/a") == Approx(5.0 / 8));
  CHECK(value("val/recall/b") == Approx(0.5));
  CHECK(value("val/f1/b") == Approx(0.6));
  CHECK(value("val/support/c") == 3.0);

  const auto obj = store.object(run_id, "val/confusion", 3);
  REQUIRE(obj);
  CHECK(obj->kind == "confusion_matrix");
  CHECK(obj->step == 3);
  CHECK(metrics::confusion_matrix::from_json(nlohmann::json::parse(obj->body_json)) == cm);
}

TEST_CASE("log_classification without a step: everything at the run's next step", "[metrics][store]") {
  tracker_test::temp_dir tmp;
  std::string run_id;
  {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    run.log("train/loss", 0.5, 7);
    // An empty prefix gives bare keys ("accuracy", "confusion").
    metrics::log_classification(run, "", make_cm({"p", "q"}, {{1, 1}, {0, 2}}));
    REQUIRE(run.flush());
  }
  const tracker::reader store = tracker::reader::open(tmp.store());
  for (const char* key : {"accuracy", "f1_macro", "precision/p", "support/q"}) {
    INFO(key);
    const auto s = store.summary(run_id, key);
    REQUIRE(s);
    CHECK(s->first_step == 8);
    CHECK(s->last_step == 8);
  }
  CHECK(store.summary(run_id, "accuracy")->last == Approx(0.75));
  const auto obj = store.object(run_id, "confusion");
  REQUIRE(obj);
  CHECK(obj->step == 8);
}

TEST_CASE("log_table and log_histogram: round trip through the store, media referenced", "[metrics][store]") {
  tracker_test::temp_dir tmp;
  std::string run_id, media;
  metrics::table t({{"image", metrics::column_type::image}, {"label", metrics::column_type::text},
               {"loss", metrics::column_type::number}});
  const std::vector<double> values{0.1, 0.2, 0.2, 0.9, std::nan("")};
  const metrics::histogram h = metrics::make_histogram(values, 8);
  {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    media = run.log_media("val/0.png", {0x89, 'P', 'N', 'G'});
    REQUIRE_FALSE(media.empty());
    t.add_row({media, std::string("Shirt"), 2.25});
    t.add_row({std::monostate{}, std::string("Coat"), 1.0});
    metrics::log_table(run, "val/misclassified", t, 1);
    metrics::log_histogram(run, "weights/fc", h, 1);
    metrics::log_histogram(run, "weights/fc", metrics::make_histogram(values, 2), 2);
    REQUIRE(run.flush());
  }
  const tracker::reader store = tracker::reader::open(tmp.store());
  const auto to = store.object(run_id, "val/misclassified", 1);
  REQUIRE(to);
  CHECK(to->kind == "table");
  const metrics::table back = metrics::table::from_json(nlohmann::json::parse(to->body_json));
  CHECK(back == t);
  const std::string path = std::get<std::string>(back.rows()[0][0]);
  CHECK(path == media);
  std::ifstream png(tmp.store() + "/" + path, std::ios::binary);
  CHECK(png.good());  // the reference resolves against the store directory

  const auto hist = store.objects(run_id, "weights/fc", "histogram");
  REQUIRE(hist.size() == 2);
  CHECK(hist[0].step == 1);
  CHECK(hist[1].step == 2);  // latest last
  CHECK(metrics::histogram::from_json(nlohmann::json::parse(hist[0].body_json)) == h);
  const auto latest = store.object(run_id, "weights/fc");
  REQUIRE(latest);
  CHECK(latest->step == 2);
}

// ============================================================================================
// Through the CLI (in-process)
// ============================================================================================

namespace {

// A store with one run holding: val/confusion at steps 1 and 3 (three_class() at 3), a table
// at step 3 and a histogram at step 3.
struct object_store {
  tracker_test::temp_dir tmp;
  std::string run_id;
  object_store() {
    tracker::run run = tracker::init(store_options(tmp));
    run_id = run.id();
    metrics::log_confusion_matrix(run, "val/confusion", make_cm({"a", "b", "c"}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}), 1);
    metrics::log_classification(run, "val", three_class(), 3);
    metrics::table t({{"image", metrics::column_type::image}, {"label", metrics::column_type::text},
                 {"loss", metrics::column_type::number}, {"index", metrics::column_type::number}});
    t.add_row({std::string("media/x/val/0.png"), std::string("Shirt, long \"sleeve\""), 2.25, 17.0});
    t.add_row({std::monostate{}, std::string("Coat"), std::nan(""), 4.0});
    metrics::log_table(run, "val/misclassified", t, 3);
    const std::vector<double> v{1, 2, 2, 3, 10, std::nan("")};
    metrics::log_histogram(run, "weights/fc", metrics::make_histogram(v, 4), 3);
    REQUIRE(run.flush());
  }
  std::string store() const { return tmp.store(); }
};

}  // namespace

TEST_CASE("tracker confusion: JSON, markdown, most confused, step selection", "[metrics][cli]") {
  object_store s;
  SECTION("json at the latest step") {
    auto r = cli({"confusion", s.run_id, "--key", "val/confusion", "--format", "json", "--store", s.store()});
    INFO(r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("schema_version") == 1);
    CHECK(j.at("step") == 3);
    CHECK(j.at("run") == s.run_id);
    CHECK(j.at("key") == "val/confusion");
    CHECK(j.at("labels") == nlohmann::json({"a", "b", "c"}));
    CHECK(j.at("matrix") == nlohmann::json({{5, 1, 0}, {2, 3, 1}, {1, 0, 2}}));
    CHECK(r.err.empty());
  }
  SECTION("json at an earlier step, run named 'latest'") {
    auto r = cli({"confusion", "latest", "--key", "val/confusion", "--step", "1", "--format=json",
                  "--store", s.store()});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("step") == 1);
    CHECK(j.at("matrix") == nlohmann::json({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}));
  }
  SECTION("markdown: the matrix and per-class scores") {
    auto r = cli({"confusion", s.run_id, "--key", "val/confusion", "--store", s.store()});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Contains("| true \\ predicted | a | b | c |"));
    CHECK_THAT(r.out, Contains("| b | 2 | 3 | 1 |"));
    CHECK_THAT(r.out, Contains("| b | 0.75 | 0.5 | 0.6 | 6 |"));
    CHECK_THAT(r.out, Contains("| macro avg | 0.680556 | 0.666667 | 0.660317 | 15 |"));
    CHECK_THAT(r.out, Contains("accuracy 0.666667 (10 of 15)"));
  }
  SECTION("most confused, json and markdown") {
    auto r = cli({"confusion", s.run_id, "--key", "val/confusion", "--most-confused", "--format",
                  "json", "--store", s.store()});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("schema_version") == 1);
    CHECK(j.at("step") == 3);
    // off-diagonal of three_class(): (b,a)=2, then ties at 1 in row-major order.
    const auto expected = nlohmann::json::parse(R"([
      {"true": "b", "predicted": "a", "count": 2},
      {"true": "a", "predicted": "b", "count": 1},
      {"true": "b", "predicted": "c", "count": 1},
      {"true": "c", "predicted": "a", "count": 1}])");
    CHECK(j.at("most_confused") == expected);

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--most-confused", "--min-count", "2",
             "--store", s.store()});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Contains("| b | a | 2 |"));
    CHECK_THAT(r.out, !Contains("| a | b | 1 |"));
  }
  SECTION("input errors exit 2 with one line that says what is there") {
    auto r = cli({"confusion", "nosuchrun", "--key", "val/confusion", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.out.empty());

    r = cli({"confusion", s.run_id, "--key", "val/nothing", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("no object under key 'val/nothing'"));
    CHECK(count_lines(r.err) == 1);

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--step", "2", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("logged steps: 1, 3"));
    CHECK(count_lines(r.err) == 1);

    r = cli({"confusion", s.run_id, "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("--key is required"));
    CHECK_THAT(r.err, Contains("val/confusion"));

    r = cli({"confusion", s.run_id, "--key", "val/misclassified", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("use `tracker table`"));

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--step", "x", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("--step must be an integer"));

    r = cli({"confusion", s.run_id, "--key", "val/confusion", "--format", "csv", "--store", s.store()});
    CHECK(r.code == 2);

    tracker_test::temp_dir empty;
    r = cli({"confusion", "latest", "--key", "k", "--store", empty.path() + "/none"});
    CHECK(r.code == 2);
    CHECK(count_lines(r.err) == 1);
  }
  SECTION("--help") {
    auto r = cli({"confusion", "--help"});
    CHECK(r.code == 0);
    CHECK_THAT(r.out, Contains("--most-confused"));
  }
}

TEST_CASE("tracker table: CSV, JSON and markdown", "[metrics][cli]") {
  object_store s;
  SECTION("csv") {
    auto r = cli({"table", s.run_id, "--key", "val/misclassified", "--format", "csv", "--store", s.store()});
    INFO(r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out ==
          "image,label,loss,index\n"
          "media/x/val/0.png,\"Shirt, long \"\"sleeve\"\"\",2.25,17\n"
          ",Coat,NaN,4\n");
  }
  SECTION("json") {
    auto r = cli({"table", s.run_id, "--key", "val/misclassified", "--step", "3", "--format", "json",
                  "--store", s.store()});
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j.at("schema_version") == 1);
    CHECK(j.at("step") == 3);
    CHECK(j.at("columns")[2] == nlohmann::json({{"name", "loss"}, {"type", "number"}}));
    CHECK(j.at("rows").size() == 2);
    CHECK(j.at("rows")[0][0] == "media/x/val/0.png");
    CHECK(j.at("rows")[0][2] == 2.25);
    CHECK(j.at("rows")[1][0].is_null());
    CHECK(j.at("rows")[1][2] == "NaN");
    REQUIRE(j.contains("store"));
    CHECK(std::filesystem::path(j.at("store").get<std::string>()).is_absolute());
  }
  SECTION("markdown") {
    auto r = cli({"table", s.run_id, "--key", "val/misclassified", "--store", s.store()});
    REQUIRE(r.code == 0);
    CHECK_THAT(r.out, Contains("(2 rows)"));
    CHECK_THAT(r.out, Contains("| image | label | loss | index |"));
    CHECK_THAT(r.out, Contains("| — | Coat | NaN | 4 |"));
  }
  SECTION("errors") {
    auto r = cli({"table", s.run_id, "--key", "val/confusion", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("use `tracker confusion`"));
    r = cli({"table", s.run_id, "--key", "val/misclassified", "--step", "9", "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("logged steps: 3"));
    r = cli({"table", s.run_id, "--store", s.store()});
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Contains("val/misclassified"));
  }
}

TEST_CASE("tracker histogram: JSON and markdown", "[metrics][cli]") {
  object_store s;
  auto r = cli({"histogram", s.run_id, "--key", "weights/fc", "--format", "json", "--store", s.store()});
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto j = nlohmann::json::parse(r.out);
  CHECK(j.at("schema_version") == 1);
  CHECK(j.at("step") == 3);
  CHECK(j.at("edges") == nlohmann::json({1, 3.25, 5.5, 7.75, 10}));
  CHECK(j.at("counts") == nlohmann::json({4, 0, 0, 1}));
  CHECK(j.at("nonfinite") == 1);
  CHECK(j.at("count") == 5);
  CHECK(j.at("min") == 1);
  CHECK(j.at("max") == 10);

  r = cli({"histogram", s.run_id, "--key", "weights/fc", "--store", s.store()});
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Contains("5 finite values in [1, 10], 1 NaN/Inf not binned"));
  CHECK_THAT(r.out, Contains("| 1 | 3.25 | 4 |"));
  CHECK_THAT(r.out, Contains("| 5.5 | 7.75 | 0 |  |"));

  r = cli({"histogram", s.run_id, "--key", "weights/fc", "--step", "4", "--store", s.store()});
  CHECK(r.code == 2);
  CHECK(count_lines(r.err) == 1);
}
