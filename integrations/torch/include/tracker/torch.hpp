// tracker/torch.hpp — the LibTorch integration: validation metrics, misclassified samples,
// weight and gradient histograms.
//
//   #include <torch/torch.h>
//   #include <tracker/torch.hpp>
//
//   tracker::run run = tracker::init({.project = "fashion"});
//   auto watcher = tracker::torch::watch(run, model, {.every_n_steps = 100});
//   tracker::torch::classification_evaluator eval(
//       class_names, {.image = {.mean = {0.2860}, .std = {0.3530}}});
//
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     for (auto& batch : *train_loader) {
//       ... forward, loss.backward(), optimizer.step() ...
//       run.log("train/loss", loss.item<double>(), ++step);
//       watcher.step(step);               // histograms + norms every 100th step
//     }
//     ::torch::NoGradGuard no_grad;
//     for (auto& batch : *val_loader)      // a sequential sampler: see dataset_index below
//       eval.add(model->forward(batch.data), batch.target, batch.data);
//     eval.log_to(run, "val", step);       // scalars + confusion matrix + misclassified table
//     eval.reset();
//   }
//
// What log_to(run, "val", step) writes, all at `step`:
//   * scalars val/loss (mean cross-entropy) and, through tracker::metrics::log_classification,
//     val/accuracy, val/{precision,recall,f1}_{macro,micro,weighted},
//     val/{precision,recall,f1,support}/<class>;
//   * the object val/confusion (kind "confusion_matrix"; rows = true class);
//   * the object val/misclassified (kind "table"), the top_k_worst misclassified samples by
//     loss, highest loss first, with the columns
//       image (image: PNG under media/<run id>/val/misclassified/<step>/), true_label (text),
//       predicted_label (text), confidence (number: softmax probability of the predicted
//       class), loss (number: cross-entropy of the sample), dataset_index (number).
//   * the object val/predictions (kind "predictions", with evaluator_options::record_predictions,
//     on by default): every sample's true class, predicted class and loss in dataset-index
//     order, ~4 bytes per sample — what `tracker compare A B --significance` pairs up.
//   * with evaluator_options::record_reference, the run's reference set for production
//     monitoring (tracker/production.hpp): the first reference_rows samples of the pass as
//     reference records with id "<prefix>/<dataset index>" — features (the image projections
//     below plus extra_features), predicted class, class probabilities, true label — replacing
//     the previous pass's, so the reference is what the latest (final) model saw. The model's
//     class names are recorded with it. Written on a background thread; a failure goes to the
//     error handler.
// The metric computations are tracker::metrics' (scikit-learn definitions); this layer only
// converts tensors to integers and doubles.
//
// Images: an input sample of shape [H, W], [1, H, W] or [3, H, W] becomes an 8-bit PNG (1 or 3
// channels). With image_normalization::mean/std set, pixels are de-normalised as x*std + mean,
// read as intensities in [0, 1], clamped, and scaled to 0..255 with rounding — the exact
// inverse of torch::data::transforms::Normalize(mean, std) on images loaded as byte/255, so the
// PNG shows the original pixels. Without mean/std, each image is min-max scaled on its own
// (min -> 0, max -> 255; a constant image -> 0), which shows any input but not its absolute
// brightness. Inputs of any other shape are not rendered: the image cell is left empty.
//
// Thread safety: one evaluator or watcher must not be used from two threads at once. Both keep
// a reference to the run they log into; the run must outlive them.
//
// Why no LibTorch header here: at::Tensor and torch::nn::Module are only forward-declared, so
// including this header costs nothing; the code that needs tensors already includes LibTorch.
#pragma once

#include <tracker/metrics.hpp>
#include <tracker/tracker.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace at {
class Tensor;
}
namespace torch::nn {
class Module;
}

namespace tracker::torch {

// =============================================================================================
// [SECTION] Images: tensor -> 8-bit pixels -> PNG
// =============================================================================================

// How input tensors map to pixel intensities (see the header comment).
struct image_normalization {
  // One value for all channels, or one per channel. Empty mean/std: min-max per image.
  std::vector<double> mean{};
  std::vector<double> std{};
};

// An 8-bit image, row-major, channels interleaved (HWC), as PNG encoders and decoders use.
struct image8 {
  int width = 0;
  int height = 0;
  int channels = 0;  // 1 (grey) or 3 (RGB)
  std::vector<std::uint8_t> pixels{};  // width * height * channels

