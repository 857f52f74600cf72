// bench_torch_overhead — what tracking costs a LibTorch training run.
//
//   bench_torch_overhead [--reps N] [--limit-train N] [--threads N] [--watch-every N] [--skip-epochs]
//
// 1. One epoch of the Fashion-MNIST example (examples/fashion_mnist, the same code users run),
//    with and without tracking, same seed (so the same initial weights and batch order), in one
//    process, alternating the order each repetition. Reported: median epoch time (train loop +
//    validation pass over the 10,000 test images) per mode, the overhead (target <= 2 %), and
//    the time measured inside the tracker calls themselves (noise-free: the top-down difference
//    on a shared 2-vCPU machine is noisier than the effect).
// 2. Metrics for 10,000 predictions over 10 classes: tracker::metrics alone (confusion matrix
//    from integer labels + the full report), the LibTorch evaluator (tensors -> confusion
//    matrix, per-sample losses, top-64 losses with images), and log_to into a store (64 PNGs).
//
// Compile cost: no <torch/torch.h>; only ATen's Tensor and three per-operator headers.
#define TORCH_ASSERT_ONLY_METHOD_OPERATORS
#include "../machine_info.hpp"
#include <ATen/Parallel.h>
#include <ATen/core/Tensor.h>
#include <ATen/ops/rand.h>
#include <ATen/ops/randint.h>
#include <ATen/ops/randn.h>

#include <fashion_mnist.hpp>
#include <tracker/metrics.hpp>
#include <tracker/torch.hpp>
#include <tracker/tracker.hpp>

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// CPU time of the whole process (all threads: the training thread, the tracker's writer thread
// and the system monitor), user + system, in seconds.
double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU time of the calling thread only (the training loop runs on it).
double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double minimum(const std::vector<double>& v) { return v.empty() ? 0 : *std::min_element(v.begin(), v.end()); }


void print_machine() {
  utsname u{};
  ::uname(&u);
  std::printf("machine: %s, %ld logical CPUs, %s RAM, Linux %s\n", tracker_bench::proc_field("/proc/cpuinfo", "model name", "?").c_str(),
              ::sysconf(_SC_NPROCESSORS_ONLN), tracker_bench::proc_field("/proc/meminfo", "MemTotal", "?").c_str(), u.release);
  std::printf("build: GCC %d.%d, %s, LibTorch threads %d\n\n", __GNUC__, __GNUC_MINOR__,
#ifdef NDEBUG
              "NDEBUG (Release)",
#else
              "assertions on (not Release)",
#endif
              at::get_num_threads());
}

