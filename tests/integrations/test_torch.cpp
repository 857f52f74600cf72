// test_torch.cpp — the LibTorch layer (tracker::torch); the Fashion-MNIST example's end-to-end
// test is test_fashion_example.cpp (it runs the program, so it needs no LibTorch itself).
//
// Few test cases on purpose: this binary loads LibTorch (0.5 s per process, and
// catch_discover_tests runs one process per test case). Each case checks a whole path against
// numbers computed independently (by hand, by tracker::metrics, by decoding the PNG files).
// LibTorch first: it brings glog, whose CHECK(condition) macro would replace Catch's CHECK.
#include <torch/torch.h>
#undef CHECK

#include <tracker/metrics.hpp>
#include <tracker/production.hpp>
#include <tracker/query.hpp>
#include <tracker/torch.hpp>
#include <tracker/tracker.hpp>

#include <test_support.hpp>

#include "fashion_files.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <stb_image.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace metrics = tracker::metrics;
using namespace fashion_files;

namespace {

tracker::run open_run(const std::string& store) {
  tracker::options o;
  o.project = "torch-tests";
  o.store = store;
  o.capture_git = false;
  o.handle_signals = false;
  return tracker::init(o);
}

// The first n images (28x28 bytes each) and labels of the Fashion-MNIST test set, read directly
// from the Debian package's gzip files (independently of torch::data::datasets::MNIST).
std::vector<std::uint8_t> gunzip_prefix(const std::string& path, std::size_t bytes) {
  gzFile f = gzopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::vector<std::uint8_t> out(bytes);
  const int n = gzread(f, out.data(), static_cast<unsigned>(bytes));
  gzclose(f);
  REQUIRE(n == static_cast<int>(bytes));
  return out;
}

}  // namespace

