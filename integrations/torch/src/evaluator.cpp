// evaluator.cpp — classification_evaluator and to_image8: tensors in, integers and doubles out.
//
// Compile cost: this TU includes only <ATen/core/Tensor.h> (tensor methods) under
// TORCH_ASSERT_ONLY_METHOD_OPERATORS, about 4 s and 0.37 GB, instead of <torch/torch.h>
// (16-25 s, 1.1-1.3 GB). Everything used here is a Tensor method; if a free function from
// at:: is ever needed, include its per-operator header <ATen/ops/<name>.h>.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include <ATen/core/Tensor.h>
#include <c10/core/GradMode.h>

#include <tracker/production.hpp>
#include <tracker/torch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <future>
#include <iterator>
#include <limits>
#include <string>
#include <utility>

namespace tracker::torch {

namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw tracker::error(error_code::invalid_argument, "tracker::torch::classification_evaluator: " + what);
}

std::string shape_of(const at::Tensor& t) {
  std::string s = "[";
  for (std::int64_t d = 0; d < t.dim(); ++d) s += (d ? ", " : "") + std::to_string(t.size(d));
  return s + "]";
}

// Ranking key: a NaN loss (diverged logits) ranks as the worst of all.
double rank_loss(double loss) { return std::isnan(loss) ? std::numeric_limits<double>::infinity() : loss; }

struct kept {
  double loss = 0;
  std::int64_t true_class = 0;
  std::int64_t predicted_class = 0;
  double confidence = 0;
  std::int64_t dataset_index = 0;
  at::Tensor input;  // float, CPU, contiguous; undefined when no inputs were given
};

// "a is worse than b": higher loss, then lower dataset index (a deterministic order on ties).
bool worse(const kept& a, const kept& b) {
  double la = rank_loss(a.loss), lb = rank_loss(b.loss);
  if (la != lb) return la > lb;
  return a.dataset_index < b.dataset_index;
}

// Keeps only the media path characters the store accepts everywhere: [A-Za-z0-9_.-/].
std::string media_safe(std::string_view s) {
  std::string out;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '/';
    out += ok ? c : '_';
  }
  std::string clean;  // no empty, "." or ".." components, no leading slash
  std::size_t start = 0;
  while (start <= out.size()) {
    std::size_t end = out.find('/', start);
    if (end == std::string::npos) end = out.size();
    std::string part = out.substr(start, end - start);
    if (!part.empty() && part != "." && part != "..") clean += (clean.empty() ? "" : "/") + part;
    start = end + 1;
  }
  return clean.empty() ? "eval" : clean;
}

double channel_value(const std::vector<double>& v, int c) {
  return v.size() == 1 ? v[0] : v[static_cast<std::size_t>(c)];
}

}  // namespace

// =============================================================================================
// [SECTION] to_image8
// =============================================================================================

