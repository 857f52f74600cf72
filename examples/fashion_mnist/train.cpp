// train.cpp — Fashion-MNIST with LibTorch, tracked. The example's only <torch/torch.h> TU.
//
// [SECTION] index
//   dataset   gunzip the Debian package's idx files into a temporary directory (zlib)
//   progress  a plain-text progress bar on stderr
//   train     the training loop with the tracker calls a user adds (marked "tracker:")
#include "fashion_mnist.hpp"
#include "model.hpp"

#include <tracker/metrics.hpp>
#include <tracker/system_monitor.hpp>
#include <tracker/torch.hpp>
#include <tracker/tracker.hpp>

#include <torch/torch.h>
#include <zlib.h>

#include <malloc.h>  // mallopt
#include <stdlib.h>  // mkdtemp
#include <unistd.h>  // isatty

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sstream>
#include <string>
#include <system_error>

namespace fashion_mnist {

namespace fs = std::filesystem;

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// =============================================================================================
// [SECTION] dataset
// =============================================================================================

// A temporary directory removed with everything in it when the object dies.
class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/fashion-mnist-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot create a temporary directory from " + pattern);
    path_ = pattern;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void gunzip(const fs::path& from, const fs::path& to) {
  gzFile in = ::gzopen(from.c_str(), "rb");
  if (!in)
    throw std::runtime_error("cannot open " + from.string() +
                             ": install the Debian package dataset-fashion-mnist, or pass --data DIR "
                             "with the four *-ubyte.gz files");
  std::ofstream out(to, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  int n = 0;
  while ((n = ::gzread(in, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0)
    out.write(buffer.data(), n);
  int err = 0;
  const char* message = ::gzerror(in, &err);
  ::gzclose(in);
  if (n < 0 || (err != Z_OK && err != Z_STREAM_END))
    throw std::runtime_error("cannot decompress " + from.string() + ": " + message);
  if (!out) throw std::runtime_error("cannot write " + to.string());
}

// torch::data::datasets::MNIST wants the uncompressed files under their exact idx names.
void unpack_dataset(const fs::path& data_dir, const fs::path& to) {
  for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                           "t10k-labels-idx1-ubyte"})
    gunzip(data_dir / (std::string(name) + ".gz"), to / name);
}

// =============================================================================================
// [SECTION] progress
// =============================================================================================

class progress_bar {
 public:
  explicit progress_bar(bool enabled) : enabled_(enabled) {}

  void update(const char* phase, int epoch, int epochs, std::int64_t done, std::int64_t total,
              double loss, double acc, bool force = false) {
    if (!enabled_) return;
    const auto now = clock_type::now();
    if (!force && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    constexpr int width = 30;
    const int filled = total > 0 ? static_cast<int>(width * done / total) : width;
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < width) bar += '>' + std::string(static_cast<std::size_t>(width - filled - 1), ' ');
    std::fprintf(stderr, "\r%-5s epoch %d/%d [%s] %lld/%lld  loss %.4f  acc %.4f  %.1fs ", phase, epoch, epochs,
                 bar.c_str(), static_cast<long long>(done), static_cast<long long>(total), loss, acc,
                 seconds_since(start_));
    std::fflush(stderr);
  }
  void end_line() {
    if (enabled_) std::fputc('\n', stderr);
  }

 private:
  bool enabled_;
  clock_type::time_point start_ = clock_type::now();
  clock_type::time_point last_{};
};

}  // namespace

// =============================================================================================
// [SECTION] train
// =============================================================================================

void tune_allocator() noexcept {
  ::mallopt(M_MMAP_THRESHOLD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

train_result train(const train_config& cfg) {
  if (cfg.epochs < 0 || cfg.batch <= 0 || cfg.eval_batch <= 0 || cfg.threads <= 0 || !(cfg.lr > 0))
    throw std::invalid_argument("epochs >= 0, batch > 0, threads > 0 and lr > 0 are required");
  const auto t_start = clock_type::now();
  train_result result;

  ::torch::set_num_threads(cfg.threads);
  ::torch::manual_seed(cfg.seed);

  // ---- data --------------------------------------------------------------------------------
  const auto t_load = clock_type::now();
  temp_dir tmp;
  unpack_dataset(cfg.data_dir, tmp.path());
  using ::torch::data::datasets::MNIST;
  namespace transforms = ::torch::data::transforms;
  auto train_set = MNIST(tmp.path().string(), MNIST::Mode::kTrain);
  auto test_set = MNIST(tmp.path().string(), MNIST::Mode::kTest);
  const auto n_train = static_cast<std::int64_t>(*train_set.size());
  const auto n_test = static_cast<std::int64_t>(*test_set.size());
  const std::int64_t use_train = cfg.limit_train > 0 ? std::min(cfg.limit_train, n_train) : n_train;
  const std::int64_t use_test = cfg.limit_test > 0 ? std::min(cfg.limit_test, n_test) : n_test;
  // A sampler over [0, N) uses the first N samples: that is how --limit-* work.
  auto train_loader = ::torch::data::make_data_loader(
      std::move(train_set).map(transforms::Normalize<>(pixel_mean, pixel_std)).map(transforms::Stack<>()),
      ::torch::data::samplers::RandomSampler(use_train),
      ::torch::data::DataLoaderOptions().batch_size(static_cast<std::size_t>(cfg.batch)));
  // Sequential: the evaluator's running sample position is then the test-set index.
  auto test_loader = ::torch::data::make_data_loader(
      std::move(test_set).map(transforms::Normalize<>(pixel_mean, pixel_std)).map(transforms::Stack<>()),
      ::torch::data::samplers::SequentialSampler(use_test),
      ::torch::data::DataLoaderOptions().batch_size(static_cast<std::size_t>(cfg.eval_batch)));
  result.load_seconds = seconds_since(t_load);

  net model;
  ::torch::optim::Adam optimizer(model->parameters(), ::torch::optim::AdamOptions(cfg.lr));
  std::int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();

  // ---- tracker: the run, system metrics, watch, evaluator -----------------------------------
  tracker::run run;
  if (cfg.track) {
    tracker::options o;
    o.project = cfg.project;
    o.name = cfg.name;
    o.store = cfg.store;
    o.tags = {"example", "cnn"};
    o.config = {{"model", model_description},
                {"parameters", parameters},
                {"optimizer", "adam"},
                {"lr", cfg.lr},
                {"batch", cfg.batch},
                {"eval_batch", cfg.eval_batch},
                {"epochs", cfg.epochs},
                {"seed", cfg.seed},
                {"threads", cfg.threads},
                {"dataset", "fashion-mnist"},
                {"train_samples", use_train},
                {"test_samples", use_test},
                {"normalize", {{"mean", pixel_mean}, {"std", pixel_std}}},
                {"libtorch", TORCH_VERSION}};
    run = tracker::init(o);
    result.run_id = run.id();
    result.store_dir = run.store_dir();
  }
  std::atomic<std::int64_t> step{0};  // optimizer steps taken; every metric is logged at it
  std::optional<tracker::system_monitor> monitor;
  if (cfg.track) {
    tracker::system_monitor_options so;
    so.interval = std::chrono::milliseconds(cfg.system_interval_ms);
    so.step = [&step] { return step.load(std::memory_order_relaxed); };
    monitor.emplace(run, so);
  }
  tracker::torch::watcher watcher;
  if (cfg.track) {
    tracker::torch::watch_options wo;
    wo.every_n_steps = cfg.watch_every;
    watcher = tracker::torch::watch(run, model, wo);
  }
  tracker::torch::evaluator_options eo;
  eo.image = {{pixel_mean}, {pixel_std}};  // PNGs show the original pixels
  // The validation pass is the reference production traffic is compared with (tracker drift,
  // examples/serve_fashion): brightness, contrast, dark fraction and entropy of every image.
  eo.record_reference = cfg.track;
  tracker::torch::classification_evaluator evaluator(class_names(), eo);
  const tracker::key_handle loss_key = cfg.track ? run.key("train/loss") : tracker::key_handle();
  const tracker::key_handle acc_key = cfg.track ? run.key("train/acc") : tracker::key_handle();

  // Time spent inside tracker calls, for bench/torch's overhead figure. Not needed to track.
  double tracker_seconds = 0;
  auto timed = [&tracker_seconds](auto&& f) {
    const auto t0 = clock_type::now();
    f();
    tracker_seconds += seconds_since(t0);
  };

  progress_bar bar(cfg.progress);
  const std::int64_t train_batches = (use_train + cfg.batch - 1) / cfg.batch;
  for (int epoch = 1; epoch <= cfg.epochs; ++epoch) {
    epoch_timing timing;
    // ---- train ------------------------------------------------------------------------------
    const auto t_train = clock_type::now();
    model->train();
    tracker::metrics::epoch_average loss_avg, acc_avg;  // Lightning's on_epoch means
    std::int64_t batch_index = 0;
    for (auto& batch : *train_loader) {
      optimizer.zero_grad();
      ::torch::Tensor logits = model->forward(batch.data);
      ::torch::Tensor loss = ::torch::nn::functional::cross_entropy(logits, batch.target);
      loss.backward();
      optimizer.step();
      const std::int64_t s = step.fetch_add(1, std::memory_order_relaxed) + 1;

      const auto n = static_cast<double>(batch.target.size(0));
      const double loss_value = loss.item<double>();
      const double acc = static_cast<double>(logits.argmax(1).eq(batch.target).sum().item<std::int64_t>()) / n;
      loss_avg.add(loss_value, n);
      acc_avg.add(acc, n);
      if (cfg.track) {
        timed([&] {
          run.log(loss_key, loss_value, s);  // tracker: per step
          run.log(acc_key, acc, s);
          watcher.step(s);  // tracker: histograms every watch_every steps
        });
      }
      bar.update("train", epoch, cfg.epochs, ++batch_index, train_batches, loss_avg.mean(), acc_avg.mean());
    }
    bar.update("train", epoch, cfg.epochs, batch_index, train_batches, loss_avg.mean(), acc_avg.mean(), true);
    bar.end_line();
    const std::int64_t s = step.load();
    if (cfg.track) {  // tracker: per epoch
      run.log({{"train/loss_epoch", loss_avg.mean()}, {"train/acc_epoch", acc_avg.mean()}, {"epoch", static_cast<double>(epoch)}},
              s);
    }
    result.train_loss_last_epoch = loss_avg.mean();
    timing.train_seconds = seconds_since(t_train);

    // ---- evaluate ---------------------------------------------------------------------------
    const auto t_eval = clock_type::now();
    model->eval();
    {
      ::torch::NoGradGuard no_grad;
      double loss_sum = 0;
      std::int64_t correct = 0, seen = 0;
      for (auto& batch : *test_loader) {
        ::torch::Tensor logits = model->forward(batch.data);
        if (cfg.track) {
          timed([&] { evaluator.add(logits, batch.target, batch.data); });  // tracker: accumulate
        } else {  // what an untracked loop computes itself
          loss_sum += ::torch::nn::functional::cross_entropy(
                          logits, batch.target,
                          ::torch::nn::functional::CrossEntropyFuncOptions().reduction(::torch::kSum))
                          .item<double>();
          correct += logits.argmax(1).eq(batch.target).sum().item<std::int64_t>();
        }
        seen += batch.target.size(0);
        bar.update("val", epoch, cfg.epochs, seen, use_test, 0, 0);
      }
      if (cfg.track) {
        timed([&] { evaluator.log_to(run, "val", s); });  // tracker: scalars, confusion, table
        result.val_accuracy = evaluator.report().accuracy;
        result.val_loss = evaluator.mean_loss();
        evaluator.reset();
      } else {
        result.val_accuracy = seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0;
        result.val_loss = seen ? loss_sum / static_cast<double>(seen) : 0;
      }
    }
    timing.eval_seconds = seconds_since(t_eval);
    if (cfg.progress) {
      std::fprintf(stderr, "\rval   epoch %d/%d  accuracy %.4f  loss %.4f  (train %.1fs, val %.1fs)%*s\n", epoch,
                   cfg.epochs, result.val_accuracy, result.val_loss, timing.train_seconds, timing.eval_seconds,
                   30, "");
    }
    result.epochs.push_back(timing);
  }
  result.steps = step.load();
  result.tracker_seconds = tracker_seconds;

  // ---- the model, next to the run -----------------------------------------------------------
  if (cfg.track && cfg.save_model) {
    // Serialized in memory and handed to the store's media (log_media): the store decides where
    // the bytes live, and gc removes them with the run.
    std::ostringstream serialized;
    ::torch::save(model, serialized);
    const std::string text = serialized.str();
    const std::string key = run.log_media("model.pt", std::vector<std::uint8_t>(text.begin(), text.end()));
    if (key.empty()) throw std::runtime_error("could not store the model (see the error above)");
    result.model_path = key;
    // tracker: an object that says where the model is and how to feed it.
    run.log_object("model", "artifact",
                   {{"version", 1},
                    {"path", key},
                    {"format", "torch::save of fashion_mnist::net (examples/fashion_mnist/model.hpp)"},
                    {"bytes", static_cast<std::int64_t>(text.size())},
                    {"input_shape", {1, 28, 28}},
                    {"normalize", {{"mean", pixel_mean}, {"std", pixel_std}}},
                    {"labels", class_names()}},
                   result.steps);
  }
  if (monitor) monitor->stop();
  if (cfg.track) run.finish();
  result.total_seconds = seconds_since(t_start);
  return result;
}

}  // namespace fashion_mnist