TEST_CASE("classification_evaluator: synthetic logits match hand-computed metrics, losses and top losses",
          "[torch][evaluator]") {
  // Rows are log-probabilities plus a per-row constant (softmax ignores it), so every
  // probability below is exact by construction. Classes: a, b, c.
  //   sample  p(a)  p(b)  p(c)  target  argmax        loss = -ln p(target)
  //   0       0.7   0.2   0.1   a       a  correct    0.3567
  //   1       0.1   0.6   0.3   c       b  wrong      1.2040
  //   2       0.2   0.2   0.6   c       c  correct    0.5108
  //   3       0.5   0.25  0.25  b       a  wrong      1.3863
  //   4       0.4   0.4   0.2   b       a  wrong (tie: first maximum)  0.9163
  //   5       0.05  0.9   0.05  a       b  wrong      2.9957
  const std::vector<std::array<double, 3>> p = {{0.7, 0.2, 0.1}, {0.1, 0.6, 0.3},   {0.2, 0.2, 0.6},
                                                {0.5, 0.25, 0.25}, {0.4, 0.4, 0.2}, {0.05, 0.9, 0.05}};
  const std::vector<std::int64_t> target = {0, 2, 2, 1, 1, 0};
  std::vector<float> logit_values;
  for (std::size_t i = 0; i < p.size(); ++i)
    for (double v : p[i]) logit_values.push_back(static_cast<float>(std::log(v) + 0.5 * static_cast<double>(i)));
  const auto logits = torch::tensor(logit_values).reshape({6, 3});
  const auto targets = torch::tensor(target, torch::kLong);
  const auto inputs = torch::arange(6 * 4, torch::kFloat).reshape({6, 1, 2, 2});

  tracker::torch::evaluator_options opts;
  opts.top_k_worst = 3;
  tracker::torch::classification_evaluator eval({"a", "b", "c"}, opts);
  // Two batches: the first takes running positions 0..2, the second explicit indices.
  eval.add(logits.slice(0, 0, 3), targets.slice(0, 0, 3), inputs.slice(0, 0, 3));
  const std::vector<std::int64_t> idx = {100, 101, 102};
  eval.add(logits.slice(0, 3, 6), targets.slice(0, 3, 6), inputs.slice(0, 3, 6), idx);

  SECTION("confusion matrix and report") {
    CHECK(eval.samples() == 6);
    CHECK(eval.confusion().counts() == std::vector<std::int64_t>{1, 1, 0,  //
                                                                 2, 0, 0,  //
                                                                 0, 1, 1});
    const metrics::classification_report r = eval.report();
    CHECK(r.accuracy == Approx(2.0 / 6.0));
    CHECK(r.per_class[0].precision == Approx(1.0 / 3.0));
    CHECK(r.per_class[0].recall == Approx(0.5));
    CHECK(r.per_class[0].f1 == Approx(0.4));
    CHECK(r.per_class[1].f1 == 0.0);
    CHECK(r.per_class[2].precision == Approx(1.0));
    CHECK(r.per_class[2].f1 == Approx(2.0 / 3.0));
    CHECK(r.macro.f1 == Approx((0.4 + 0.0 + 2.0 / 3.0) / 3.0));
    // The same numbers as tracker::metrics on a matrix counted by hand.
    metrics::confusion_matrix hand({"a", "b", "c"});
    for (std::size_t i = 0; i < 6; ++i) hand.add(target[i], std::array<std::int64_t, 6>{0, 1, 2, 0, 0, 1}[i]);
    CHECK(eval.confusion() == hand);
    CHECK(metrics::compute_report(hand).to_json() == r.to_json());

    double loss_sum = 0;
    for (std::size_t i = 0; i < 6; ++i) loss_sum += -std::log(p[i][static_cast<std::size_t>(target[i])]);
    CHECK(eval.mean_loss() == Approx(loss_sum / 6.0).epsilon(1e-6));
  }

  SECTION("top losses: misclassified only, highest loss first, indices, confidence, images") {
    const std::vector<tracker::torch::worst_sample> w = eval.worst();
    REQUIRE(w.size() == 3);
    CHECK(w[0].dataset_index == 102);
    CHECK(w[0].loss == Approx(-std::log(0.05)).epsilon(1e-6));
    CHECK(w[0].true_class == 0);
    CHECK(w[0].predicted_class == 1);
    CHECK(w[0].confidence == Approx(0.9).epsilon(1e-6));
    CHECK(w[1].dataset_index == 100);
    CHECK(w[1].loss == Approx(-std::log(0.25)).epsilon(1e-6));
    CHECK(w[1].predicted_class == 0);
    CHECK(w[2].dataset_index == 1);  // running position from the first add()
    CHECK(w[2].loss == Approx(-std::log(0.3)).epsilon(1e-6));
    CHECK(w[2].confidence == Approx(0.6).epsilon(1e-6));
    // Min-max rendering (no mean/std): sample 1 holds 4, 5, 6, 7 -> 0, 85, 170, 255.
    REQUIRE(w[2].image.has_value());
    CHECK(w[2].image->pixels == std::vector<std::uint8_t>{0, 85, 170, 255});

    // The tie in sample 4 went to the first maximum (class a), as torch.argmax and numpy do.
    tracker::torch::evaluator_options all;
    all.only_misclassified = false;
    all.top_k_worst = 10;
    tracker::torch::classification_evaluator e2({"a", "b", "c"}, all);
    e2.add(logits, targets);
    const auto w2 = e2.worst();
    REQUIRE(w2.size() == 6);  // correct samples rank too (fastai's top_losses)
    CHECK(w2[3].dataset_index == 4);
    CHECK(w2[3].predicted_class == 0);
    CHECK(w2[5].dataset_index == 0);
    CHECK_FALSE(w2[0].image.has_value());  // no inputs given
  }

  SECTION("bad input throws invalid_argument and changes nothing") {
    auto code_of = [](auto&& f) {
      try {
        f();
      } catch (const tracker::error& e) {
        return e.code();
      }
      return tracker::error_code::io_error;  // "did not throw"
    };
    CHECK(code_of([&] { eval.add(torch::zeros({2, 4}), torch::zeros({2}, torch::kLong)); }) ==
          tracker::error_code::invalid_argument);
    CHECK(code_of([&] { eval.add(torch::zeros({2, 3}), torch::zeros({3}, torch::kLong)); }) ==
          tracker::error_code::invalid_argument);
    CHECK(code_of([&] { eval.add(torch::zeros({2, 3}), torch::tensor({0, 3}, torch::kLong)); }) ==
          tracker::error_code::invalid_argument);
    CHECK(code_of([&] { eval.add(torch::zeros({2, 3}), torch::zeros({2})); }) ==
          tracker::error_code::invalid_argument);  // float targets
    CHECK(eval.samples() == 6);
    CHECK(eval.confusion().total() == 6);
  }

  SECTION("log_to writes scalars, the confusion object and the table into a real store") {
    tracker_test::temp_dir dir;
    std::string run_id;
    {
      tracker::run run = open_run(dir.store());
      run_id = run.id();
      eval.log_to(run, "val", 7);
      run.finish();
    }
    const tracker::reader rd = tracker::reader::open(dir.store());
    const metrics::classification_report r = eval.report();
    CHECK(rd.summary(run_id, "val/accuracy")->last == Approx(r.accuracy));
    CHECK(rd.summary(run_id, "val/accuracy")->last_step == 7);
    CHECK(rd.summary(run_id, "val/f1_macro")->last == Approx(r.macro.f1));
    CHECK(rd.summary(run_id, "val/recall/a")->last == Approx(0.5));
    CHECK(rd.summary(run_id, "val/support/b")->last == 2.0);
    CHECK(rd.summary(run_id, "val/loss")->last == Approx(eval.mean_loss()));

    auto cm = rd.object(run_id, "val/confusion", 7);
    REQUIRE(cm.has_value());
    CHECK(cm->kind == "confusion_matrix");
    CHECK(metrics::confusion_matrix::from_json(nlohmann::json::parse(cm->body_json)) == eval.confusion());

    const metrics::table t = read_table(rd, run_id, "val/misclassified");
    REQUIRE(t.size() == 3);
    const auto col = [&](const char* name) { return *t.find_column(name); };
    CHECK(cell_number(t.rows()[0][col("dataset_index")]) == 102);
    CHECK(cell_text(t.rows()[0][col("true_label")]) == "a");
    CHECK(cell_text(t.rows()[0][col("predicted_label")]) == "b");
    CHECK(cell_number(t.rows()[0][col("confidence")]) == Approx(0.9).epsilon(1e-6));
    CHECK(cell_number(t.rows()[0][col("loss")]) >= cell_number(t.rows()[1][col("loss")]));
    CHECK(cell_number(t.rows()[1][col("loss")]) >= cell_number(t.rows()[2][col("loss")]));
    const decoded png = decode_png_file(dir.store(), cell_text(t.rows()[2][col("image")]));
    CHECK(png.width == 2);
    CHECK(png.height == 2);
    CHECK(png.channels == 1);
    CHECK(png.pixels == std::vector<std::uint8_t>{0, 85, 170, 255});
  }

  SECTION("per-sample predictions: every sample, logged as val/predictions in dataset-index order") {
    const metrics::predictions& pr = eval.predictions();
    REQUIRE(pr.size() == 6);
    CHECK(pr.dataset_index() == std::vector<std::uint32_t>{0, 1, 2, 100, 101, 102});
    CHECK(pr.true_class() == std::vector<std::uint16_t>{0, 2, 2, 1, 1, 0});
    CHECK(pr.predicted_class() == std::vector<std::uint16_t>{0, 1, 2, 0, 0, 1});  // the argmax column above
    for (std::size_t i = 0; i < 6; ++i)
      CHECK(pr.loss()[i] == Approx(-std::log(p[i][static_cast<std::size_t>(target[i])])).epsilon(1e-6));
    CHECK(pr.confusion() == eval.confusion());

    tracker_test::temp_dir dir;
    std::string run_id;
    {
      tracker::run run = open_run(dir.store());
      run_id = run.id();
      eval.log_to(run, "val", 7);
      run.finish();
    }
    const tracker::reader rd = tracker::reader::open(dir.store());
    const auto rec = rd.object(run_id, "val/predictions", 7);
    REQUIRE(rec.has_value());
    CHECK(rec->kind == "predictions");
    const auto back = metrics::predictions::from_json(nlohmann::json::parse(rec->body_json));
    CHECK(back.labels() == std::vector<std::string>{"a", "b", "c"});
    CHECK(back.dataset_index() == pr.dataset_index());
    CHECK(back.true_class() == pr.true_class());
    CHECK(back.predicted_class() == pr.predicted_class());
    for (std::size_t i = 0; i < 6; ++i)  // bfloat16 in the store: relative error <= 2^-8
      CHECK(back.loss()[i] == Approx(pr.loss()[i]).epsilon(1.0 / 256));

    // Off: nothing recorded, nothing logged.
    tracker::torch::evaluator_options off = opts;
    off.record_predictions = false;
    tracker::torch::classification_evaluator e3({"a", "b", "c"}, off);
    e3.add(logits, targets);
    CHECK(e3.predictions().empty());
    std::string off_id;
    {
      tracker::run run = open_run(dir.store());
      off_id = run.id();
      e3.log_to(run, "val", 1);
      run.finish();
    }
    CHECK_FALSE(tracker::reader::open(dir.store()).object(off_id, "val/predictions").has_value());
  }

  SECTION("reset starts a new pass") {
    eval.reset();
    CHECK(eval.predictions().empty());
    CHECK(eval.samples() == 0);
    CHECK(eval.confusion().total() == 0);
    CHECK(eval.worst().empty());
    CHECK(std::isnan(eval.mean_loss()));
  }
}

