// fixture.cpp — the shared fixture store (see fixture.hpp).
#include "fixture.hpp"

#include <tracker/metrics.hpp>
#include <tracker/production.hpp>
#include <tracker/tracker.hpp>

#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>

namespace tracker_ui_test {

namespace {

// A tiny deterministic generator: the fixture must be the same on every machine.
struct lcg {
  std::uint64_t s;
  double next() {  // uniform in [-1, 1)
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return double(s >> 11) / double(1ull << 53) * 2.0 - 1.0;
  }
};

tracker::metrics::confusion_matrix fashion_confusion(double acc, bool cnn, lcg& rng);

// A 28x28 grayscale "garment" (a bright silhouette per class on black, like Fashion-MNIST),
// as PNG bytes. light: a dark garment on a light background (the production shift).
std::vector<std::uint8_t> garment_png(int cls, lcg& rng, bool light = false) {
  const int n = 28;
  std::vector<unsigned char> px(n * n, 0);
  for (int y = 0; y < n; ++y)
    for (int x = 0; x < n; ++x) {
      double u = (x - 13.5) / 13.5, v = (y - 13.5) / 13.5;
      bool in = false;
      switch (cls) {
        case 1:
          in = std::abs(u) < 0.5 && v > -0.9 && !(std::abs(u) < 0.08 && v > -0.3);
          break;
        case 5:
        case 7:
        case 9:
          in = v > 0.1 - (cls == 9 ? 0.5 : 0) * (u < 0) && v < 0.6 && std::abs(u) < 0.9;
          break;
        case 8:
          in = std::abs(u) < 0.75 && v > -0.4 && v < 0.8;
          break;
        case 3:
          in = v > -0.9 && std::abs(u) < 0.25 + 0.4 * (v + 1) / 2;
          break;
        default:
          in = (std::abs(u) < 0.55 && v > -0.8) ||
               (v > -0.8 && v < -0.2 - 0.3 * (cls == 0) && std::abs(u) < 0.95);
      }
      double shade = in ? 150 + 80 * (0.5 + 0.5 * std::sin(x * 0.9 + cls)) + 20 * rng.next() : 4;
      if (light) shade = in ? 255 - shade : 232;
      px[std::size_t(y * n + x)] = static_cast<unsigned char>(std::clamp(shade, 0.0, 255.0));
    }
  std::vector<std::uint8_t> out;
  stbi_write_png_to_func(
      [](void* ctx, void* data, int size) {
        auto* o = static_cast<std::vector<std::uint8_t>*>(ctx);
        o->insert(o->end(), static_cast<std::uint8_t*>(data),
                  static_cast<std::uint8_t*>(data) + size);
      },
      &out, n, n, 1, px.data(), n);
  return out;
}

// The evaluator's "misclassified samples" table: image, true, predicted, confidence, loss,
// index; 40 rows of the matrix's off-diagonal cells.
void log_top_losses(tracker::run& run, const tracker::metrics::confusion_matrix& cm,
                    std::int64_t step, lcg& rng, std::vector<std::string>* paths) {
  using tracker::metrics::column_type;
  tracker::metrics::table t({{"image", column_type::image},
                             {"true", column_type::text},
                             {"predicted", column_type::text},
                             {"confidence", column_type::number},
                             {"loss", column_type::number},
                             {"index", column_type::number}});
  auto pairs = tracker::metrics::most_confused(cm);
  int row = 0;
  for (std::size_t p = 0; p < pairs.size() && row < 40; ++p)
    for (int m = 0; m < 4 && row < 40; ++m, ++row) {
      const auto& pr = pairs[p];
      int index = int(p * 37 + std::size_t(m) * 11 + std::size_t(step) % 7);
      std::string rel = "val/e" + std::to_string(step) + "/" + std::to_string(index) + ".png";
      std::string path = run.log_media(rel, garment_png(int(pr.true_index), rng));
      if (paths) paths->push_back(path);
      double conf = row == 0 ? 0.99 : 0.55 + 0.4 * (0.5 + 0.5 * rng.next());  // row 0: top loss
      t.add_row({path, pr.true_label, pr.predicted_label, conf,
                 -std::log(1 - conf) + 0.1 * rng.next(), double(index)});
    }
  tracker::metrics::log_table(run, "val/misclassified", t, step);
}

fixture_run log_training(const std::string& store, const std::string& name,
                         const std::string& model, double lr, bool spike, bool fail,
                         std::uint64_t seed, std::vector<std::string>* media = nullptr) {
  tracker::options o;
  o.store = store;
  o.id = "fx" + name;  // fixed ids: fixed colours, so screenshots compare with golden images
  o.project = "fashion";
  o.name = name;
  o.config = {{"model", model}, {"lr", lr}, {"batch", 64}, {"optimizer", "adam"}};
  o.tags = {model, lr >= 3e-3 ? "high-lr" : "baseline"};
  o.note = model == "cnn" ? "conv3x3(16)-pool-conv3x3(32)-pool-fc128" : "784-256-128-10";
  o.capture_git = false;
  o.handle_signals = false;
  tracker::run run = tracker::init(o);
  lcg rng{seed};
  const double speed = (model == "cnn" ? 4.0 : 3.0) * std::sqrt(lr / 1e-3);
  const double floor_loss = model == "cnn" ? 0.22 : 0.34;
  const int steps = fail ? 900 : 2000;
  for (int step = 0; step < steps; ++step) {
    double p = step / 2000.0;
    double loss = 2.3 * std::exp(-speed * p) + floor_loss + 0.06 * rng.next();
    if (fail && step > 600) loss += (step - 600) * 0.01;
    if (spike && step == 1234) loss = 25.0;
    double acc =
        0.93 - (model == "cnn" ? 0.0 : 0.05) - 0.8 * std::exp(-speed * 1.2 * p) + 0.02 * rng.next();
    run.log({{"train/loss", loss}, {"train/acc", acc}}, step);
    if (step % 100 == 99)
      run.log({{"val/loss", loss + 0.04 + 0.01 * rng.next()},
               {"val/accuracy", acc - 0.015 + 0.005 * rng.next()}},
              step);
    if (step % 500 == 499) {  // a validation pass: the matrix (objects only, no new scalars)
      lcg cm_rng{seed * 7919 + std::uint64_t(step)};
      auto cm = fashion_confusion(std::min(0.95, acc - 0.015), model == "cnn", cm_rng);
      run.log_object("val/confusion", "confusion_matrix", cm.to_json(), step);
      if (step % 1000 == 999) log_top_losses(run, cm, step, cm_rng, media);
    }
    if (model == "cnn" && step % 200 == 0) {
      // watch(): weights spread as they train, gradients shrink (64-bin histograms).
      for (const char* kind : {"weights/fc1.weight", "gradients/fc1.weight"}) {
        bool w = kind[0] == 'w';
        double sd = w ? 0.05 + 0.04 * p : 0.02 * std::exp(-2.5 * p) + 0.002;
        double mean = w ? 0.01 * p : 0.0;
        std::vector<double> vals;
        lcg hr{seed * 31 + std::uint64_t(step) + (w ? 0 : 7)};
        for (int i = 0; i < 4000; ++i) {  // Irwin-Hall: sum of 6 uniforms ~ normal
          double z = 0;
          for (int k = 0; k < 6; ++k) z += hr.next();
          vals.push_back(mean + sd * z / std::sqrt(2.0));
        }
        tracker::metrics::log_histogram(
            run, kind, tracker::metrics::make_histogram(vals.data(), vals.size(), 64), step);
      }
    }
    if (step % 50 == 0)
      run.log({{"system/cpu_percent", 70 + 20 * rng.next()}, {"system/rss_mb", 400 + step * 0.05}},
              step);
  }
  fixture_run r{run.id(), run.name()};
  if (fail)
    run.fail("loss diverged");
  else
    run.finish();
  return r;
}

// Production monitoring of "cnn-lr1e-3" (docs/ui.md, The Production view): 300 reference
// records from validation (dark backgrounds: brightness ~0.29) and 400 production predictions
// over 36 hours, dark for the first 8 hours and light (brightness ~0.7) after, when accuracy
// falls. 40% of the predictions get a feedback label; wrong light ones are often flagged.
void log_production(const std::string& store, const std::string& run_ref) {
  namespace prod = tracker::production;
  static const std::vector<std::string> classes = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                   "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                   "Bag",         "Ankle boot"};
  static const int confused_with[] = {6, 3, 4, 0, 2, 7, 0, 5, 6, 7};
  prod::store s = prod::store::open(store);
  prod::model_info m = s.model(run_ref);
  s.set_classes(m.run_id, classes);
  m = s.model(run_ref);
  const double base = *prod::parse_time("2026-11-20T00:00:00Z");
  lcg rng{77};
  auto normal = [&](double mean, double sd) {  // Irwin-Hall, as for the histograms above
    double z = 0;
    for (int k = 0; k < 6; ++k) z += rng.next();
    return mean + sd * z / std::sqrt(2.0);
  };
  auto make = [&](const std::string& id, double time, bool light, bool with_image) {
    prod::record r;
    r.id = id;
    r.time = time;
    const int truth = int((rng.next() + 1) * 5) % 10;
    const bool correct = (rng.next() + 1) / 2 < (light ? 0.55 : 0.9);
    const int pred = correct ? truth : confused_with[truth];
    const double brightness = std::clamp(light ? normal(0.70, 0.06) : normal(0.29, 0.05), 0.0, 1.0);
    r.features = {{"brightness", brightness},
                  {"contrast", std::clamp(normal(light ? 0.24 : 0.34, 0.04), 0.0, 1.0)},
                  {"dark_fraction", std::clamp(1.1 - 1.4 * brightness + 0.05 * rng.next(), 0.0, 1.0)},
                  {"entropy", normal(4.1, 0.3)},
                  {"source", std::string((rng.next() + 1) / 2 < (light ? 0.7 : 0.3) ? "upload" : "camera")}};
    r.predicted = classes[std::size_t(pred)];
    r.label = classes[std::size_t(truth)];
    r.confidence = std::clamp(correct ? 0.92 + 0.07 * rng.next() : (light ? 0.6 : 0.7) + 0.15 * rng.next(), 0.0, 1.0);
    if (with_image) {
      std::vector<std::uint8_t> png = garment_png(truth, rng, light);
      r.image_png.assign(png.begin(), png.end());
    }
    return r;
  };
  std::vector<prod::record> reference;
  for (int i = 0; i < 300; ++i)
    reference.push_back(make("val-" + std::to_string(i), base - 86400 + i * 60.0, false, false));
  s.replace_reference(m, std::move(reference));
  std::vector<prod::record> predictions;
  std::vector<prod::feedback> feedback;
  for (int i = 0; i < 400; ++i) {
    const double t = base + i * 324.0;  // 36 hours
    const bool light = t >= base + 8 * 3600.0;
    prod::record r = make("req-" + std::to_string(i), t, light, true);
    if (i % 5 < 2) feedback.push_back({.id = r.id, .label = r.label, .time = t + 60});
    if (r.predicted != r.label && (light ? i % 2 == 0 : i % 7 == 0))
      feedback.push_back({.id = r.id,
                          .flag = "incorrect",
                          .reason = light ? (i % 4 == 0 ? "light background" : "wrong garment")
                                          : "wrong garment",
                          .time = t + 120});
    r.label.clear();  // predictions carry no label: it comes back as feedback
    predictions.push_back(std::move(r));
  }
  s.write(m, prod::record_kind::prediction, std::move(predictions));
  s.write_feedback(std::move(feedback), &m);
}

// A Fashion-MNIST-like validation confusion matrix (1,000 samples per class) for a model of
// accuracy about `acc`: the hard classes (Shirt, Pullover, Coat, T-shirt) are confused with
// each other, footwear with footwear, the rest a little with anything. The CNN is better
// overall but worse on sneakers (so a difference A -> B shows both colours).
tracker::metrics::confusion_matrix fashion_confusion(double acc, bool cnn, lcg& rng) {
  static const std::vector<std::string> labels = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                  "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                  "Bag",         "Ankle boot"};
  // Relative difficulty per class, and the classes each is mistaken for (with weights).
  static const double difficulty[] = {1.5, 0.3, 1.8, 1.0, 1.7, 0.5, 3.2, 0.6, 0.3, 0.6};
  static const std::vector<std::pair<int, double>> confusable[] = {
      {{6, 5}, {3, 1.5}, {2, 1}},   {{3, 3}, {0, 1}},
      {{4, 4}, {6, 3}, {0, 1}},     {{0, 2}, {4, 2}, {6, 1.5}},
      {{2, 4}, {6, 3.5}, {3, 1}},   {{7, 4}, {9, 2}},
      {{0, 4}, {2, 2.5}, {4, 2.5}}, {{5, 3}, {9, 3}},
      {{0, 1}, {2, 1}, {6, 1}},     {{7, 4}, {5, 1.5}}};
  tracker::metrics::confusion_matrix cm(labels);
  const double err = 1.0 - acc;
  for (int i = 0; i < 10; ++i) {
    const double d = cnn && i == 7 ? 2.6 : difficulty[i];
    int wrong = int(std::lround(1000 * std::min(0.9, err * d * (1 + 0.1 * rng.next()))));
    double total_w = 0;
    for (auto [j, w] : confusable[i]) total_w += w;
    int placed = 0;
    for (auto [j, w] : confusable[i]) {
      int n = int(std::lround(wrong * 0.85 * w / total_w));
      cm.add(i, j, n);
      placed += n;
    }
    for (int j = 0; placed < wrong; j = (j + 3) % 10)  // the rest spread thinly
      if (j != i) {
        cm.add(i, j, 1);
        ++placed;
      }
    cm.add(i, i, 1000 - wrong);
  }
  return cm;
}

}  // namespace

std::vector<fixture_run> make_fixture_store(const std::string& store) {
  std::vector<fixture_run> runs;
  runs.push_back(log_training(store, "mlp-lr3e-4", "mlp", 3e-4, false, false, 1));
  runs.push_back(log_training(store, "mlp-lr1e-3", "mlp", 1e-3, false, false, 2));
  runs.push_back(log_training(store, "mlp-lr1e-2", "mlp", 1e-2, false, true, 3));
  std::vector<std::string> media;
  runs.push_back(log_training(store, "cnn-lr1e-3", "cnn", 1e-3, false, false, 4, &media));
  // The top-loss row of the last table lost its image file: the samples view shows a
  // placeholder in its first row.
  if (media.size() >= 40)
    std::filesystem::remove(std::filesystem::path(store) / media[media.size() - 40]);
  runs.push_back(log_training(store, "cnn-lr3e-3", "cnn", 3e-3, true, false, 5));
  log_production(store, "cnn-lr1e-3");
  {
    tracker::options o;
    o.store = store;
    o.project = "known";
    o.name = "ramp";
    o.id = "fxramp";
    o.config = {{"kind", "ramp"}};
    o.capture_git = false;
    o.handle_signals = false;
    tracker::run run = tracker::init(o);
    for (int step = 0; step <= 1000; ++step) run.log("test/ramp", step / 1000.0, step);
    runs.push_back({run.id(), run.name()});
    run.finish();
  }
  return runs;
}

}  // namespace tracker_ui_test
