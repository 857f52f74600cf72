// tracker/metrics.hpp — classification metrics, histograms and tables, free of LibTorch.
//
//   #include <tracker/metrics.hpp>
//   namespace metrics = tracker::metrics;
//
//   // 1. Count predictions into a confusion matrix (rows = true class, columns = predicted).
//   metrics::confusion_matrix cm({"T-shirt", "Trouser", "Pullover"});
//   for (std::size_t i = 0; i < n; ++i) cm.add(y_true[i], y_pred[i]);   // or cm.add_all(...)
//
//   // 2. Read the numbers (scikit-learn's definitions, zero_division=0) ...
//   metrics::classification_report r = metrics::compute_report(cm);
//   double f1 = r.macro.f1, shirt_recall = r.per_class[2].recall;
//   for (const metrics::confusion_pair& p : metrics::most_confused(cm)) ...       // fastai's most_confused
//
//   // 3. ... or log all of them at once: val/accuracy, val/f1_macro, val/f1/<class>, ... and
//   //    the matrix itself as the object "val/confusion" (kind "confusion_matrix").
//   metrics::log_classification(run, "val", cm, epoch);
//
//   // Histograms (64 bins by default, like W&B) and generic tables:
//   metrics::log_histogram(run, "weights/conv1", metrics::make_histogram(w.data(), w.size()), step);
//   metrics::table t({{"image", metrics::column_type::image}, {"true", metrics::column_type::text},
//                {"loss", metrics::column_type::number}});
//   t.add_row({run.log_media("val/17.png", png_bytes), std::string("Shirt"), 2.31});
//   metrics::log_table(run, "val/misclassified", t, epoch);
//
//   // Loss per step and averaged per epoch (Lightning's on_step / on_epoch):
//   metrics::epoch_average train_loss;
//   for (...) { run.log("train/loss", loss, step); train_loss.add(loss, batch_size); }
//   run.log("train/loss_epoch", train_loss.mean(), step);  train_loss.reset();
//
// Everything here except the log_* functions is pure computation on values: no I/O, no threads,
// no global state. Each type is a value; one object is not safe to mutate from two threads at
// once (like std::vector). The log_* functions follow run::log's rules: they never throw, and
// problems go to the run's error handler.
//
// Why in the core: the same computations serve training (the LibTorch layer converts tensors
// and calls these) and production monitoring (predictions whose labels arrived later).
//
// Stored object formats (run::log_object bodies; all carry "version": 1, readers accept a
// missing version as 1 and refuse a higher one with invalid_argument):
//
//   kind "confusion_matrix"
//     {"version": 1, "labels": ["cat", "dog"], "matrix": [[5, 1], [2, 7]]}
//     matrix[i][j] = samples whose true class is labels[i] and predicted class is labels[j];
//     counts are non-negative integers; the matrix is square with one row per label.
//
//   kind "histogram"
//     {"version": 1, "edges": [e0, ..., eB], "counts": [c0, ..., cB-1], "nonfinite": k,
//      "min": m, "max": M, "count": n}
//     B bins; bin i holds values in [e_i, e_{i+1}), the last bin also holds e_B (numpy's rule).
//     count = finite values binned (= sum of counts); nonfinite = NaN/±Inf values seen, not
//     binned. min/max are over finite values and null when count is 0.
//
//   kind "table"
//     {"version": 1, "columns": [{"name": "image", "type": "image"}, {"name": "loss",
//      "type": "number"}], "rows": [["media/<run>/val/17.png", 2.31], [null, 0.5]]}
//     type is "number" (a JSON number, integral values written as integers; NaN and ±Inf as
//     the strings "NaN", "Infinity", "-Infinity", like the CLI's JSON), "text" (a JSON string)
//     or "image" (a store-relative media path, as returned by run::log_media). A missing cell
//     is null in any column. Every row has exactly one cell per column.
//
// See docs/metrics.md for the definitions and their scikit-learn correspondence.
#pragma once

#include <tracker/types.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace tracker {
class run;
}

namespace tracker::metrics {

// Object kinds, as stored in object_record::kind.
inline constexpr std::string_view kind_confusion_matrix = "confusion_matrix";
inline constexpr std::string_view kind_histogram = "histogram";
inline constexpr std::string_view kind_table = "table";
// The body format version written by this library (the "version" field of every body).
inline constexpr int body_version = 1;

// =============================================================================================
// [SECTION] Confusion matrix
// =============================================================================================

// Counts of (true class, predicted class) pairs over a fixed list of labels.
// Class indices are 0-based positions in labels(). Counts are row-major: rows = true class,
// columns = predicted class (scikit-learn's and fastai's orientation).
class confusion_matrix {
 public:
  confusion_matrix() = default;
  // One label per class, in class-index order. Labels must be unique and non-empty; throws
  // tracker::error(invalid_argument) otherwise.
  explicit confusion_matrix(std::vector<std::string> labels);