TEST_CASE("misclassified table: PNGs decode to the original pixels (synthetic and real Fashion-MNIST)",
          "[torch][png]") {
  tracker::torch::evaluator_options opts;
  opts.top_k_worst = 64;
  opts.image = {{fm_mean}, {fm_std}};

  SECTION("synthetic 5x7 images, every byte value pattern, de-normalised exactly") {
    // Non-square, so a transposed or flipped image cannot pass.
    const int n = 8, h = 5, w = 7;
    auto pixel = [](int i, int y, int x) { return static_cast<std::uint8_t>((i * 37 + y * 11 + x * 29) % 256); };
    std::vector<float> values;
    for (int i = 0; i < n; ++i)
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          values.push_back(static_cast<float>((pixel(i, y, x) / 255.0 - fm_mean) / fm_std));
    const auto inputs = torch::tensor(values).reshape({n, 1, h, w});
    // All predicted as class 1 while the truth is 0, with growing confidence -> growing loss.
    auto logits = torch::zeros({n, 3});
    for (int i = 0; i < n; ++i) logits[i][1] = 1.0 + 0.5 * i;
    const auto targets = torch::zeros({n}, torch::kLong);

    tracker::torch::classification_evaluator eval({"x", "y", "z"}, opts);
    eval.add(logits, targets, inputs);
    tracker_test::temp_dir dir;
    std::string run_id;
    {
      tracker::run run = open_run(dir.store());
      run_id = run.id();
      eval.log_to(run, "eval/synthetic", 3);
    }
    const tracker::reader rd = tracker::reader::open(dir.store());
    const metrics::table t = read_table(rd, run_id, "eval/synthetic/misclassified");
    REQUIRE(t.size() == static_cast<std::size_t>(n));
    const std::size_t img = *t.find_column("image"), di = *t.find_column("dataset_index");
    for (std::size_t r = 0; r < t.size(); ++r) {
      const int i = static_cast<int>(cell_number(t.rows()[r][di]));
      CHECK(i == n - 1 - static_cast<int>(r));  // highest loss first
      const std::string path = cell_text(t.rows()[r][img]);
      CHECK(path.rfind("media/" + run_id + "/eval/synthetic/misclassified/3/", 0) == 0);
      const decoded png = decode_png_file(dir.store(), path);
      REQUIRE(png.width == w);
      REQUIRE(png.height == h);
      REQUIRE(png.channels == 1);
      std::vector<std::uint8_t> expected;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) expected.push_back(pixel(i, y, x));
      CHECK(png.pixels == expected);
    }
  }

  SECTION("real Fashion-MNIST test images and labels") {
    const std::string data = TRACKER_FASHION_MNIST_DATA;
    const int n = 12;
    const auto images = gunzip_prefix(data + "/t10k-images-idx3-ubyte.gz", 16 + n * 784);
    const auto labels = gunzip_prefix(data + "/t10k-labels-idx1-ubyte.gz", 8 + n);
    CHECK(images[3] == 0x03);  // idx3 magic 0x00000803
    CHECK(labels[3] == 0x01);
    // As the example feeds them: bytes / 255, then Normalize(mean, std).
    std::vector<float> values;
    std::vector<std::int64_t> truth;
    for (int i = 0; i < n; ++i) {
      for (int k = 0; k < 784; ++k) values.push_back(static_cast<float>((images[16 + i * 784 + k] / 255.0 - fm_mean) / fm_std));
      truth.push_back(labels[8 + i]);
    }
    const auto inputs = torch::tensor(values).reshape({n, 1, 28, 28});
    const auto targets = torch::tensor(truth, torch::kLong);
    auto logits = torch::zeros({n, 10});  // predict the next class, more confidently each row
    for (int i = 0; i < n; ++i) logits[i][(truth[static_cast<std::size_t>(i)] + 1) % 10] = 2.0 + 0.25 * i;

    tracker::torch::classification_evaluator eval(fashion_labels, opts);
    eval.add(logits, targets, inputs);
    tracker_test::temp_dir dir;
    std::string run_id;
    {
      tracker::run run = open_run(dir.store());
      run_id = run.id();
      eval.log_to(run, "val", 0);
    }
    const tracker::reader rd = tracker::reader::open(dir.store());
    const metrics::table t = read_table(rd, run_id, "val/misclassified");
    REQUIRE(t.size() == static_cast<std::size_t>(n));
    for (const auto& row : t.rows()) {
      const auto i = static_cast<std::size_t>(cell_number(row[*t.find_column("dataset_index")]));
      REQUIRE(i < static_cast<std::size_t>(n));
      CHECK(cell_text(row[*t.find_column("true_label")]) == fashion_labels[truth[i]]);
      CHECK(cell_text(row[*t.find_column("predicted_label")]) == fashion_labels[(truth[i] + 1) % 10]);
      const decoded png = decode_png_file(dir.store(), cell_text(row[*t.find_column("image")]));
      REQUIRE(png.width == 28);
      REQUIRE(png.height == 28);
      REQUIRE(png.channels == 1);
      const std::vector<std::uint8_t> original(images.begin() + 16 + static_cast<std::ptrdiff_t>(i) * 784,
                                               images.begin() + 16 + static_cast<std::ptrdiff_t>(i + 1) * 784);
      CHECK(png.pixels == original);
    }
  }

  SECTION("to_image8: RGB interleaving, min-max, unsupported shapes") {
    // [3, 1, 2]: channel planes R = {0, 1}, G = {2, 3}, B = {4, 5}; min-max over the image.
    const auto rgb = torch::arange(6, torch::kFloat).reshape({3, 1, 2});
    const auto img = tracker::torch::to_image8(rgb);
    REQUIRE(img.has_value());
    CHECK(img->channels == 3);
    CHECK(img->width == 2);
    CHECK(img->height == 1);
    CHECK(img->pixels == std::vector<std::uint8_t>{0, 102, 204, 51, 153, 255});
    CHECK(tracker::torch::to_image8(torch::full({2, 2}, 5.0))->pixels == std::vector<std::uint8_t>(4, 0));
    CHECK_FALSE(tracker::torch::to_image8(torch::zeros({2, 2, 2})).has_value());  // 2 channels
    CHECK_FALSE(tracker::torch::to_image8(torch::zeros({10})).has_value());
    // [0, 1] intensities outside the range clamp.
    tracker::torch::image_normalization identity{{0.0}, {1.0}};
    CHECK(tracker::torch::to_image8(torch::tensor({-0.5, 0.5, 1.5}).reshape({1, 3}), identity)->pixels ==
          std::vector<std::uint8_t>{0, 128, 255});
  }
}