std::optional<image8> to_image8(const at::Tensor& image, const image_normalization& norm) {
  if (!image.defined()) return std::nullopt;
  int channels = 0, height = 0, width = 0;
  if (image.dim() == 2) {
    channels = 1, height = static_cast<int>(image.size(0)), width = static_cast<int>(image.size(1));
  } else if (image.dim() == 3 && (image.size(0) == 1 || image.size(0) == 3)) {
    channels = static_cast<int>(image.size(0));
    height = static_cast<int>(image.size(1)), width = static_cast<int>(image.size(2));
  } else {
    return std::nullopt;
  }
  if (height <= 0 || width <= 0) return std::nullopt;
  const bool denormalize = !norm.mean.empty() && !norm.std.empty();
  if (denormalize) {
    auto fits = [&](const std::vector<double>& v) {
      return v.size() == 1 || v.size() == static_cast<std::size_t>(channels);
    };
    if (!fits(norm.mean) || !fits(norm.std))
      throw tracker::error(error_code::invalid_argument,
                           "tracker::torch::to_image8: image_normalization needs 1 or " +
                               std::to_string(channels) + " values for mean and std");
  }

  c10::NoGradGuard no_grad;
  at::Tensor chw = image.detach().to(at::kCPU, at::kDouble).contiguous();
  const double* src = chw.data_ptr<double>();
  const std::size_t plane = static_cast<std::size_t>(height) * static_cast<std::size_t>(width);

  double lo = 0, hi = 1;
  if (!denormalize) {
    lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (std::size_t i = 0; i < plane * static_cast<std::size_t>(channels); ++i)
      if (std::isfinite(src[i])) lo = std::min(lo, src[i]), hi = std::max(hi, src[i]);
  }

  image8 out;
  out.width = width, out.height = height, out.channels = channels;
  out.pixels.resize(plane * static_cast<std::size_t>(channels));
  for (int c = 0; c < channels; ++c) {
    const double mean = denormalize ? channel_value(norm.mean, c) : 0.0;
    const double stdv = denormalize ? channel_value(norm.std, c) : 1.0;
    for (std::size_t i = 0; i < plane; ++i) {
      double x = src[static_cast<std::size_t>(c) * plane + i];
      double v;  // intensity in [0, 1]
      if (denormalize)
        v = x * stdv + mean;
      else
        v = (hi > lo) ? (x - lo) / (hi - lo) : 0.0;
      if (!std::isfinite(v)) v = 0.0;
      v = std::clamp(v, 0.0, 1.0);
      out.pixels[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] =
          static_cast<std::uint8_t>(std::lround(v * 255.0));
    }
  }
  return out;
}

// =============================================================================================
// [SECTION] classification_evaluator
// =============================================================================================

namespace {

// One sample of the reference set (evaluator_options::record_reference).
struct reference_sample {
  std::int64_t dataset_index = 0;
  std::int64_t true_class = 0;
  std::int64_t predicted_class = 0;
  std::vector<double> probabilities;
  std::vector<double> features;  // parallel to reference_feature_names(options); NaN = missing
};

const char* const projection_names[] = {"brightness", "contrast", "dark_fraction", "entropy"};

std::vector<std::string> reference_feature_names(const evaluator_options& o) {
  std::vector<std::string> names(std::begin(projection_names), std::end(projection_names));
  for (const auto& f : o.extra_features) names.push_back(f.name);
  return names;
}

}  // namespace

struct classification_evaluator::impl {
  evaluator_options options;
  std::vector<reference_sample> reference;
  // The previous pass's reference write (a std::async future: destroying it waits for it).
  std::future<void> reference_write;
  metrics::confusion_matrix cm;
  double loss_sum = 0;
  std::int64_t seen = 0;
  std::vector<kept> heap;  // the kept samples; a heap whose front is the least bad (by worse())
  metrics::predictions preds;  // every sample, when options.record_predictions
};

