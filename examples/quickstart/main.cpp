// quickstart — a synthetic training run logged through the core API, then its summary.
//
//   quickstart [--store DIR] [--steps N]
//
// The loss decays and the accuracy rises with noise, like a real classifier would; the point
// is the logging path, not the model. examples/fashion_mnist trains a real one.
#include <tracker/tracker.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

int main(int argc, char** argv) {
  tracker::options opts;
  opts.project = "quickstart";
  opts.config = {{"lr", 1e-3}, {"batch", 64}, {"model", {{"kind", "mlp"}, {"hidden", 128}}}};
  opts.tags = {"synthetic"};
  int steps = 1000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--store")) opts.store = argv[i + 1];
    else if (!std::strcmp(argv[i], "--steps")) steps = std::stoi(argv[i + 1]);
  }

  tracker::run run = tracker::init(opts);
  std::printf("run %s (%s) in %s\n", run.id().c_str(), run.name().c_str(), run.store_dir().c_str());
  std::mt19937 rng(42);
  std::normal_distribution<double> noise(0.0, 0.02);
  for (int step = 0; step < steps; ++step) {
    double progress = static_cast<double>(step) / steps;
    double loss = 2.3 * std::exp(-4.0 * progress) + 0.25 + noise(rng);
    double acc = 0.9 - 0.8 * std::exp(-5.0 * progress) + noise(rng) / 2;
    run.log({{"train/loss", loss}, {"train/acc", acc}}, step);
    if (step % 100 == 99) run.log({{"val/loss", loss + 0.05}, {"val/accuracy", acc - 0.02}}, step);
  }
  run.finish();

  std::printf("\n%-16s %10s %10s %10s %10s %8s\n", "metric", "last", "min", "max", "best", "count");
  for (const auto& m : run.summary()) {
    auto show = [](std::optional<double> v) { return v ? *v : std::nan(""); };
    std::printf("%-16s %10.4f %10.4f %10.4f %10.4f %8lld\n", m.key.c_str(), m.last, show(m.min), show(m.max),
                show(m.best()), static_cast<long long>(m.count));
  }
  return 0;
}
