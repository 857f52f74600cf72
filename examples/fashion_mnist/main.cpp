// main.cpp — command line of the Fashion-MNIST example. No LibTorch here (see train.cpp).
//
//   fashion_mnist [--epochs N] [--lr X] [--batch N] [--seed N] [--threads N]
//                 [--limit-train N] [--limit-test N] [--store DIR] [--project P] [--name NAME]
//                 [--data DIR] [--watch-every N] [--system-interval-ms N] [--no-progress]
//
// Trains, logs a run, saves the model next to it and prints `tracker summary <id>` (the CLI's
// own code, called as a library).
#include "args.hpp"
#include "fashion_mnist.hpp"

#include <cli.hpp>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

const char* usage =
    "usage: fashion_mnist [options]\n"
    "  --epochs N             training epochs (default 2)\n"
    "  --lr X                 Adam learning rate (default 0.001)\n"
    "  --batch N              training batch size (default 64)\n"
    "  --seed N               torch::manual_seed (default 42)\n"
    "  --threads N            torch::set_num_threads (default 1: fastest at batch 64 on 2 vCPUs)\n"
    "  --limit-train N        train on the first N of the 60,000 training images\n"
    "  --limit-test N         evaluate on the first N of the 10,000 test images\n"
    "  --store DIR            tracker store (default $TRACKER_DIR, else ./tracker-store)\n"
    "  --project P            run project (default fashion-mnist)\n"
    "  --name NAME            run name (default: generated)\n"
    "  --data DIR             directory with the *-ubyte.gz files\n"
    "                         (default /usr/share/datasets/fashion-mnist)\n"
    "  --watch-every N        weight/gradient histograms every N steps (default 100)\n"
    "  --system-interval-ms N system metrics period (default 10000)\n"
    "  --no-progress          no progress bar on stderr\n";


}  // namespace

using fashion_mnist::parse_number;

int main(int argc, char** argv) {
  fashion_mnist::train_config cfg;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (a == "--no-progress") {
      cfg.progress = false;
      continue;
    }
    if (i + 1 >= args.size()) {
      std::fprintf(stderr, "fashion_mnist: %.*s needs a value (or is unknown)\n%s", static_cast<int>(a.size()),
                   a.data(), usage);
      return 2;
    }
    const std::string_view v = args[++i];
    bool ok = true;
    if (a == "--epochs") ok = parse_number(v, cfg.epochs) && cfg.epochs >= 0;
    else if (a == "--lr") ok = parse_number(v, cfg.lr) && cfg.lr > 0;
    else if (a == "--batch") ok = parse_number(v, cfg.batch) && cfg.batch > 0;
    else if (a == "--seed") ok = parse_number(v, cfg.seed);
    else if (a == "--threads") ok = parse_number(v, cfg.threads) && cfg.threads > 0;
    else if (a == "--limit-train") ok = parse_number(v, cfg.limit_train) && cfg.limit_train >= 0;
    else if (a == "--limit-test") ok = parse_number(v, cfg.limit_test) && cfg.limit_test >= 0;
    else if (a == "--watch-every") ok = parse_number(v, cfg.watch_every) && cfg.watch_every > 0;
    else if (a == "--system-interval-ms") ok = parse_number(v, cfg.system_interval_ms) && cfg.system_interval_ms > 0;
    else if (a == "--store") cfg.store = v;
    else if (a == "--project") cfg.project = v;
    else if (a == "--name") cfg.name = v;
    else if (a == "--data") cfg.data_dir = v;
    else {
      std::fprintf(stderr, "fashion_mnist: unknown option %.*s\n%s", static_cast<int>(a.size()), a.data(), usage);
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "fashion_mnist: bad value '%.*s' for %.*s\n", static_cast<int>(v.size()), v.data(),
                   static_cast<int>(a.size()), a.data());
      return 2;
    }
  }

  fashion_mnist::tune_allocator();  // 4x faster validation pass; see fashion_mnist.hpp
  fashion_mnist::train_result r;
  try {
    r = fashion_mnist::train(cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
    return 1;
  }
  std::printf("run %s: val/accuracy %.4f, val/loss %.4f after %lld steps in %.1f s\nmodel: %s in store %s\n\n",
              r.run_id.c_str(), r.val_accuracy, r.val_loss, static_cast<long long>(r.steps), r.total_seconds,
              r.model_path.c_str(), r.store_dir.c_str());
  std::fflush(stdout);

  // `tracker summary <id> --store <dir> --format markdown`, through the CLI's own code.
  std::vector<std::string> cli_args = {"tracker", "summary", r.run_id, "--store", r.store_dir, "--format", "markdown"};
  std::vector<char*> cli_argv;
  for (std::string& s : cli_args) cli_argv.push_back(s.data());
  cli_argv.push_back(nullptr);
  return tracker::cli::run_cli(static_cast<int>(cli_args.size()), cli_argv.data(), std::cout, std::cerr);
}
