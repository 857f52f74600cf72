// common.cpp — what every bench_core measurement shares: the command line, statistics
// (nearest-rank percentiles), the machine and its conditions (CPU, kernel, SQLite, load average),
// and the results table, printed as text and written as JSON (schema_version 1, stable row ids).
#include "bench_core.hpp"

#include "../machine_info.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <system_error>
#include <thread>

namespace bench {

namespace {

[[noreturn]] void usage(const char* why) {
  if (why) std::fprintf(stderr, "bench_core: %s\n", why);
  std::fprintf(stderr,
               "usage: bench_core [--quick] [--json FILE] [--dir DIR] [--keep]\n"
               "  --quick      a smoke run of a few seconds (smaller N; the report says which)\n"
               "  --json FILE  also write the results as JSON to FILE\n"
               "  --dir DIR    where to create the scratch stores (default $TMPDIR or /tmp)\n"
               "  --keep       keep the scratch stores instead of deleting them\n");
  std::exit(2);
}

const char* verdict_text(verdict v) {
  switch (v) {
    case verdict::pass: return "PASS";
    case verdict::miss: return "MISS";
    case verdict::info: return "";
  }
  return "";
}

const char* section_title(const std::string& s) {
  if (s == "a") return "(a) caller-side cost of log(), per scalar";
  if (s == "b") return "(b) sustained rate through the tracker into the store";
  if (s == "c") return "(c) the physical limit on this machine, same N";
  if (s == "d") return "(d) reading one series back";
  return "";
}

}  // namespace

// =============================================================================================
// [SECTION] command line, clock, statistics
// =============================================================================================

settings parse_args(int argc, char** argv) {
  settings s;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage((a + " needs a value").c_str());
      return argv[++i];
    };
    if (a == "--quick")
      s.quick = true;
    else if (a == "--keep")
      s.keep = true;
    else if (a == "--json")
      s.json_path = value();
    else if (a == "--dir")
      s.scratch_parent = value();
    else if (a == "--help" || a == "-h")
      usage(nullptr);
    else
      usage(("unknown argument " + a).c_str());
  }
  if (s.quick) {
    s.cost_batches = 3000;
    s.sustained_n = 200'000;
    s.trials = 2;
    s.small_n = 200'000;
    s.big_n = 1'000'000;
    s.point_reads = 3;
    s.bucket_reads = 11;
  }
  if (s.scratch_parent.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    s.scratch_parent = tmp && *tmp ? tmp : "/tmp";
  }
  return s;
}

// Nearest-rank percentiles.
distribution summarize(std::vector<double> v) {
  distribution d;
  if (v.empty()) return d;
  std::sort(v.begin(), v.end());
  auto rank = [&](double q) {
    auto k = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, k == 0 ? 0 : k - 1)];
  };
  d.n = v.size();
  d.median = rank(0.5);
  d.p99 = rank(0.99);
  d.min = v.front();
  d.max = v.back();
  return d;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Thousands separators for counts: 10,000,000.
std::string count_text(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void progress(const std::string& what) {
  std::fprintf(stderr, "bench_core: %s\n", what.c_str());
  std::fflush(stderr);
}

// =============================================================================================
// [SECTION] the machine and its conditions
// =============================================================================================

using tracker_bench::proc_field;

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  double a = 0, b = 0, c = 0;
  in >> a >> b >> c;
  return fixed(a, 2) + " " + fixed(b, 2) + " " + fixed(c, 2);
}