  const std::vector<std::string>& labels() const noexcept { return labels_; }
  std::size_t size() const noexcept { return labels_.size(); }  // number of classes

  // Adds n samples of true class true_idx predicted as pred_idx. Throws
  // tracker::error(invalid_argument) for an index outside [0, size()) or a negative n.
  void add(std::int64_t true_idx, std::int64_t pred_idx, std::int64_t n = 1);
  // Adds count pairs at once (e.g. a batch of targets and argmax predictions). Checks every
  // index first, so a bad index throws without adding anything.
  void add_all(const std::int64_t* true_idx, const std::int64_t* pred_idx, std::size_t count);
  // Adds another matrix with the same labels (e.g. per-thread or per-shard partial counts).
  void merge(const confusion_matrix& other);
  void reset() noexcept;  // all counts to zero, labels kept

  std::int64_t at(std::size_t true_idx, std::size_t pred_idx) const;  // bounds-checked
  const std::vector<std::int64_t>& counts() const noexcept { return counts_; }  // row-major
  std::int64_t total() const noexcept;    // all samples
  std::int64_t correct() const noexcept;  // the diagonal

  // {"version": 1, "labels": [...], "matrix": [[...], ...]} — see the format above.
  nlohmann::json to_json() const;
  // Parses a body written by to_json (or by hand). Throws tracker::error(invalid_argument)
  // naming what is wrong: not square, a row of the wrong length, a negative count, ...
  static confusion_matrix from_json(const nlohmann::json& body);

  friend bool operator==(const confusion_matrix&, const confusion_matrix&) = default;

 private:
  std::vector<std::string> labels_;
  std::vector<std::int64_t> counts_;  // size() * size()
};

// =============================================================================================
// [SECTION] Classification report (scikit-learn's precision_recall_fscore_support, accuracy)
// =============================================================================================

struct class_scores {
  std::string label;
  double precision = 0;       // tp / (tp + fp); 0 when the class was never predicted
  double recall = 0;          // tp / (tp + fn); 0 when the class has no true samples
  double f1 = 0;              // 2 tp / (2 tp + fp + fn); 0 when that is 0 / 0
  std::int64_t support = 0;   // true samples of the class (row sum)
  std::int64_t predicted = 0; // samples predicted as the class (column sum)
};

struct average_scores {
  double precision = 0;
  double recall = 0;
  double f1 = 0;
};

struct classification_report {
  double accuracy = 0;    // correct / total; 0 for an empty matrix
  std::int64_t total = 0; // samples
  // macro: unweighted mean over ALL labels of the matrix (absent classes count, with 0).
  // micro: from global tp/fp/fn; for single-label multiclass all three equal accuracy.
  // weighted: mean of per-class scores weighted by support; 0 when there are no samples.
  average_scores macro, micro, weighted;
  std::vector<class_scores> per_class;  // in label order

  // {"accuracy", "total", "macro": {"precision","recall","f1"}, "micro": ..., "weighted": ...,
  //  "per_class": [{"label","precision","recall","f1","support","predicted"}, ...]}
  nlohmann::json to_json() const;
};

// Matches sklearn.metrics.precision_recall_fscore_support(y_true, y_pred,
// labels=range(cm.size()), average=..., zero_division=0) and accuracy_score.
classification_report compute_report(const confusion_matrix& cm);

// =============================================================================================
// [SECTION] Most confused pairs (fastai's ClassificationInterpretation.most_confused)
// =============================================================================================

struct confusion_pair {
  std::string true_label;
  std::string predicted_label;
  std::int64_t count = 0;
  std::size_t true_index = 0;
  std::size_t predicted_index = 0;
};

// Off-diagonal cells with count >= min_count, largest count first; ties keep row-major order
// (by true index, then predicted index), so the output is deterministic.
std::vector<confusion_pair> most_confused(const confusion_matrix& cm, std::int64_t min_count = 1);

// =============================================================================================
// [SECTION] Histograms (W&B style: bin edges + counts)
// =============================================================================================

struct histogram {
  std::vector<double> edges;         // bins + 1 edges, increasing
  std::vector<std::int64_t> counts;  // one per bin
  std::int64_t nonfinite = 0;        // NaN / ±Inf values, not binned
  double min = 0;                    // over finite values; meaningless (0) when count == 0
  double max = 0;
  std::int64_t count = 0;            // finite values (= sum of counts)