namespace {
struct two_layers : torch::nn::Module {
  two_layers() : fc1(register_module("fc1", torch::nn::Linear(4, 3))), fc2(register_module("fc2", torch::nn::Linear(3, 2))) {}
  torch::Tensor forward(const torch::Tensor& x) { return fc2->forward(torch::relu(fc1->forward(x))); }
  torch::nn::Linear fc1, fc2;
};
}  // namespace

TEST_CASE("record_reference: the latest validation pass becomes the model's reference set", "[torch][reference]") {
  // The projections by hand: pixels {0, 0, 255, 255} have mean 127.5 (0.5), population std
  // 127.5 (0.5), half below 64, and two equally full histogram bins (1 bit).
  const tracker::torch::image_projections pj = tracker::torch::project({2, 2, 1, {0, 0, 255, 255}});
  CHECK(pj.brightness == 0.5);
  CHECK(pj.contrast == 0.5);
  CHECK(pj.dark_fraction == 0.5);
  CHECK(pj.entropy == 1.0);

  tracker_test::temp_dir dir;
  std::string id;
  {
    tracker::run run = open_run(dir.store());
    id = run.id();
    tracker::torch::evaluator_options o;
    o.record_reference = true;
    o.top_k_worst = 0;
    o.image = {.mean = {0.0}, .std = {1.0}};  // inputs are intensities in [0, 1]
    o.extra_features = {{"corner", [](const at::Tensor& x) { return x.flatten()[0].item<double>(); }}};
    tracker::torch::classification_evaluator eval({"dark", "light"}, o);
    // 2x2 images: all black, all white, half and half.
    const auto inputs = torch::tensor({0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1}, torch::kFloat).reshape({3, 1, 2, 2});
    const auto logits = torch::tensor({{2.0, 0.0}, {0.0, 2.0}, {1.0, 1.0}});
    const auto targets = torch::tensor({0, 1, 1}, torch::kLong);
    eval.add(logits, targets, inputs);
    eval.log_to(run, "val", 1);
    // The next pass replaces the reference (only its 2 samples remain).
    eval.reset();
    eval.add(logits.slice(0, 0, 2), targets.slice(0, 0, 2), inputs.slice(0, 0, 2));
    eval.log_to(run, "val", 2);
  }  // the evaluator waits for its reference write; then the run finishes

  const tracker::reader rd = tracker::reader::open(dir.store());
  const auto ref = tracker::production::read(rd, id, tracker::production::record_kind::reference);
  CHECK(ref.model.classes == std::vector<std::string>{"dark", "light"});
  REQUIRE(ref.size() == 2);
  CHECK(ref.ids == std::vector<std::string>{"val/0", "val/1"});
  CHECK(ref.predicted == std::vector<std::string>{"dark", "light"});
  CHECK(ref.label == std::vector<std::string>{"dark", "light"});
  CHECK(ref.confidence[0] == Approx(std::exp(2.0) / (std::exp(2.0) + 1)));  // softmax of (2, 0)
  std::map<std::string, std::vector<double>> f;
  for (const auto& c : ref.features) f[c.name] = c.numbers;
  CHECK(f["brightness"] == std::vector<double>{0.0, 1.0});
  CHECK(f["contrast"] == std::vector<double>{0.0, 0.0});
  CHECK(f["dark_fraction"] == std::vector<double>{1.0, 0.0});
  CHECK(f["entropy"] == std::vector<double>{0.0, 0.0});
  CHECK(f["corner"] == std::vector<double>{0.0, 1.0});
}