nlohmann::ordered_json machine_info() {
  nlohmann::ordered_json m;
  m["cpu_model"] = proc_field("/proc/cpuinfo", "model name");
  m["nproc"] = static_cast<long>(sysconf(_SC_NPROCESSORS_ONLN));
  m["hardware_concurrency"] = std::thread::hardware_concurrency();
  m["mem_total"] = proc_field("/proc/meminfo", "MemTotal");
  utsname u{};
  if (uname(&u) == 0) m["kernel"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  m["sqlite_version"] = sqlite3_libversion();
#if defined(__clang__)
  m["compiler"] = "clang " __clang_version__;
#elif defined(__GNUC__)
  m["compiler"] = "gcc " __VERSION__;
#endif
#ifdef NDEBUG
  m["build"] = "optimized (NDEBUG)";
#else
  m["build"] = "debug (NDEBUG not defined): numbers are not representative";
#endif
  return m;
}

// =============================================================================================
// [SECTION] results: rows, targets, text and JSON
// =============================================================================================

void print_report(const settings& cfg, const nlohmann::ordered_json& machine, const std::string& load_start,
                  const std::string& load_end, double total_s, const results& res) {
  std::printf("\ntracker bench_core — %s mode\n", cfg.quick ? "QUICK (smoke: smaller N, not for the record)" : "full");
  std::printf("machine   : %s, nproc %s, %s\n", machine["cpu_model"].get<std::string>().c_str(),
              machine["nproc"].dump().c_str(), machine.value("kernel", std::string("?")).c_str());
  std::printf("software  : SQLite %s, %s, %s\n", machine["sqlite_version"].get<std::string>().c_str(),
              machine.value("compiler", std::string("?")).c_str(), machine["build"].get<std::string>().c_str());
  std::printf("conditions: load average %s at start, %s at end; whole run %.1f s\n", load_start.c_str(),
              load_end.c_str(), total_s);

  std::string section;
  for (const row& r : res.rows()) {
    if (r.section != section) {
      section = r.section;
      std::printf("\n%s\n", section_title(section));
    }
    std::string value = fixed(r.value, r.decimals) + " " + r.unit;
    std::printf("  %-58s %16s  %-16s %s\n", r.label.c_str(), value.c_str(), r.target.c_str(), verdict_text(r.result));
    if (!r.note.empty()) std::printf("  %-58s   (%s)\n", "", r.note.c_str());
  }
  int pass = 0, miss = 0;
  for (const row& r : res.rows()) {
    pass += r.result == verdict::pass;
    miss += r.result == verdict::miss;
  }
  std::printf("\ntargets: %d PASS, %d MISS", pass, miss);
  for (const row& r : res.rows())
    if (r.result == verdict::miss)
      std::printf("\n  MISS %s: %s %s, target %s", r.id.c_str(), fixed(r.value, r.decimals).c_str(), r.unit.c_str(),
                  r.target.c_str());
  std::printf("\n");
  if (!res.notes().empty()) {
    std::printf("\nnotes:\n");
    for (const auto& n : res.notes()) std::printf("  - %s\n", n.c_str());
  }
  std::fflush(stdout);
}

nlohmann::ordered_json to_json(const settings& cfg, std::time_t started_at, const nlohmann::ordered_json& machine,
                               const std::string& load_start, const std::string& load_end, double total_s,
                               const results& res) {
  nlohmann::ordered_json j;
  j["schema_version"] = 1;
  j["benchmark"] = "bench_core";
  j["mode"] = cfg.quick ? "quick" : "full";
  j["started_at_unix"] = started_at;
  j["machine"] = machine;
  j["conditions"] = {{"load_average_start", load_start}, {"load_average_end", load_end}, {"total_seconds", total_s}};
  j["parameters"] = {{"calls_per_batch", cfg.calls_per_batch}, {"cost_batches_per_variant", cfg.cost_batches},
                     {"cost_queue_capacity", cfg.cost_queue},  {"sustained_points", cfg.sustained_n},
                     {"sustained_trials", cfg.trials},         {"read_small_series_points", cfg.small_n},
                     {"read_big_series_points", cfg.big_n},    {"max_buckets", cfg.max_buckets}};
  auto& rows = j["results"] = nlohmann::ordered_json::array();
  for (const row& r : res.rows()) {
    nlohmann::ordered_json o;
    o["section"] = r.section;
    o["id"] = r.id;
    o["label"] = r.label;
    o["value"] = r.value;
    o["unit"] = r.unit;
    if (!r.target.empty()) {
      o["target"] = r.target;
      o["pass"] = r.result == verdict::pass;
    }
    if (!r.note.empty()) o["note"] = r.note;
    rows.push_back(o);
  }
  j["notes"] = res.notes();
  return j;
}

tracker::options bench_options(const std::string& store) {
  tracker::options o;
  o.project = "bench";
  o.store = store;
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

}  // namespace bench
