// fashion_mnist.hpp — the Fashion-MNIST example as a library: one call trains and logs a run.
//
// No LibTorch here: main.cpp and bench/torch link the trainer without compiling LibTorch
// headers; train.cpp is the example's only translation unit that includes <torch/torch.h>.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fashion_mnist {

inline const std::vector<std::string>& class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                 "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

struct train_config {
  std::string data_dir = "/usr/share/datasets/fashion-mnist";  // the four *-ubyte.gz files
  std::string store;    // empty: the tracker default ($TRACKER_DIR, else ./tracker-store)
  std::string project = "fashion-mnist";
  std::string name;     // run name; empty: a generated one
  int epochs = 2;
  std::int64_t batch = 64;
  std::int64_t eval_batch = 256;  // bigger evaluation batches are slower on the CPU
  double lr = 1e-3;
  std::uint64_t seed = 42;
  int threads = 1;      // torch::set_num_threads; 1 is fastest at batch 64 on 2 vCPUs
  std::int64_t limit_train = 0;  // use only the first N training samples (0: all 60,000)
  std::int64_t limit_test = 0;   // evaluate on the first N test samples (0: all 10,000)
  bool progress = true;          // progress bar on stderr
  bool track = true;             // false: the same training with no tracker at all (bench)
  int watch_every = 100;         // weight/gradient histograms every N steps
  int system_interval_ms = 10000;
  bool save_model = true;
};

struct epoch_timing {
  double train_seconds = 0;  // the training loop of the epoch, logging included
  double eval_seconds = 0;   // the evaluation pass, log_to included
};

struct train_result {
  std::string run_id;     // empty when track == false
  std::string store_dir;
  std::string model_path;  // the model's media key in the store ("media/<run id>/model.pt"); empty when not saved
  double val_accuracy = 0;
  double val_loss = 0;
  double train_loss_last_epoch = 0;
  std::int64_t steps = 0;
  std::vector<epoch_timing> epochs;
  double tracker_seconds = 0;  // inside tracker calls during the epochs (log, watch, evaluator)
  double load_seconds = 0;  // gunzip + dataset parsing
  double total_seconds = 0;
};

// Keeps LibTorch's large CPU buffers in the heap instead of fresh mmap()s (glibc mallopt).
// glibc serves a block above its mmap threshold (128 KiB, adapting only to blocks freed below
// 32 MiB) with its own mmap() and unmaps it on free, so each batch page-faults its multi-MB
// convolution buffers in again: measured, the 10,000-image validation pass took 4 s instead of
// 1 s. A fixed 64 MiB mmap threshold and 256 MiB trim threshold let freed buffers be reused.
// A process-wide setting, so the program's main() calls it, not train().
void tune_allocator() noexcept;

// Trains, evaluates every epoch, logs everything to a run (unless track is false), saves the
// model into the store's media as media/<run id>/model.pt and finishes the run. Throws std::exception on bad
// data or a failed setup (the run, if any, is marked failed).
train_result train(const train_config& config);

}  // namespace fashion_mnist