  nlohmann::json to_json() const;  // the "histogram" body (min/max null when count == 0)
  // Throws tracker::error(invalid_argument): edges.size() != counts.size() + 1, decreasing
  // edges, negative counts, count != sum of counts, ...
  static histogram from_json(const nlohmann::json& body);

  friend bool operator==(const histogram&, const histogram&) = default;
};

// Bins the finite values into `bins` equal-width bins over [min, max] (numpy.histogram's
// rule: the last bin is closed). All values equal (or a single value) v: range [v-0.5, v+0.5],
// as numpy does. No finite values: range [0, 1] with zero counts. NaN/±Inf are counted in
// nonfinite and skipped. Throws tracker::error(invalid_argument) for bins == 0.
histogram make_histogram(const float* values, std::size_t n, std::size_t bins = 64);
histogram make_histogram(const double* values, std::size_t n, std::size_t bins = 64);
inline histogram make_histogram(std::span<const float> values, std::size_t bins = 64) {
  return make_histogram(values.data(), values.size(), bins);
}
inline histogram make_histogram(std::span<const double> values, std::size_t bins = 64) {
  return make_histogram(values.data(), values.size(), bins);
}

// =============================================================================================
// [SECTION] Tables (columns of number, text, image reference)
// =============================================================================================

enum class column_type : std::uint8_t {
  number = 0,  // double (integers up to 2^53 exactly)
  text = 1,    // UTF-8 string
  image = 2,   // store-relative media path, as returned by run::log_media ("media/<run>/x.png")
};

const char* to_string(column_type t) noexcept;                        // "number", "text", "image"
std::optional<column_type> parse_column_type(std::string_view s) noexcept;

struct column {
  std::string name;
  column_type type = column_type::number;
  friend bool operator==(const column&, const column&) = default;
};

// One cell: missing (monostate, any column), a number (number columns), or a string (text
// and image columns). Pass integers as double (static_cast<double>(index)): std::variant
// refuses the narrowing int -> double conversion, so {..., 17} does not compile.
using cell = std::variant<std::monostate, double, std::string>;

class table {
 public:
  table() = default;
  // Column names must be unique and non-empty; throws tracker::error(invalid_argument).
  explicit table(std::vector<column> columns);

  const std::vector<column>& columns() const noexcept { return columns_; }
  const std::vector<std::vector<cell>>& rows() const noexcept { return rows_; }
  std::size_t size() const noexcept { return rows_.size(); }  // number of rows
  // Index of the column called name, or nullopt.
  std::optional<std::size_t> find_column(std::string_view name) const noexcept;

  // Appends a row. Throws tracker::error(invalid_argument) when the row has the wrong number
  // of cells or a cell of the wrong type for its column (the table is left unchanged).
  void add_row(std::vector<cell> row);
  void clear_rows() noexcept { rows_.clear(); }

  nlohmann::json to_json() const;                     // the "table" body
  static table from_json(const nlohmann::json& body);  // throws invalid_argument

  // Cell-wise; like double ==, a NaN cell never compares equal.
  friend bool operator==(const table&, const table&) = default;

 private:
  std::vector<column> columns_;
  std::vector<std::vector<cell>> rows_;
};

// =============================================================================================
// [SECTION] Step / epoch aggregation
// =============================================================================================

// Weighted running mean for "loss per step, averaged per epoch": add() every step (weight =
// batch size for a per-sample mean), log mean() at the end of the epoch, then reset().
// A NaN/Inf value makes the mean NaN/Inf (as in Lightning): a diverged epoch must not look fine.
class epoch_average {
 public:
  void add(double value, double weight = 1.0) noexcept;
  double mean() const noexcept;  // sum(w·v) / sum(w); NaN when nothing (or zero weight) added
  double sum() const noexcept { return sum_; }          // sum(w·v)
  double weight() const noexcept { return weight_; }    // sum(w)
  std::int64_t count() const noexcept { return count_; }  // add() calls since reset()
  bool empty() const noexcept { return count_ == 0; }
  void reset() noexcept { sum_ = 0; weight_ = 0; count_ = 0; }

