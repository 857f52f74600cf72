// main.cpp — bench_core: the core's speed, measured next to its physical limit, in one run.
//   bench_core [--quick] [--json FILE] [--dir DIR] [--keep]
// Runs (c)'s single-threaded trial first, then (a), (b)+(c) and (d) in one scratch directory, and
// prints the report (and the JSON with --json). Method and the latest results: docs/performance.md.
#include "bench_core.hpp"

#include <tracker/tracker.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <fstream>
#include <stdexcept>
#include <string>

namespace {

// Logging-path problems arrive here instead of stderr; a clean benchmark reports none.
std::atomic<std::uint64_t> g_logging_errors{0};

}  // namespace

// Why ratios in one run: this machine has 2 cores shared with other builds, and absolute rates
// drift by tens of percent between runs. Each figure is measured next to its baseline, in the
// same process, trials interleaved (raw, tracker, raw, tracker, ...), and reported both as a
// rate and as a ratio. It is a program, not a test: a MISS is information, not a failure, so
// the exit code is 0 unless the benchmark itself could not run (1) or was misused (2).
int main(int argc, char** argv) {
  using namespace bench;
  settings cfg = parse_args(argc, argv);
  auto machine = machine_info();
  std::string load_start = load_average();
  auto started = clk::now();
  std::time_t started_at = std::time(nullptr);

  tracker::set_error_handler([](const std::string& message) {
    if (g_logging_errors.fetch_add(1) < 5) std::fprintf(stderr, "bench_core: tracker reported: %s\n", message.c_str());
  });

  fs::path scratch;
  try {
    std::string templ = (fs::path(cfg.scratch_parent) / "tracker-bench-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("cannot create a scratch directory in " + cfg.scratch_parent);
    scratch = templ;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_core: %s\n", e.what());
    return 1;
  }

  results res;
  int rc = 0;
  try {
    auto single = bench_single_threaded_raw(cfg, scratch);
    bench_caller_cost(cfg, scratch, res);
    bench_sustained(cfg, scratch, single, res);
    bench_reads(cfg, scratch, res);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_core: the benchmark could not run to the end: %s\n", e.what());
    rc = 1;
  }
  if (g_logging_errors.load() > 0)
    res.note("WARNING: the tracker reported " + std::to_string(g_logging_errors.load()) + " logging-path problems");

  double total_s = seconds(clk::now() - started);
  std::string load_end = load_average();
  print_report(cfg, machine, load_start, load_end, total_s, res);

  if (!cfg.json_path.empty()) {
    std::ofstream out(cfg.json_path);
    out << to_json(cfg, started_at, machine, load_start, load_end, total_s, res).dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "bench_core: cannot write %s\n", cfg.json_path.c_str());
      rc = 1;
    } else {
      std::printf("json: %s\n", cfg.json_path.c_str());
    }
  }
  if (cfg.keep)
    std::printf("scratch stores kept in %s\n", scratch.c_str());
  else
    remove_quietly(scratch);
  return rc;
}