namespace {

// Keeps the first options.reference_rows samples of a pass: probabilities, and the features
// computed from the input sample (image projections, then the user's extra_features).
void keep_reference(classification_evaluator::impl& s, const at::Tensor& logp, const std::int64_t* t,
                    const std::int64_t* p, const at::Tensor& inputs, std::span<const std::int64_t> dataset_indices,
                    std::int64_t n) {
  const at::Tensor probs = logp.exp().contiguous();
  const double* pr = probs.data_ptr<double>();
  const std::int64_t classes = logp.size(1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::int64_t i = 0; i < n && s.reference.size() < s.options.reference_rows; ++i) {
    reference_sample r;
    r.dataset_index = dataset_indices.empty() ? s.seen + i : dataset_indices[static_cast<std::size_t>(i)];
    r.true_class = t[i];
    r.predicted_class = p[i];
    r.probabilities.assign(pr + i * classes, pr + (i + 1) * classes);
    r.features.assign(std::size(projection_names), nan);
    if (inputs.defined()) {
      const at::Tensor sample = inputs[i].detach().to(at::kCPU, at::kFloat);
      if (auto img = to_image8(sample, s.options.image)) {
        const image_projections pj = project(*img);
        r.features = {pj.brightness, pj.contrast, pj.dark_fraction, pj.entropy};
      }
      for (const auto& f : s.options.extra_features) {
        double v = nan;
        try {
          if (f.compute) v = f.compute(sample);
        } catch (...) {
          // A failing user feature is a missing value for this sample, not a failed add().
        }
        r.features.push_back(v);
      }
    } else {
      r.features.resize(r.features.size() + s.options.extra_features.size(), nan);
    }
    s.reference.push_back(std::move(r));
  }
}

// The reference records of a pass, as production::store takes them.
std::vector<production::record> reference_records(const classification_evaluator::impl& s,
                                                  const std::vector<std::string>& labels, const std::string& prefix) {
  const std::vector<std::string> names = reference_feature_names(s.options);
  std::vector<production::record> out;
  out.reserve(s.reference.size());
  for (const reference_sample& r : s.reference) {
    production::record rec;
    rec.id = prefix + "/" + std::to_string(r.dataset_index);
    for (std::size_t f = 0; f < names.size() && f < r.features.size(); ++f)
      if (std::isfinite(r.features[f])) rec.features.emplace_back(names[f], r.features[f]);
    rec.predicted = labels[static_cast<std::size_t>(r.predicted_class)];
    rec.probabilities = r.probabilities;
    rec.label = labels[static_cast<std::size_t>(r.true_class)];
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

classification_evaluator::classification_evaluator(std::vector<std::string> class_names,
                                                   evaluator_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->preds = metrics::predictions(class_names);  // validates the names (<= 65,536)
  impl_->cm = metrics::confusion_matrix(std::move(class_names));
  impl_->options = std::move(options);
}

classification_evaluator::classification_evaluator(classification_evaluator&&) noexcept = default;
classification_evaluator& classification_evaluator::operator=(classification_evaluator&&) noexcept =
    default;
classification_evaluator::~classification_evaluator() = default;

void classification_evaluator::add(const at::Tensor& logits, const at::Tensor& targets) {
  add(logits, targets, at::Tensor(), {});
}

void classification_evaluator::add(const at::Tensor& logits, const at::Tensor& targets,
                                   const at::Tensor& inputs,
                                   std::span<const std::int64_t> dataset_indices) {
  impl& s = *impl_;
  const auto classes = static_cast<std::int64_t>(s.cm.size());
  // ---- validate everything before touching the state --------------------------------------
  if (!logits.defined() || logits.dim() != 2 || logits.size(1) != classes)
    invalid("logits must have shape [N, " + std::to_string(classes) + "] (one column per class), got " +
            (logits.defined() ? shape_of(logits) : std::string("an undefined tensor")));
  const std::int64_t n = logits.size(0);
  if (!targets.defined() || targets.numel() != n ||
      !(targets.dim() == 1 || (targets.dim() == 2 && targets.size(1) == 1)))
    invalid("targets must have shape [" + std::to_string(n) + "] or [" + std::to_string(n) +
            ", 1] (one class index per row of logits), got " +
            (targets.defined() ? shape_of(targets) : std::string("an undefined tensor")));
  if (targets.is_floating_point() || targets.is_complex())
    invalid("targets must be class indices (an integer tensor), got a floating-point tensor; "
            "for one-hot targets pass targets.argmax(1)");
  if (inputs.defined() && (inputs.dim() == 0 || inputs.size(0) != n))
    invalid("inputs must have N = " + std::to_string(n) + " rows, got " + shape_of(inputs));
  if (!dataset_indices.empty() && dataset_indices.size() != static_cast<std::size_t>(n))
    invalid("dataset_indices must be empty or have one entry per sample (" + std::to_string(n) +
            "), got " + std::to_string(dataset_indices.size()));
  if (s.options.record_predictions)
    for (std::int64_t idx : dataset_indices)
      if (idx < 0 || idx > std::int64_t(0xffffffff))
        invalid("dataset_indices must be in [0, 2^32) to record predictions, got " + std::to_string(idx));
  if (n == 0) return;

  c10::NoGradGuard no_grad;
  // Double precision: per-sample losses then match a hand computation to ~1e-15.
  at::Tensor logp = logits.detach().to(at::kCPU, at::kDouble).log_softmax(1);
  at::Tensor tgt = targets.detach().reshape({n}).to(at::kCPU, at::kLong).contiguous();
  {
    const std::int64_t* t = tgt.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i)
      if (t[i] < 0 || t[i] >= classes)
        invalid("target " + std::to_string(t[i]) + " at row " + std::to_string(i) +
                " is outside [0, " + std::to_string(classes) + ")");
  }
  at::Tensor pred = logp.argmax(1).contiguous();  // first maximum on ties
  at::Tensor loss = logp.gather(1, tgt.unsqueeze(1)).neg().reshape({n}).contiguous();
  at::Tensor conf = logp.gather(1, pred.unsqueeze(1)).exp().reshape({n}).contiguous();

  const std::int64_t* t = tgt.data_ptr<std::int64_t>();
  const std::int64_t* p = pred.data_ptr<std::int64_t>();
  const double* l = loss.data_ptr<double>();
  const double* c = conf.data_ptr<double>();

  s.cm.add_all(t, p, static_cast<std::size_t>(n));  // checked above, cannot throw now
  for (std::int64_t i = 0; i < n; ++i) s.loss_sum += l[i];
  if (s.options.record_predictions)  // classes and indices checked above
    for (std::int64_t i = 0; i < n; ++i)
      s.preds.add(t[i], p[i], l[i],
                  dataset_indices.empty() ? s.seen + i : dataset_indices[static_cast<std::size_t>(i)]);

  if (s.options.record_reference && s.reference.size() < s.options.reference_rows)
    keep_reference(s, logp, t, p, inputs, dataset_indices, n);

  const std::size_t k = s.options.top_k_worst;
  if (k > 0) {
    auto heap_cmp = [](const kept& a, const kept& b) { return worse(a, b); };  // front = least bad
    for (std::int64_t i = 0; i < n; ++i) {
      if (s.options.only_misclassified && p[i] == t[i]) continue;
      kept cand{l[i], t[i], p[i], c[i],
                dataset_indices.empty() ? s.seen + i : dataset_indices[static_cast<std::size_t>(i)],
                at::Tensor()};
      if (s.heap.size() >= k && !worse(cand, s.heap.front())) continue;
      if (inputs.defined()) cand.input = inputs[i].detach().to(at::kCPU, at::kFloat).clone();
      if (s.heap.size() >= k) {
        std::pop_heap(s.heap.begin(), s.heap.end(), heap_cmp);
        s.heap.back() = std::move(cand);
      } else {
        s.heap.push_back(std::move(cand));
      }
      std::push_heap(s.heap.begin(), s.heap.end(), heap_cmp);
    }
  }
  s.seen += n;
}

const metrics::confusion_matrix& classification_evaluator::confusion() const noexcept { return impl_->cm; }

metrics::classification_report classification_evaluator::report() const {
  return metrics::compute_report(impl_->cm);
}

double classification_evaluator::mean_loss() const noexcept {
  return impl_->seen ? impl_->loss_sum / static_cast<double>(impl_->seen)
                     : std::numeric_limits<double>::quiet_NaN();
}

std::int64_t classification_evaluator::samples() const noexcept { return impl_->seen; }

const metrics::predictions& classification_evaluator::predictions() const noexcept { return impl_->preds; }

const evaluator_options& classification_evaluator::options() const noexcept { return impl_->options; }

std::vector<worst_sample> classification_evaluator::worst() const {
  std::vector<const kept*> order;
  order.reserve(impl_->heap.size());
  for (const kept& k : impl_->heap) order.push_back(&k);
  std::sort(order.begin(), order.end(), [](const kept* a, const kept* b) { return worse(*a, *b); });
  std::vector<worst_sample> out;
  out.reserve(order.size());
  for (const kept* k : order) {
    worst_sample w;
    w.loss = k->loss, w.true_class = k->true_class, w.predicted_class = k->predicted_class;
    w.confidence = k->confidence, w.dataset_index = k->dataset_index;
    if (k->input.defined()) w.image = to_image8(k->input, impl_->options.image);
    out.push_back(std::move(w));
  }
  return out;
}

void classification_evaluator::reset() {
  impl_->cm.reset();
  impl_->loss_sum = 0;
  impl_->seen = 0;
  impl_->heap.clear();
  impl_->preds.clear();
  impl_->reference.clear();
}

void classification_evaluator::write_reference(run& r, const std::string& prefix) const {
  // Off the training thread: ~10,000 records take tens of milliseconds to store. The previous
  // pass's write finishes first, so passes replace each other in order.
  if (impl_->reference_write.valid()) impl_->reference_write.wait();
  std::vector<production::record> records = reference_records(*impl_, impl_->cm.labels(), prefix);
  impl_->reference_write = std::async(std::launch::async, [store_dir = r.store_dir(), run_id = r.id(),
                                                            labels = impl_->cm.labels(), records = std::move(records)]() mutable {
    try {
      production::store s = production::store::open(store_dir);
      s.set_classes(run_id, labels);
      s.replace_reference(s.model(run_id), std::move(records));
    } catch (const std::exception& e) {
      tracker::report_error(std::string("tracker::torch: recording the reference set failed: ") + e.what());
    }
  });
}

void classification_evaluator::log_to(run& r, std::string_view prefix, std::int64_t step) const noexcept {
  try {
    const std::string p(prefix);
    const std::string slash = p.empty() ? "" : p + "/";
    if (impl_->seen > 0) r.log(slash + "loss", mean_loss(), step);
    metrics::log_classification(r, p, impl_->cm, step);
    if (impl_->options.record_predictions && !impl_->preds.empty())
      metrics::log_predictions(r, slash + "predictions", impl_->preds, step);
    if (impl_->options.record_reference && !impl_->reference.empty()) write_reference(r, p.empty() ? "ref" : p);
    if (impl_->options.top_k_worst == 0) return;

    const auto& labels = impl_->cm.labels();
    metrics::table t({{"image", metrics::column_type::image},
                      {"true_label", metrics::column_type::text},
                      {"predicted_label", metrics::column_type::text},
                      {"confidence", metrics::column_type::number},
                      {"loss", metrics::column_type::number},
                      {"dataset_index", metrics::column_type::number}});
    const std::string dir = media_safe(slash + "misclassified/" + std::to_string(step)) + "/";
    std::size_t rank = 0;
    for (worst_sample& w : worst()) {
      metrics::cell image_cell;
      if (w.image) {
        std::vector<std::uint8_t> png = encode_png(*w.image);
        char name[64];
        std::snprintf(name, sizeof name, "%02zu_%lld.png", rank, static_cast<long long>(w.dataset_index));
        if (!png.empty()) {
          std::string path = r.log_media(dir + name, std::move(png));
          if (!path.empty()) image_cell = std::move(path);
        }
      }
      t.add_row({std::move(image_cell), labels[static_cast<std::size_t>(w.true_class)],
                 labels[static_cast<std::size_t>(w.predicted_class)], w.confidence, w.loss,
                 static_cast<double>(w.dataset_index)});
      ++rank;
    }
    metrics::log_table(r, slash + "misclassified", t, step);
  } catch (const std::exception& e) {
    // Through the user's error handler (rate-limited), never into the training loop.
    tracker::report_error("tracker::torch: log_to(\"" + std::string(prefix) + "\") failed: " + e.what());
  } catch (...) {
    tracker::report_error("tracker::torch: log_to failed with an unknown exception");
  }
}

}  // namespace tracker::torch