// A temporary directory removed on destruction.
struct scratch {
  fs::path path;
  scratch() {
    std::string pattern = (fs::temp_directory_path() / "bench-torch-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    path = pattern;
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

template <class F>
std::vector<double> repeat(int n, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) {
    const auto t0 = clock_type::now();
    f();
    t.push_back(seconds_since(t0));
  }
  return t;
}

// ---- 1. epoch overhead -----------------------------------------------------------------------
void bench_epochs(int reps, std::int64_t limit_train, int threads, int watch_every) {
  scratch dir;
  fashion_mnist::train_config cfg;
  cfg.epochs = 1;
  cfg.progress = false;
  cfg.save_model = false;
  cfg.threads = threads;
  cfg.limit_train = limit_train;
  cfg.watch_every = watch_every;
  cfg.store = (dir.path / "store").string();
  cfg.project = "bench";

  std::vector<double> plain_train, plain_eval, plain_total, tracked_train, tracked_eval, tracked_total, inside;
  std::vector<double> plain_cpu, tracked_cpu;  // whole train() call: data loading (identical) included
  std::vector<double> plain_bg, tracked_bg;    // CPU of the other threads (writer, monitor, ...)
  double acc_plain = 0, acc_tracked = 0;
  for (int r = 0; r < reps; ++r) {
    for (int k = 0; k < 2; ++k) {
      const bool track = (r % 2 == 0) ? k == 1 : k == 0;  // alternate which mode goes first
      cfg.track = track;
      const double cpu0 = process_cpu_seconds(), main0 = thread_cpu_seconds();
      const fashion_mnist::train_result res = fashion_mnist::train(cfg);
      const double cpu = process_cpu_seconds() - cpu0;
      const double background = cpu - (thread_cpu_seconds() - main0);
      (track ? tracked_cpu : plain_cpu).push_back(cpu);
      (track ? tracked_bg : plain_bg).push_back(background);
      const fashion_mnist::epoch_timing& e = res.epochs.at(0);
      std::fprintf(stderr, "rep %d %-9s train %.2f s  val %.2f s  inside tracker %.3f s  cpu %.2f s  val/accuracy %.4f\n",
                   r + 1, track ? "tracked" : "untracked", e.train_seconds, e.eval_seconds, res.tracker_seconds, cpu,
                   res.val_accuracy);
      (track ? tracked_train : plain_train).push_back(e.train_seconds);
      (track ? tracked_eval : plain_eval).push_back(e.eval_seconds);
      (track ? tracked_total : plain_total).push_back(e.train_seconds + e.eval_seconds);
      if (track) inside.push_back(res.tracker_seconds);
      (track ? acc_tracked : acc_plain) = res.val_accuracy;
    }
  }
  const double p = median(plain_total), t = median(tracked_total);
  std::printf("## One epoch of examples/fashion_mnist (%lld training images, 10,000 validation images, %d thread%s, "
              "%d repetitions)\n\n",
              static_cast<long long>(limit_train > 0 ? limit_train : 60000), threads, threads == 1 ? "" : "s", reps);
  std::printf("| | untracked | tracked | difference |\n| --- | --- | --- | --- |\n");
  std::printf("| train loop, median | %.2f s | %.2f s | %+.2f %% |\n", median(plain_train), median(tracked_train),
              100 * (median(tracked_train) / median(plain_train) - 1));
  std::printf("| validation pass, median | %.2f s | %.2f s | %+.2f %% |\n", median(plain_eval), median(tracked_eval),
              100 * (median(tracked_eval) / median(plain_eval) - 1));
  std::printf("| epoch (train + validation), median | %.2f s | %.2f s | **%+.2f %%** |\n", p, t, 100 * (t / p - 1));
  std::printf("| epoch, fastest repetition | %.2f s | %.2f s | %+.2f %% |\n", minimum(plain_total),
              minimum(tracked_total), 100 * (minimum(tracked_total) / minimum(plain_total) - 1));
  std::printf("| time inside tracker calls, median | — | %.3f s | **%.2f %%** of the untracked epoch |\n",
              median(inside), 100 * median(inside) / p);
  std::printf("| process CPU time of the whole run (all threads, data loading included), median | %.2f s | %.2f s | "
              "%+.2f s (%+.2f %%) |\n",
              median(plain_cpu), median(tracked_cpu), median(tracked_cpu) - median(plain_cpu),
              100 * (median(tracked_cpu) / median(plain_cpu) - 1));
  std::printf("| CPU time of threads other than the training thread (tracker writer, system monitor), median | "
              "%.3f s | %.3f s | %+.3f s (%.2f %% of the untracked epoch) |\n",
              median(plain_bg), median(tracked_bg), median(tracked_bg) - median(plain_bg),
              100 * (median(tracked_bg) - median(plain_bg)) / p);
  std::printf("| val/accuracy (same seed) | %.4f | %.4f | |\n\n", acc_plain, acc_tracked);
}

// ---- 2. metrics for 10,000 predictions --------------------------------------------------------
void bench_metrics() {
  constexpr std::int64_t n = 10000, classes = 10;
  std::vector<std::string> labels;
  for (int c = 0; c < classes; ++c) labels.push_back("class " + std::to_string(c));

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<std::int64_t> pick(0, classes - 1);
  std::vector<std::int64_t> y_true(n), y_pred(n);
  for (std::int64_t i = 0; i < n; ++i) {
    y_true[static_cast<std::size_t>(i)] = pick(rng);
    // ~85 % correct, like the example
    y_pred[static_cast<std::size_t>(i)] = (rng() % 100 < 85) ? y_true[static_cast<std::size_t>(i)] : pick(rng);
  }
  double sink = 0;
  const auto core = repeat(200, [&] {
    tracker::metrics::confusion_matrix cm(labels);
    cm.add_all(y_true.data(), y_pred.data(), static_cast<std::size_t>(n));
    sink += tracker::metrics::compute_report(cm).macro.f1;
  });

  at::manual_seed(42);
  const at::Tensor logits = at::randn({n, classes});
  const at::Tensor targets = at::randint(0, classes, {n});
  const at::Tensor inputs = at::rand({n, 1, 28, 28});
  auto evaluate = [&](bool with_inputs) {
    tracker::torch::classification_evaluator eval(labels);
    for (std::int64_t b = 0; b < n; b += 256) {
      const std::int64_t e = std::min(n, b + 256);
      if (with_inputs)
        eval.add(logits.slice(0, b, e), targets.slice(0, b, e), inputs.slice(0, b, e));
      else
        eval.add(logits.slice(0, b, e), targets.slice(0, b, e));
    }
    sink += eval.report().accuracy;
    return eval;
  };
  const auto ev_plain = repeat(20, [&] { evaluate(false); });
  const auto ev_images = repeat(20, [&] { evaluate(true); });

  scratch dir;
  tracker::options o;
  o.store = (dir.path / "store").string();
  o.capture_git = false;
  tracker::run run = tracker::init(o);
  const tracker::torch::classification_evaluator full = evaluate(true);
  std::int64_t step = 0;
  const auto log = repeat(10, [&] {
    full.log_to(run, "val", step++);
    run.flush();
  });
  run.finish();

  std::printf("## Metrics for 10,000 predictions over 10 classes (median)\n\n");
  std::printf("| what | time |\n| --- | --- |\n");
  std::printf("| tracker::metrics: confusion matrix from 10,000 label pairs + full report | %.1f µs |\n",
              1e6 * median(core));
  std::printf("| tracker::torch evaluator: 40 batches of logits -> matrix, losses, top-64 losses (no images) | %.2f ms |\n",
              1e3 * median(ev_plain));
  std::printf("| same, keeping the 64 worst input images (28x28) | %.2f ms |\n", 1e3 * median(ev_images));
  std::printf("| log_to: 51 scalars + confusion object + table with 64 PNGs, committed (flush) | %.2f ms |\n\n",
              1e3 * median(log));
  if (sink == 42.4242) std::puts("");  // keep the computations
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3, threads = 1, watch_every = 100;
  std::int64_t limit_train = 0;
  bool epochs = true;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--limit-train" && i + 1 < argc) limit_train = std::atoll(argv[++i]);
    else if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--watch-every" && i + 1 < argc) watch_every = std::atoi(argv[++i]);
    else if (a == "--skip-epochs") epochs = false;
    else {
      std::fprintf(stderr, "usage: bench_torch_overhead [--reps N] [--limit-train N] [--threads N] [--watch-every N] "
                   "[--skip-epochs]\n");
      return 2;
    }
  }
  fashion_mnist::tune_allocator();  // as the example's main() does
  at::set_num_threads(threads);
  print_machine();
  bench_metrics();
  if (epochs) bench_epochs(reps, limit_train, threads, watch_every > 0 ? watch_every : 100);
  return 0;
}
