// bench_significance.cpp — `tracker compare --significance` at scale: 1,000,000 paired
// validation samples of 10 classes, McNemar plus a 10,000-resample paired bootstrap of
// accuracy, macro F1 and 10 per-class F1 differences. Target: <= 1 s. Also the cost of
// encoding/decoding the per-sample predictions object. Results: docs/performance.md.
//
//   build/bin/bench_significance [--samples N] [--resamples R] [--reps K]
#include "machine_info.hpp"

#include <tracker/metrics.hpp>
#include <tracker/significance.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <time.h>

namespace {

using clk = std::chrono::steady_clock;
namespace sig = tracker::significance;
namespace metrics = tracker::metrics;

double seconds_since(clk::time_point t0) {
  return std::chrono::duration<double>(clk::now() - t0).count();
}

// CPU time of this thread: on a shared machine it moves much less than wall-clock time.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t samples = 1'000'000, resamples = 10'000;
  int reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--samples"))
      samples = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--resamples"))
      resamples = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--reps"))
      reps = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: bench_significance [--samples N] [--resamples R] [--reps K]\n");
      return 2;
    }
  }
  std::string load;
  {
    std::ifstream in("/proc/loadavg");
    std::getline(in, load);
  }
  std::printf("bench_significance: %s, %s logical CPUs, load average %s\n",
              tracker_bench::proc_field("/proc/cpuinfo", "model name").c_str(),
              tracker_bench::proc_field("/proc/cpuinfo", "siblings").c_str(), load.c_str());

  // Two classifiers of ~89 % accuracy whose errors overlap like two training runs of one model:
  // A wrong on 11.2 %, B wrong on 10.8 %, both wrong on ~8 %; a wrong guess is a random class.
  const std::size_t k = 10;
  std::vector<std::string> labels;
  for (std::size_t c = 0; c < k; ++c) labels.push_back("class" + std::to_string(c));
  std::mt19937_64 gen(2024);
  std::uniform_int_distribution<int> cls(0, static_cast<int>(k) - 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::uint16_t> truth(samples), a(samples), b(samples);
  for (std::size_t i = 0; i < samples; ++i) {
    const auto t = static_cast<std::uint16_t>(cls(gen));
    const double x = u(gen);
    const bool wrong_a = x < 0.112, wrong_b = x < 0.08 || (x >= 0.112 && x < 0.14);
    truth[i] = t;
    a[i] = wrong_a ? static_cast<std::uint16_t>(cls(gen)) : t;
    b[i] = wrong_b ? static_cast<std::uint16_t>(cls(gen)) : t;
  }

  std::vector<double> t_full, t_single, cpu_single, t_mcnemar;
  sig::comparison last;
  for (int r = 0; r < reps; ++r) {
    auto t0 = clk::now();
    last = sig::compare_paired(truth, a, b, labels,
                               {.resamples = resamples, .seed = static_cast<std::uint64_t>(r)});
    t_full.push_back(seconds_since(t0));
    t0 = clk::now();
    const double c0 = thread_cpu_seconds();
    sig::compare_paired(
        truth, a, b, labels,
        {.resamples = resamples, .seed = static_cast<std::uint64_t>(r), .threads = 1});
    cpu_single.push_back(thread_cpu_seconds() - c0);
    t_single.push_back(seconds_since(t0));
    t0 = clk::now();
    sig::compare_paired(truth, a, b, labels, {.resamples = 0});
    t_mcnemar.push_back(seconds_since(t0));
  }
  const sig::metric_difference& acc = *last.find("accuracy");
  std::printf(
      "%zu paired samples, %zu classes: accuracy A %.4f B %.4f, diff %+.5f, McNemar p %.3g, 95%% "
      "CI [%.5f, %.5f]\n",
      samples, k, acc.a, acc.b, acc.diff, *acc.p_value, acc.ci95->lo, acc.ci95->hi);
  std::printf(
      "%-58s median %.3f s (min %.3f, max %.3f, %d reps)\n",
      ("McNemar + bootstrap (" + std::to_string(resamples) + " resamples, 12 metrics)").c_str(),
      median(t_full), *std::min_element(t_full.begin(), t_full.end()),
      *std::max_element(t_full.begin(), t_full.end()), reps);
  std::printf("%-58s median %.3f s (CPU time %.3f s)\n", "the same on one thread", median(t_single),
              median(cpu_single));
  std::printf("%-58s median %.3f s\n", "counting + McNemar + point values only (no bootstrap)",
              median(t_mcnemar));
  std::printf("target <= 1 s for McNemar + 10,000 resamples: %s\n",
              resamples == 10'000 && samples >= 1'000'000
                  ? (median(t_full) <= 1.0 ? "PASS" : "MISS")
                  : "n/a");

  // The stored object for the same data.
  metrics::predictions p(labels);
  for (std::size_t i = 0; i < samples; ++i)
    p.add(truth[i], a[i], 0.1 + 0.001 * static_cast<double>(i % 1000));
  auto t0 = clk::now();
  const std::string body = p.to_json().dump();
  const double t_encode = seconds_since(t0);
  t0 = clk::now();
  const metrics::predictions back = metrics::predictions::from_json(nlohmann::json::parse(body));
  const double t_decode = seconds_since(t0);
  std::printf(
      "predictions object: %zu bytes (%.2f bytes/sample), encode %.3f s, parse+decode %.3f s\n",
      body.size(), static_cast<double>(body.size()) / static_cast<double>(samples), t_encode,
      t_decode);
  return back.size() == samples ? 0 : 1;
}
