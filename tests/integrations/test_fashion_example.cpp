// test_fashion_example.cpp — examples/fashion_mnist end to end: the program trains for one short
// epoch into a temp store, and everything it promises is read back from the store. Its own
// binary without LibTorch (the program under test links it, this test only reads the store).
#include <tracker/metrics.hpp>
#include <tracker/production.hpp>
#include <tracker/query.hpp>

#include <test_support.hpp>

#include "fashion_files.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <numeric>
#include <string>
#include <vector>

namespace metrics = tracker::metrics;
using namespace fashion_files;

TEST_CASE("the Fashion-MNIST example trains, logs, saves the model and prints the summary", "[torch][example]") {
  tracker_test::temp_dir dir;
  const tracker_test::process_result r = tracker_test::run_process(
      FASHION_MNIST_EXAMPLE, {"--epochs", "1", "--limit-train", "2000", "--limit-test", "500", "--store", dir.store(),
                              "--project", "e2e", "--watch-every", "10", "--system-interval-ms", "100", "--no-progress"});
  INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);

  const tracker::reader rd = tracker::reader::open(dir.store());
  const std::vector<tracker::run_info> runs = rd.runs();
  REQUIRE(runs.size() == 1);
  const tracker::run_info& info = runs[0];
  CHECK(info.project == "e2e");
  CHECK(info.status == tracker::run_status::finished);
  const auto config = nlohmann::json::parse(info.config_json);
  CHECK(config.at("threads") == 1);
  CHECK(config.at("seed") == 42);
  CHECK(config.at("train_samples") == 2000);

  // The summary printed at the end is the CLI's markdown for this run.
  CHECK(r.out.find("# Run " + info.id) != std::string::npos);
  CHECK(r.out.find("val/accuracy") != std::string::npos);

  const auto acc = rd.summary(info.id, "val/accuracy");
  REQUIRE(acc.has_value());
  CHECK(acc->last > 0.5);  // 10 classes: chance is 0.1; one short epoch reaches ~0.7
  const std::int64_t last_step = acc->last_step;
  CHECK(last_step == 32);  // ceil(2000 / 64) optimizer steps
  CHECK(rd.summary(info.id, "train/loss")->count == 32);
  CHECK(rd.summary(info.id, "train/loss_epoch").has_value());
  CHECK(rd.summary(info.id, "val/f1/Shirt").has_value());

  auto cm = rd.object(info.id, "val/confusion");
  REQUIRE(cm.has_value());
  const metrics::confusion_matrix m = metrics::confusion_matrix::from_json(nlohmann::json::parse(cm->body_json));
  CHECK(m.labels() == fashion_labels);
  CHECK(m.total() == 500);
  CHECK(static_cast<double>(m.correct()) / 500.0 == Approx(acc->last));

  // Per-sample predictions are on by default: every test sample, compact, and they agree with
  // the confusion matrix of the same pass.
  auto preds_rec = rd.object(info.id, "val/predictions");
  REQUIRE(preds_rec.has_value());
  CHECK(preds_rec->step == last_step);
  CHECK(preds_rec->body_json.size() < 4000);  // 5.3 bytes per sample plus ~0.3 KB of labels and keys
  const auto preds = metrics::predictions::from_json(nlohmann::json::parse(preds_rec->body_json));
  CHECK(preds.size() == 500);
  CHECK(preds.labels() == fashion_labels);
  CHECK(preds.confusion() == m);
  CHECK(preds.dataset_index().back() == 499);

  const metrics::table t = read_table(rd, info.id, "val/misclassified");
  CHECK(t.size() == 64);
  const decoded png = decode_png_file(dir.store(), cell_text(t.rows()[0][*t.find_column("image")]));
  CHECK(png.width == 28);

  CHECK(rd.objects(info.id, "weights/fc1.weight").size() == 3);  // steps 10, 20, 30
  CHECK(rd.summary(info.id, "gradients_norm/total").has_value());
  const auto rss = rd.summary(info.id, "system/rss_mb");  // sampled every 100 ms here
  REQUIRE(rss.has_value());
  CHECK(*rss->max > 50.0);  // LibTorch alone takes ~165 MB

  // The last validation pass is the model's reference set for production monitoring.
  const auto ref = tracker::production::read(rd, info.id, tracker::production::record_kind::reference);
  CHECK(ref.size() == 500);
  CHECK(ref.model.classes == fashion_labels);
  REQUIRE(ref.features.size() == 4);
  CHECK(ref.features[0].name == "brightness");
  const double mean_brightness =
      std::accumulate(ref.features[0].numbers.begin(), ref.features[0].numbers.end(), 0.0) / 500.0;
  CHECK(mean_brightness == Approx(fm_mean).margin(0.03));  // Fashion-MNIST's pixel mean

  auto model = rd.object(info.id, "model");
  REQUIRE(model.has_value());
  const auto body = nlohmann::json::parse(model->body_json);
  CHECK(body.at("path") == "media/" + info.id + "/model.pt");
  const auto saved = rd.media(body.at("path").get<std::string>());
  REQUIRE(saved.has_value());
  CHECK(saved->size() > 100'000);  // ~207k float parameters
  CHECK(static_cast<std::int64_t>(saved->size()) == body.at("bytes").get<std::int64_t>());
}