TEST_CASE("watch logs weight and gradient histograms and norms every N steps", "[torch][watch]") {
  torch::manual_seed(1);
  auto model = std::make_shared<two_layers>();
  tracker_test::temp_dir dir;
  std::string run_id;
  std::vector<std::string> names;
  std::vector<torch::Tensor> weights, grads;
  {
    tracker::run run = open_run(dir.store());
    run_id = run.id();
    tracker::torch::watch_options wo;
    wo.every_n_steps = 5;
    wo.bins = 8;
    tracker::torch::watcher w = tracker::torch::watch(run, model, wo);
    CHECK(w.step(0));  // before any backward: weights only
    model->forward(torch::randn({16, 4})).pow(2).sum().backward();
    CHECK_FALSE(w.step(3));
    CHECK(w.step(5));
    for (const auto& item : model->named_parameters()) {
      names.push_back(item.key());
      weights.push_back(item.value().detach().clone());
      grads.push_back(item.value().grad().detach().clone());
    }
    run.finish();
  }
  REQUIRE(names == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});

  const tracker::reader rd = tracker::reader::open(dir.store());
  double total_sq = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto wh = rd.object(run_id, "weights/" + names[i], 5);
    REQUIRE(wh.has_value());
    CHECK(wh->kind == "histogram");
    const metrics::histogram h = metrics::histogram::from_json(nlohmann::json::parse(wh->body_json));
    CHECK(h.counts.size() == 8);
    CHECK(h.count == weights[i].numel());
    // Exactly what tracker::metrics makes of the same values.
    const auto wv = weights[i].contiguous();
    CHECK(h == metrics::make_histogram(wv.data_ptr<float>(), static_cast<std::size_t>(wv.numel()), 8));

    auto gh = rd.object(run_id, "gradients/" + names[i], 5);
    REQUIRE(gh.has_value());
    CHECK(metrics::histogram::from_json(nlohmann::json::parse(gh->body_json)).count == grads[i].numel());

    CHECK(rd.summary(run_id, "weights_norm/" + names[i])->last == Approx(weights[i].norm().item<double>()).epsilon(1e-5));
    CHECK(rd.summary(run_id, "gradients_norm/" + names[i])->last == Approx(grads[i].norm().item<double>()).epsilon(1e-5));
    total_sq += std::pow(grads[i].norm().item<double>(), 2);
    // Step 0 had weights but no gradients; step 3 logged nothing.
    CHECK(rd.objects(run_id, "weights/" + names[i]).size() == 2);
    CHECK(rd.objects(run_id, "gradients/" + names[i]).size() == 1);
  }
  CHECK(rd.summary(run_id, "gradients_norm/total")->last == Approx(std::sqrt(total_sq)).epsilon(1e-5));
}