 private:
  double sum_ = 0;
  double weight_ = 0;
  std::int64_t count_ = 0;
};

// =============================================================================================
// [SECTION] Logging into a run (never throw; problems go to the run's error handler)
// =============================================================================================

// Scalars under prefix ("val" -> "val/accuracy"; an empty prefix gives "accuracy"):
//   accuracy, precision_macro, recall_macro, f1_macro, precision_micro, recall_micro, f1_micro,
//   precision_weighted, recall_weighted, f1_weighted,
//   precision/<label>, recall/<label>, f1/<label>, support/<label>   for every label,
// and the matrix as the object "<prefix>/confusion" (kind "confusion_matrix"), all at one step.
// Without a step, that one step is the run's next step (one more than the highest it has
// logged). Label text is used as-is in keys; a label that makes an invalid key (control
// characters, > 256 bytes in total) is reported by the run and that value skipped.
void log_classification(run& r, std::string_view prefix, const confusion_matrix& cm,
                        std::optional<std::int64_t> step = {}) noexcept;
// Just the matrix, as a "confusion_matrix" object under key.
void log_confusion_matrix(run& r, std::string_view key, const confusion_matrix& cm,
                          std::optional<std::int64_t> step = {}) noexcept;
void log_histogram(run& r, std::string_view key, const histogram& h,
                   std::optional<std::int64_t> step = {}) noexcept;
void log_table(run& r, std::string_view key, const table& t,
               std::optional<std::int64_t> step = {}) noexcept;

// =============================================================================================
// [SECTION] Per-sample predictions (paired comparisons between runs; tracker/significance.hpp)
// =============================================================================================
//
//   metrics::predictions preds(class_names);
//   for (each validation sample i, in any order) preds.add(y_true[i], y_pred[i], loss[i], i);
//   metrics::log_predictions(run, "val/predictions", preds, epoch);
//
// Two runs that logged predictions on the same validation set can be compared sample by sample
// (`tracker compare A B --significance`, McNemar's test, paired bootstrap). The body is compact
// (about 4 bytes per sample before base64: 10,000 samples of 10 classes take ~53 KB):
//
//   kind "predictions"
//     {"version": 1, "labels": ["cat", "dog"], "count": 3, "label_type": "uint8",
//      "true_label": "<base64>", "predicted_label": "<base64>",
//      "loss_type": "bfloat16", "loss": "<base64>",          (absent when no loss was given)
//      "index_type": "uint32", "index": "<base64>"}          (absent when the indices are 0..count-1)
//     Samples are in dataset-index order. label_type is "uint8" (<= 256 classes) or "uint16";
//     values are little-endian. A loss is the upper half of the IEEE float32 (bfloat16, rounded
//     to nearest even: relative error <= 2^-8 (0.4%), float32's range, NaN/Inf kept). index lists the
//     dataset index of each sample, increasing, when it is not simply the position.

inline constexpr std::string_view kind_predictions = "predictions";

// One predicted class (and optionally the true class's loss) per validation sample.
class predictions {
 public:
  predictions() = default;
  // One label per class, as confusion_matrix (unique, non-empty, at most 65,536 labels); throws
  // tracker::error(invalid_argument) otherwise.
  explicit predictions(std::vector<std::string> labels);

  const std::vector<std::string>& labels() const noexcept { return labels_; }
  std::size_t classes() const noexcept { return labels_.size(); }
  std::size_t size() const noexcept { return true_.size(); }  // samples
  bool empty() const noexcept { return true_.empty(); }

  // Adds one sample. dataset_index defaults to the position (size() before the call); indices
  // must be in [0, 2^32) and unique (checked by to_json, which sorts by them). Throws
  // tracker::error(invalid_argument) for a class outside [0, classes()) or a bad index,
  // leaving the object unchanged. No loss (or NaN) means "not known".
  void add(std::int64_t true_class, std::int64_t predicted_class,
           std::optional<double> loss = {}, std::optional<std::int64_t> dataset_index = {});
  void clear() noexcept;  // samples removed, labels kept

  // Per sample, in the order added (to_json/from_json order them by dataset index).
  const std::vector<std::uint16_t>& true_class() const noexcept { return true_; }
  const std::vector<std::uint16_t>& predicted_class() const noexcept { return pred_; }
  const std::vector<float>& loss() const noexcept { return loss_; }  // NaN where not known
  const std::vector<std::uint32_t>& dataset_index() const noexcept { return index_; }
  bool has_loss() const noexcept;  // any loss that is not NaN

  confusion_matrix confusion() const;  // the same counts log_classification would log

  // The "predictions" body above. Throws invalid_argument for a duplicate dataset index.
  nlohmann::json to_json() const;
  // Parses a body (samples come back in dataset-index order). Throws invalid_argument naming
  // the problem: bad base64, a length that disagrees with count, a class out of range, ...
  static predictions from_json(const nlohmann::json& body);

 private:
  std::vector<std::string> labels_;
  std::vector<std::uint16_t> true_, pred_;
  std::vector<float> loss_;
  std::vector<std::uint32_t> index_;
};

// Logs p as the object key (kind "predictions"); the LibTorch evaluator uses
// "<prefix>/predictions". Never throws (run::log's rules).
void log_predictions(run& r, std::string_view key, const predictions& p,
                     std::optional<std::int64_t> step = {}) noexcept;

}  // namespace tracker::metrics