  friend bool operator==(const image8&, const image8&) = default;
};

// Converts one sample ([H, W], [1, H, W] or [3, H, W], any floating or integer dtype, any device)
// to 8-bit pixels. Returns nullopt for any other shape.
std::optional<image8> to_image8(const at::Tensor& image, const image_normalization& norm = {});

// Encodes with stb_image_write. Returns an empty vector if the image is malformed.
std::vector<std::uint8_t> encode_png(const image8& image);

// What production monitoring compares for images (drift of the inputs), from 8-bit pixels
// (all channels together), each in [0, 1] except entropy:
struct image_projections {
  double brightness = 0;     // mean intensity / 255
  double contrast = 0;       // population standard deviation of the intensities / 255
  double dark_fraction = 0;  // share of intensities below 64 (a quarter of the range)
  double entropy = 0;        // Shannon entropy in bits of a 16-bin intensity histogram (0..4)
};
image_projections project(const image8& image);

// =============================================================================================
// [SECTION] classification_evaluator
// =============================================================================================

struct evaluator_options {
  // Rows of the misclassified table ("top losses"); 0 keeps no samples and logs no table.
  std::size_t top_k_worst = 64;
  // true: only misclassified samples enter the table. false: fastai's top_losses, where a
  // correctly classified but unsure sample may rank among the worst.
  bool only_misclassified = true;
  image_normalization image{};  // PNG rendering of the kept inputs
  // Record every sample's (true class, predicted class, loss) and log them as
  // "<prefix>/predictions" (metrics::predictions), so two runs can be compared sample by sample
  // (McNemar, paired bootstrap). ~4 bytes per sample in memory and ~5.3 in the store.
  bool record_predictions = true;
  // Record the reference set for production monitoring (see log_to above). Off by default
  // (it writes reference_rows records per pass); the Fashion-MNIST example turns it on.
  bool record_reference = false;
  std::size_t reference_rows = 10'000;
  // Features beyond the image projections: name and a function of one input sample (a float
  // tensor on the CPU, the shape add() got minus the batch dimension). NaN = missing.
  struct feature {
    std::string name;
    std::function<double(const at::Tensor& sample)> compute;
  };
  std::vector<feature> extra_features{};
};

// One of the worst samples, as kept by the evaluator.
struct worst_sample {
  double loss = 0;        // cross-entropy of this sample (NaN logits rank first)
  std::int64_t true_class = 0;
  std::int64_t predicted_class = 0;  // argmax of the logits (first maximum on ties)
  double confidence = 0;  // softmax probability of predicted_class
  std::int64_t dataset_index = 0;
  std::optional<image8> image{};  // empty when no inputs were given or the shape is not an image
};

// Accumulates predictions over the batches of one evaluation pass.
//
// Lifecycle:
//   1. construct with the class names (class index i is class_names[i]);
//   2. add() every batch: logits [N, C] (C = number of classes), targets [N] class indices,
//      inputs [N, ...] (optional; only the kept worst samples are copied, as float on the CPU);
//   3. log_to() once per pass; read confusion()/report()/worst() if you need the numbers;
//   4. reset() before the next pass.
class classification_evaluator {
 public:
  explicit classification_evaluator(std::vector<std::string> class_names,
                                    evaluator_options options = {});
  classification_evaluator(classification_evaluator&&) noexcept;
  classification_evaluator& operator=(classification_evaluator&&) noexcept;
  ~classification_evaluator();

  // dataset_indices: one per sample, recorded in the table; when empty, the running position
  // of the sample since the last reset() (the dataset index for a sequential sampler).
  // Throws tracker::error(invalid_argument) for mismatched shapes or a target outside [0, C);
  // the evaluator is unchanged then. Runs without recording autograd history.
  void add(const at::Tensor& logits, const at::Tensor& targets, const at::Tensor& inputs,
           std::span<const std::int64_t> dataset_indices = {});
  void add(const at::Tensor& logits, const at::Tensor& targets);  // no images

  // Logs everything listed in the header comment under prefix at step. Never throws;
  // problems go to the run's error handler (or stderr, see the implementation).
  void log_to(run& r, std::string_view prefix, std::int64_t step) const noexcept;

  const metrics::confusion_matrix& confusion() const noexcept;
  metrics::classification_report report() const;
  double mean_loss() const noexcept;  // NaN before any sample
  std::int64_t samples() const noexcept;
  // The kept worst samples, highest loss first (ties: lower dataset index first), with their
  // images rendered through options().image.
  std::vector<worst_sample> worst() const;
  // Every sample since reset() (empty unless options().record_predictions).
  const metrics::predictions& predictions() const noexcept;
  const evaluator_options& options() const noexcept;

  void reset();  // counts, losses, kept samples, predictions and reference; names and options stay

  struct impl;  // public name so the implementation's helpers can take it; defined in evaluator.cpp

 private:
  void write_reference(run& r, const std::string& prefix) const;
  std::unique_ptr<impl> impl_;
};

// =============================================================================================
// [SECTION] watch: weight and gradient histograms and norms
// =============================================================================================

struct watch_options {
  std::int64_t every_n_steps = 100;  // step(s) logs when s % every_n_steps == 0
  std::size_t bins = 64;             // histogram bins (W&B's default)
  bool log_weights = true;           // weights/<param>, weights_norm/<param>
  bool log_gradients = true;         // gradients/<param>, gradients_norm/<param>, gradients_norm/total
  bool histograms = true;            // false: norms only (cheaper for very large models)
};

// Logs, for every parameter of a module (names as named_parameters() gives them, e.g.
// "conv1.weight"), the histogram objects weights/<name> and gradients/<name> (kind "histogram")
// and the L2 norms weights_norm/<name>, gradients_norm/<name> and gradients_norm/total (the norm
// of all gradients together, what clip_grad_norm_ sees). Parameters without a gradient are
// skipped for the gradient keys. Call step() after backward() (typically after the optimizer
// step), with the run's training step.
class watcher {
 public:
  watcher() = default;  // does nothing
  watcher(run& r, std::shared_ptr<::torch::nn::Module> module, watch_options options = {});

  // Logs when step % every_n_steps == 0. Never throws. Returns whether it logged.
  bool step(std::int64_t step) noexcept;
  // Logs now, whatever the step.
  void log_now(std::int64_t step) noexcept;
  const watch_options& options() const noexcept { return options_; }

 private:
  run* run_ = nullptr;
  std::shared_ptr<::torch::nn::Module> module_;
  watch_options options_;
};

inline watcher watch(run& r, std::shared_ptr<::torch::nn::Module> module,
                     watch_options options = {}) {
  return watcher(r, std::move(module), options);
}
// For module holders (TORCH_MODULE(Net) -> Net, torch::nn::Linear, ...): watch(run, model).
template <class Holder>
  requires requires(const Holder& h) { h.ptr(); }
watcher watch(run& r, const Holder& module, watch_options options = {}) {
  return watcher(r, std::shared_ptr<::torch::nn::Module>(module.ptr()), options);
}

}  // namespace tracker::torch
