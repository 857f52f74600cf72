// bench_core.hpp — what the files of bench_core share, in namespace bench: settings, clock and
// statistics helpers, the machine's conditions, the results table (rows, targets, text, JSON) and
// the four measurements main() runs. bench_core measures the core's speed next to its physical
// limit in one run; method and the latest results: docs/performance.md.
#pragma once

#include <tracker/tracker.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench {

namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;

// =============================================================================================
// command line, clock, statistics (common.cpp)
// =============================================================================================

struct settings {
  bool quick = false;
  bool keep = false;
  std::string json_path;
  std::string scratch_parent;

  // (a) caller cost
  int calls_per_batch = 64;
  int cost_batches = 20000;     // per variant
  int cost_flush_every = 4096;  // batches; the flush happens outside the timed region
  std::size_t cost_queue = 1u << 22;
  // (b)+(c) sustained
  std::int64_t sustained_n = 2'000'000;
  int trials = 3;
  // (d) reads
  std::int64_t small_n = 1'000'000;
  std::int64_t big_n = 10'000'000;
  int point_reads = 5;
  int bucket_reads = 21;
  std::size_t max_buckets = 2000;
};

// Exits with 2 and the usage text on a bad command line.
settings parse_args(int argc, char** argv);

// Inline: they are used in and around the timed loops.
inline double seconds(clk::duration d) { return std::chrono::duration<double>(d).count(); }
inline double nanos(clk::duration d) { return std::chrono::duration<double, std::nano>(d).count(); }

// A cheap, varying value: the compiler cannot fold it and SQLite stores it as a real.
inline double value_at(std::int64_t i) noexcept { return 0.5 + 1e-3 * static_cast<double>(i & 1023); }

struct distribution {
  std::size_t n = 0;
  double median = 0, p99 = 0, min = 0, max = 0;
};

// Nearest-rank percentiles.
distribution summarize(std::vector<double> v);

std::string fixed(double v, int decimals);

// Thousands separators for counts: 10,000,000.
std::string count_text(std::int64_t n);

// One line on stderr: what is running now.
void progress(const std::string& what);

// =============================================================================================
// the machine and its conditions (common.cpp)
// =============================================================================================

// "/proc/loadavg"'s three averages, 2 decimals.
std::string load_average();

// CPU model, nproc, memory, kernel, SQLite and compiler versions, build type.
nlohmann::ordered_json machine_info();

// =============================================================================================
// results: rows, targets, text and JSON (common.cpp)
// =============================================================================================

enum class verdict : std::uint8_t { info, pass, miss };

struct row {
  std::string section;  // "a" .. "d"
  std::string id;       // stable JSON key
  std::string label;
  double value = 0;
  std::string unit;
  int decimals = 1;
  std::string target;  // "<= 30 ns", empty when the row is informational
  verdict result = verdict::info;
  std::string note;
};

class results {
 public:
  row& add(std::string section, std::string id, std::string label, double value, std::string unit, int decimals) {
    rows_.push_back(row{std::move(section), std::move(id), std::move(label), value, std::move(unit), decimals, "",
                        verdict::info, ""});
    return rows_.back();
  }
  // A row with a target: at most (or at least) limit.
  row& add_target(std::string section, std::string id, std::string label, double value, std::string unit, int decimals,
                  bool at_most, double limit) {
    row& r = add(std::move(section), std::move(id), std::move(label), value, unit, decimals);
    r.target =
        std::string(at_most ? "<= " : ">= ") + fixed(limit, limit < 10 ? 1 : 0) + (unit.empty() ? "" : " " + unit);
    bool ok = at_most ? value <= limit : value >= limit;
    r.result = ok ? verdict::pass : verdict::miss;
    return r;
  }
  void note(const std::string& text) { notes_.push_back(text); }

  // In section order (a..d), measurement order within a section.
  std::vector<row> rows() const {
    std::vector<row> out = rows_;
    std::stable_sort(out.begin(), out.end(), [](const row& x, const row& y) { return x.section < y.section; });
    return out;
  }
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  std::vector<row> rows_;
  std::vector<std::string> notes_;
};

void print_report(const settings& cfg, const nlohmann::ordered_json& machine, const std::string& load_start,
                  const std::string& load_end, double total_s, const results& res);

nlohmann::ordered_json to_json(const settings& cfg, std::time_t started_at, const nlohmann::ordered_json& machine,
                               const std::string& load_start, const std::string& load_end, double total_s,
                               const results& res);

// =============================================================================================
// shared by the measurements
// =============================================================================================

// Options of every tracker run the benchmark makes: project "bench", no git capture, no signal
// handlers. (common.cpp)
tracker::options bench_options(const std::string& store);

// fs::remove_all, ignoring errors. (common.cpp)
void remove_quietly(const fs::path& p);

// Throws on an SQLite error code. Inline: raw SQLite trials call it once per inserted row.
inline void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("raw sqlite: ") + what + ": " + sqlite3_errmsg(db));
}

// =============================================================================================
// the measurements, in the order main() runs them
// =============================================================================================

// What bench_single_threaded_raw measured; bench_sustained reports it in (c).
struct single_threaded_raw {
  double points_per_s = 0;
  int threads = -1;  // threads of the process while it ran (1 expected)
};

// (c), sustained.cpp: one raw SQLite trial; main() runs it before any other thread exists.
single_threaded_raw bench_single_threaded_raw(const settings& cfg, const fs::path& scratch);

// (a), caller_cost.cpp: caller-side cost of log().
void bench_caller_cost(const settings& cfg, const fs::path& scratch, results& res);

// (b)+(c), sustained.cpp: the tracker vs raw SQLite and raw file append, trials interleaved.
void bench_sustained(const settings& cfg, const fs::path& scratch, const single_threaded_raw& single, results& res);

// (d), reads.cpp: one series read raw and as buckets (also a (b) row: building the big series).
void bench_reads(const settings& cfg, const fs::path& scratch, results& res);

}  // namespace bench
