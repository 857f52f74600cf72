// bench_core.cpp — the core's speed, measured next to its physical limit, in one run.
//
//   bench_core [--quick] [--json FILE] [--dir DIR] [--keep]
//
// [SECTION] command line, clock, statistics
// [SECTION] the machine and its conditions
// [SECTION] results: rows, targets, text and JSON
// [SECTION] (a) caller-side cost of log()
// [SECTION] (b)+(c) sustained rate through the tracker vs raw SQLite and raw file append
// [SECTION] (d) reads: one series raw and as 2,000 buckets
// [SECTION] main
//
// Why ratios in one run: this machine has 2 cores shared with other builds, and absolute rates
// drift by tens of percent between runs. Each figure is measured next to its baseline, in the
// same process, trials interleaved (raw, tracker, raw, tracker, ...), and reported both as a
// rate and as a ratio. It is a program, not a test: a MISS is information, not a failure, so
// the exit code is 0 unless the benchmark itself could not run (1) or was misused (2).
// Method and the latest results: docs/performance.md.
#include "machine_info.hpp"
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using clk = std::chrono::steady_clock;

// =============================================================================================
// [SECTION] command line, clock, statistics
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

double seconds(clk::duration d) { return std::chrono::duration<double>(d).count(); }
double nanos(clk::duration d) { return std::chrono::duration<double, std::nano>(d).count(); }

// The same clock the tracker stamps points with, so the raw baselines do the same work.
double coarse_now() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A cheap, varying value: the compiler cannot fold it and SQLite stores it as a real.
double value_at(std::int64_t i) noexcept { return 0.5 + 1e-3 * static_cast<double>(i & 1023); }

struct distribution {
  std::size_t n = 0;
  double median = 0, p99 = 0, min = 0, max = 0;
};

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

// Logging-path problems arrive here instead of stderr; a clean benchmark reports none.
std::atomic<std::uint64_t> g_logging_errors{0};

tracker::options bench_options(const std::string& store) {
  tracker::options o;
  o.project = "bench";
  o.store = store;
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

// =============================================================================================
// [SECTION] (a) caller-side cost of log()
// =============================================================================================

// Times batches of calls_per_batch calls of one log() form; each sample is the batch's time
// divided by the scalars it logged. A single call (~20 ns) is shorter than a clock read, so
// per-call timing would measure the clock: p99 here is the p99 of batch means, which still
// catches preemption, queue contention and cache misses that hit a batch.
template <class Call>
distribution time_log_form(tracker::run& run, const settings& cfg, int scalars_per_call, Call&& call) {
  std::int64_t i = 0;
  for (int w = 0; w < 20000; ++w) call(i++);  // warm: key caches, queue cells, branch predictors
  run.flush();
  std::vector<double> per_scalar;
  per_scalar.reserve(static_cast<std::size_t>(cfg.cost_batches));
  const double scalars = static_cast<double>(cfg.calls_per_batch) * scalars_per_call;
  for (int b = 0; b < cfg.cost_batches; ++b) {
    if (b > 0 && b % cfg.cost_flush_every == 0) run.flush();  // untimed: keeps the queue far from full
    auto t0 = clk::now();
    for (int c = 0; c < cfg.calls_per_batch; ++c) call(i++);
    auto t1 = clk::now();
    per_scalar.push_back(nanos(t1 - t0) / scalars);
  }
  run.flush();
  return summarize(std::move(per_scalar));
}

double clock_overhead_ns() {
  std::vector<double> v;
  for (int k = 0; k < 20000; ++k) {
    auto t0 = clk::now();
    auto t1 = clk::now();
    v.push_back(nanos(t1 - t0));
  }
  return summarize(std::move(v)).median;
}

void bench_caller_cost(const settings& cfg, const fs::path& scratch, results& res) {
  progress("(a) caller-side cost of log() ...");
  auto opts = bench_options((scratch / "cost").string());
  opts.queue_capacity = cfg.cost_queue;  // the window never fills it, so log() never waits
  tracker::run run = tracker::init(opts);
  auto before = run.stats();

  tracker::key_handle k = run.key("bench/interned");
  auto interned = time_log_form(run, cfg, 1, [&](std::int64_t i) { run.log(k, value_at(i), i); });
  auto by_string = time_log_form(run, cfg, 1, [&](std::int64_t i) { run.log("train/loss", value_at(i), i); });
  auto by_list = time_log_form(run, cfg, 2, [&](std::int64_t i) {
    run.log({{"train/loss2", value_at(i)}, {"train/acc2", value_at(i + 1)}}, i);
  });
  auto after = run.stats();
  double clock_ns = clock_overhead_ns();

  res.add_target("a", "log_interned_median_ns", "interned key  log(k, v, step), median", interned.median, "ns", 1, true,
                 30);
  res.add("a", "log_interned_p99_ns", "interned key  log(k, v, step), p99 of batches", interned.p99, "ns", 1);
  res.add_target("a", "log_string_median_ns", "string key    log(\"train/loss\", v, step), median", by_string.median,
                 "ns", 1, true, 100);
  res.add("a", "log_string_p99_ns", "string key    log(\"train/loss\", v, step), p99 of batches", by_string.p99, "ns",
          1);
  res.add_target("a", "log_list2_median_ns", "init list     log({{k1, v1}, {k2, v2}}, step), median", by_list.median,
                 "ns", 1, true, 100)
      .note = "2 string-keyed metrics per call, so the string-key target; per scalar = call time / 2";
  res.add("a", "log_list2_p99_ns", "init list     log({{k1, v1}, {k2, v2}}, step), p99 of batches", by_list.p99, "ns",
          1);
  res.add("a", "clock_overhead_ns", "steady_clock::now() pair (paid once per batch)", clock_ns, "ns", 1).note =
      "included in the numbers above: " + fixed(clock_ns / cfg.calls_per_batch, 2) + " ns per call";

  std::uint64_t blocked = after.blocked - before.blocked;
  res.note("(a) " + count_text(cfg.cost_batches) + " batches of " + std::to_string(cfg.calls_per_batch) +
           " calls per form; queue capacity " + count_text(static_cast<std::int64_t>(cfg.cost_queue)) +
           ", flushed every " + std::to_string(cfg.cost_flush_every) + " batches outside the timed region; " +
           "log() calls that had to wait for room: " + std::to_string(blocked) +
           (blocked ? " (the measurement includes waiting: enlarge the queue)" : " (none: pure enqueue cost)"));
  run.finish();
}

// =============================================================================================
// [SECTION] (b)+(c) sustained rate through the tracker vs raw SQLite and raw file append
// =============================================================================================

struct trial {
  double seconds = 0;             // until everything is committed (flush returned / last COMMIT)
  double log_seconds = 0;         // tracker only: until the last log() returned
  double cpu_seconds = 0;         // CPU time of the whole process (every thread) over the same span
  double writer_cpu_seconds = 0;  // tracker only: CPU time of the other threads (the writer)
  double read_seconds = 0;        // raw SQLite with read_back: one SELECT of every point, in step order
  tracker::writer_stats stats;
};

// CPU time is less sensitive than wall time to neighbours on a shared machine: it says what a
// point costs, wall time says how long the user waits.
double process_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// CPU time of every thread but the calling one, from /proc (clock ticks, 10 ms): during a
// tracker trial that is the writer thread, which splits the writer's cost from the caller's.
double other_threads_cpu_seconds() {
  const std::string self = std::to_string(static_cast<long>(gettid()));
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  double total = 0;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/self/task", ec)) {
    if (task.path().filename() == self) continue;
    std::ifstream in(task.path() / "stat");
    std::string line;
    std::getline(in, line);
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15: utime, stime
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    total += static_cast<double>(utime + stime) / tick;
  }
  return total;
}

// One thread logs n points of one series as fast as it can, default options (block policy,
// default queue); the clock stops when flush() returns, i.e. when everything is committed.
trial tracker_trial(const fs::path& dir, std::int64_t n) {
  tracker::run run = tracker::init(bench_options(dir.string()));
  tracker::key_handle k = run.key("train/loss");
  trial t;
  double cpu0 = process_cpu_seconds(), writer0 = other_threads_cpu_seconds();
  auto t0 = clk::now();
  for (std::int64_t i = 0; i < n; ++i) run.log(k, value_at(i), i);
  auto t_logged = clk::now();
  run.flush();
  auto t1 = clk::now();
  t.seconds = seconds(t1 - t0);
  t.cpu_seconds = process_cpu_seconds() - cpu0;
  t.writer_cpu_seconds = other_threads_cpu_seconds() - writer0;
  t.log_seconds = seconds(t_logged - t0);
  t.stats = run.stats();
  run.finish();
  return t;
}

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
    throw std::runtime_error(std::string("raw sqlite: ") + what + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const char* sql) { check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql); }

enum class raw_layout : std::uint8_t {
  points,          // the store's layout: points (rowid table) + points_by_step(sid, step)
  points_pyramid,  // the same, plus the writer's other rows (below)
  without_rowid,   // an alternative: one clustered B-tree, PRIMARY KEY (sid, step, seq)
};

// Raw prepared-statement inserts, 32,768 rows per transaction (the writer's batch), WAL and
// synchronous=NORMAL as the store sets them, into a fresh file.
// - points: the same table layout as migration 1 — the physical limit for that layout.
// - points_pyramid: also writes what the writer writes besides points, after the points of
//   each transaction like apply_batch(): the five pyramid levels' bucket rows (widths 8^(L+1),
//   INSERT OR REPLACE, partial buckets included) and the series summary row. Not a limit: the
//   tracker's own work without the pipeline, which says whether a gap is the schema's or the
//   code's.
// - without_rowid: what a schema change would buy (see docs/performance.md).
// With read_back, the trial then times one plain SELECT of all n points in step order.
trial raw_sqlite_trial(const fs::path& dir, std::int64_t n, raw_layout layout, bool read_back = false) {
  fs::create_directories(dir);
  const std::string path = (dir / "raw.db").string();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK)
    throw std::runtime_error("raw sqlite: cannot open " + path);
  struct closer {
    sqlite3* db;
    ~closer() { sqlite3_close_v2(db); }
  } close_db{db};
  exec(db, "PRAGMA journal_mode=WAL");
  exec(db, "PRAGMA synchronous=NORMAL");
  const bool pyramid = layout == raw_layout::points_pyramid, clustered = layout == raw_layout::without_rowid;
  exec(db, clustered
               ? "CREATE TABLE points (sid INTEGER NOT NULL, step INTEGER NOT NULL, seq INTEGER NOT NULL,"
                 " time REAL NOT NULL, value REAL, PRIMARY KEY (sid, step, seq)) WITHOUT ROWID;"
               : "CREATE TABLE points (sid INTEGER NOT NULL, step INTEGER NOT NULL, time REAL NOT NULL, value REAL);"
                 "CREATE INDEX points_by_step ON points(sid, step);");
  exec(db,
       "CREATE TABLE buckets (sid INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL,"
       " count INTEGER NOT NULL, min REAL, max REAL, last REAL, last_step INTEGER NOT NULL,"
       " PRIMARY KEY (sid, level, idx)) WITHOUT ROWID;"
       "CREATE TABLE series (sid INTEGER PRIMARY KEY, count INTEGER, min REAL, max REAL, last REAL,"
       " last_step INTEGER, last_time REAL);"
       "INSERT INTO series(sid, count) VALUES(1, 0);");
  sqlite3_stmt* ins = nullptr;
  sqlite3_stmt* bucket = nullptr;
  sqlite3_stmt* summary = nullptr;
  struct finalizer {
    sqlite3_stmt** a;
    sqlite3_stmt** b;
    sqlite3_stmt** c;
    ~finalizer() {
      sqlite3_finalize(*a);
      sqlite3_finalize(*b);
      sqlite3_finalize(*c);
    }
  } fin{&ins, &bucket, &summary};
  check(db,
        sqlite3_prepare_v2(db,
                           clustered ? "INSERT INTO points(sid, step, time, value, seq) VALUES(?1, ?2, ?3, ?4, ?5)"
                                     : "INSERT INTO points(sid, step, time, value) VALUES(?1, ?2, ?3, ?4)",
                           -1, &ins, nullptr),
        "prepare");
  check(db,
        sqlite3_prepare_v2(db,
                           "INSERT OR REPLACE INTO buckets(sid, level, idx, count, min, max, last, last_step)"
                           " VALUES(1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &bucket, nullptr),
        "prepare");
  check(db,
        sqlite3_prepare_v2(db,
                           "UPDATE series SET count = ?1, min = ?2, max = ?3, last = ?4, last_step = ?5,"
                           " last_time = ?6 WHERE sid = 1",
                           -1, &summary, nullptr),
        "prepare");

  struct agg {
    int level = 0;
    std::int64_t idx = -1, count = 0, last_step = 0;
    double min = 0, max = 0, last = 0;
  };
  constexpr int levels = 5;
  constexpr std::int64_t batch = 32768;  // the writer's max_batch
  agg current[levels + 1];
  std::vector<agg> touched;  // bucket rows of this transaction, written after its points
  double s_min = 0, s_max = 0, s_last = 0, s_time = 0;

  trial t;
  double cpu0 = process_cpu_seconds();
  auto t0 = clk::now();
  for (std::int64_t first = 0; first < n; first += batch) {
    exec(db, "BEGIN IMMEDIATE");
    std::int64_t last = std::min(n, first + batch);
    for (std::int64_t i = first; i < last; ++i) {
      double v = value_at(i), now = coarse_now();
      sqlite3_bind_int64(ins, 1, 1);
      sqlite3_bind_int64(ins, 2, i);
      sqlite3_bind_double(ins, 3, now);
      sqlite3_bind_double(ins, 4, v);
      if (clustered) sqlite3_bind_int64(ins, 5, i);
      check(db, sqlite3_step(ins), "insert");
      sqlite3_reset(ins);
      if (!pyramid) continue;
      s_min = i == 0 ? v : std::min(s_min, v);
      s_max = i == 0 ? v : std::max(s_max, v);
      s_last = v;
      s_time = now;
      for (int level = 1; level <= levels; ++level) {
        agg& a = current[level];
        std::int64_t idx = i >> (3 * (level + 1));
        if (a.idx != idx) {
          if (a.count > 0 && a.idx >= first >> (3 * (level + 1))) touched.push_back(a);  // complete in this batch
          a = agg{level, idx, 0, 0, v, v, v};
        }
        ++a.count;
        a.min = std::min(a.min, v);
        a.max = std::max(a.max, v);
        a.last = v;
        a.last_step = i;
      }
    }
    if (pyramid) {
      for (int level = 1; level <= levels; ++level) touched.push_back(current[level]);  // partial ones too
      for (const agg& a : touched) {
        sqlite3_bind_int(bucket, 1, a.level);
        sqlite3_bind_int64(bucket, 2, a.idx);
        sqlite3_bind_int64(bucket, 3, a.count);
        sqlite3_bind_double(bucket, 4, a.min);
        sqlite3_bind_double(bucket, 5, a.max);
        sqlite3_bind_double(bucket, 6, a.last);
        sqlite3_bind_int64(bucket, 7, a.last_step);
        check(db, sqlite3_step(bucket), "bucket insert");
        sqlite3_reset(bucket);
      }
      touched.clear();
      sqlite3_bind_int64(summary, 1, last);
      sqlite3_bind_double(summary, 2, s_min);
      sqlite3_bind_double(summary, 3, s_max);
      sqlite3_bind_double(summary, 4, s_last);
      sqlite3_bind_int64(summary, 5, last - 1);
      sqlite3_bind_double(summary, 6, s_time);
      check(db, sqlite3_step(summary), "summary update");
      sqlite3_reset(summary);
    }
    exec(db, "COMMIT");
  }
  t.seconds = seconds(clk::now() - t0);
  t.cpu_seconds = process_cpu_seconds() - cpu0;

  if (read_back) {
    sqlite3_stmt* q = nullptr;
    check(db,
          sqlite3_prepare_v2(db, "SELECT step, time, value FROM points WHERE sid = 1 ORDER BY step", -1, &q, nullptr),
          "prepare");
    std::vector<tracker::point> out;
    auto r0 = clk::now();
    while (sqlite3_step(q) == SQLITE_ROW)
      out.push_back(
          tracker::point{sqlite3_column_int64(q, 0), sqlite3_column_double(q, 1), sqlite3_column_double(q, 2)});
    t.read_seconds = seconds(clk::now() - r0);
    sqlite3_finalize(q);
    if (out.size() != static_cast<std::size_t>(n)) throw std::runtime_error("raw sqlite: read back a wrong count");
  }
  return t;
}

// The absolute limit: 32-byte records appended with fwrite, flushed every 32,768 records and
// at the end (page cache, no fsync — SQLite's WAL with synchronous=NORMAL does not fsync on
// commit either).
trial raw_file_trial(const fs::path& dir, std::int64_t n) {
  fs::create_directories(dir);
  const std::string path = (dir / "raw.bin").string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot create " + path);
  struct record {
    std::uint32_t slot, key;
    std::int64_t step;
    double value, time;
  };
  static_assert(sizeof(record) == 32);
  trial t;
  double cpu0 = process_cpu_seconds();
  auto t0 = clk::now();
  for (std::int64_t i = 0; i < n; ++i) {
    record r{0, 1, i, value_at(i), coarse_now()};
    if (std::fwrite(&r, sizeof r, 1, f) != 1) {
      std::fclose(f);
      throw std::runtime_error("write failed on " + path);
    }
    if ((i & 32767) == 32767) std::fflush(f);
  }
  std::fflush(f);
  t.seconds = seconds(clk::now() - t0);
  t.cpu_seconds = process_cpu_seconds() - cpu0;
  std::fclose(f);
  return t;
}

double median_of(std::vector<double> v) { return summarize(std::move(v)).median; }

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

int thread_count() {
  std::string t = proc_field("/proc/self/status", "Threads");
  return t == "unknown" ? -1 : std::atoi(t.c_str());
}

// Run first, before any tracker thread exists: glibc skips the atomic instructions of
// uncontended mutexes (SQLite's allocator takes one per malloc/free) while a process has one
// thread, and never again once a thread was created. A training process always has several
// threads, so the interleaved trials below are the fair baseline; this one shows the regime's
// price.
struct single_threaded_raw {
  double points_per_s = 0;
  int threads = -1;  // threads of the process while it ran (1 expected)
};

single_threaded_raw bench_single_threaded_raw(const settings& cfg, const fs::path& scratch) {
  single_threaded_raw out;
  out.threads = thread_count();
  progress("(c) raw SQLite in a single-threaded process (" + count_text(cfg.sustained_n) + " points) ...");
  trial t = raw_sqlite_trial(scratch / "single", cfg.sustained_n, raw_layout::points);
  remove_quietly(scratch / "single");
  out.points_per_s = static_cast<double>(cfg.sustained_n) / t.seconds;
  return out;
}

void bench_sustained(const settings& cfg, const fs::path& scratch, const single_threaded_raw& single, results& res) {
  const std::int64_t n = cfg.sustained_n;
  std::vector<double> tracker_rate, tracker_log_rate, sqlite_rate, pyramid_rate, file_rate;
  std::vector<double> tracker_cpu, writer_cpu, sqlite_cpu, pyramid_cpu, file_cpu;  // ns of CPU per point
  double sqlite_read_ns = 0, alt_rate = 0, alt_read_ns = 0;                        // first trial only
  tracker::writer_stats last_stats;
  // Interleaved so that a noisy neighbour hurts every kind alike; each trial in a fresh
  // directory that is deleted right after, so dirty pages do not pile up into the next one.
  for (int t = 0; t < cfg.trials; ++t) {
    progress("(b)+(c) sustained, trial " + std::to_string(t + 1) + "/" + std::to_string(cfg.trials) + " (" +
             count_text(n) + " points each: raw SQLite, tracker, raw SQLite + pyramid, raw file" +
             (t == 0 ? ", WITHOUT ROWID layout" : "") + ") ...");
    const double N = static_cast<double>(n);
    fs::path d = scratch / ("sustained-" + std::to_string(t));
    trial sq = raw_sqlite_trial(d / "sqlite", n, raw_layout::points, t == 0);
    sqlite_rate.push_back(N / sq.seconds);
    sqlite_cpu.push_back(sq.cpu_seconds * 1e9 / N);
    remove_quietly(d / "sqlite");
    trial tr = tracker_trial(d / "tracker", n);
    tracker_rate.push_back(N / tr.seconds);
    tracker_cpu.push_back(tr.cpu_seconds * 1e9 / N);
    writer_cpu.push_back(tr.writer_cpu_seconds * 1e9 / N);
    tracker_log_rate.push_back(N / tr.log_seconds);
    last_stats = tr.stats;
    if (tr.stats.written != static_cast<std::uint64_t>(n))
      res.note("WARNING: tracker trial " + std::to_string(t + 1) + " committed " + std::to_string(tr.stats.written) +
               " of " + std::to_string(n) + " points");
    remove_quietly(d / "tracker");
    trial py = raw_sqlite_trial(d / "pyramid", n, raw_layout::points_pyramid);
    pyramid_rate.push_back(N / py.seconds);
    pyramid_cpu.push_back(py.cpu_seconds * 1e9 / N);
    remove_quietly(d / "pyramid");
    trial fi = raw_file_trial(d / "file", n);
    file_rate.push_back(N / fi.seconds);
    file_cpu.push_back(fi.cpu_seconds * 1e9 / N);
    if (t == 0) {
      sqlite_read_ns = sq.read_seconds * 1e9 / N;
      trial alt = raw_sqlite_trial(d / "without-rowid", n, raw_layout::without_rowid, true);
      alt_rate = N / alt.seconds;
      alt_read_ns = alt.read_seconds * 1e9 / N;
    }
    remove_quietly(d);
  }
  double tracker_m = median_of(tracker_rate), sqlite_m = median_of(sqlite_rate), pyramid_m = median_of(pyramid_rate),
         file_m = median_of(file_rate), log_m = median_of(tracker_log_rate);
  const double M = 1e6;
  res.add("b", "tracker_points_per_s", "tracker: log() x N then flush(), until committed", tracker_m / M, "M points/s",
          3)
      .note = "median of " + std::to_string(cfg.trials) + " trials, N = " + count_text(n) +
              ", default queue (65,536) and policy block";
  res.add("b", "tracker_enqueue_points_per_s", "tracker: until the last log() returned", log_m / M, "M points/s", 3)
      .note = "the caller runs ahead of the writer by at most the queue";
  res.add("b", "tracker_commits_per_trial", "transactions per trial (last trial)",
          static_cast<double>(last_stats.commits), "commits", 0)
      .note = "log() calls that waited for room: " + count_text(static_cast<std::int64_t>(last_stats.blocked));
  res.add_target("b", "ratio_tracker_vs_raw_sqlite", "ratio tracker / raw SQLite", tracker_m / sqlite_m, "x", 3, false,
                 0.9);
  res.add("b", "ratio_tracker_vs_raw_sqlite_pyramid", "ratio tracker / raw SQLite + pyramid rows",
          tracker_m / pyramid_m, "x", 3)
      .note = "same rows as the writer commits, written inline by one thread";
  res.add("c", "raw_sqlite_points_per_s", "raw SQLite: prepared INSERT, 32,768 rows per txn", sqlite_m / M,
          "M points/s", 3)
      .note = "same table + index, WAL, synchronous=NORMAL, fresh file, multi-threaded process";
  res.add("c", "raw_sqlite_single_thread_points_per_s", "raw SQLite, while the process had one thread",
          single.points_per_s / M, "M points/s", 3)
      .note = "one trial, first thing in the run; threads then: " + std::to_string(single.threads) +
              "; tracker / this = " + fixed(tracker_m / single.points_per_s, 3) + "x";
  res.add("c", "raw_sqlite_pyramid_points_per_s", "raw SQLite + pyramid rows and summary per txn", pyramid_m / M,
          "M points/s", 3);
  res.add("c", "raw_file_points_per_s", "raw file: fwrite of 32-byte records", file_m / M, "M points/s", 3).note =
      "absolute limit; tracker / file = " + fixed(tracker_m / file_m, 3) + "x";
  res.add("c", "raw_sqlite_without_rowid_points_per_s", "raw SQLite, alternative layout WITHOUT ROWID", alt_rate / M,
          "M points/s", 3)
      .note = "PRIMARY KEY (sid, step, seq), one B-tree instead of two; one trial; vs store layout " +
              fixed(alt_rate / sqlite_rate.front(), 2) + "x";
  res.add("d", "read_plain_sql_store_layout_ns", "plain SQL read, store layout, " + count_text(n) + " points",
          sqlite_read_ns, "ns/point", 0)
      .note = "SELECT in step order right after the inserts (first trial), into a vector";
  res.add("d", "read_plain_sql_without_rowid_ns", "plain SQL read, WITHOUT ROWID layout, same points", alt_read_ns,
          "ns/point", 0)
      .note = "vs store layout " + fixed(alt_read_ns / sqlite_read_ns, 2) + "x the time";
  double tracker_c = median_of(tracker_cpu), sqlite_c = median_of(sqlite_cpu), pyramid_c = median_of(pyramid_cpu);
  res.add("b", "tracker_cpu_ns_per_point", "tracker: CPU time per point (all threads)", tracker_c, "ns", 0).note =
      "raw SQLite " + fixed(sqlite_c, 0) + " ns, raw SQLite + pyramid " + fixed(pyramid_c, 0) + " ns, raw file " +
      fixed(median_of(file_cpu), 0) + " ns";
  double writer_c = median_of(writer_cpu);
  res.add("b", "tracker_writer_cpu_ns_per_point", "tracker: of which the writer thread", writer_c, "ns", 0).note =
      "caller thread " + fixed(tracker_c - writer_c, 0) + " ns (log() plus waiting for room); /proc ticks, +-10 ms";
  res.add("b", "ratio_cpu_raw_sqlite_vs_tracker", "CPU efficiency: raw SQLite CPU / tracker CPU", sqlite_c / tracker_c,
          "x", 3)
      .note = "raw SQLite + pyramid CPU / writer CPU = " + fixed(pyramid_c / writer_c, 3) + "x";
  auto spread = [&](const std::vector<double>& v) {
    auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    return fixed(*lo / M, 3) + ".." + fixed(*hi / M, 3);
  };
  res.note("(b)+(c) trial spread, M points/s: tracker " + spread(tracker_rate) + ", raw SQLite " + spread(sqlite_rate) +
           ", raw SQLite + pyramid " + spread(pyramid_rate) + ", raw file " + spread(file_rate));
}

// =============================================================================================
// [SECTION] (d) reads: one series raw and as 2,000 buckets
// =============================================================================================

template <class F>
distribution time_reads(int reps, F&& read) {
  std::vector<double> ms;
  for (int r = 0; r < reps; ++r) {
    auto t0 = clk::now();
    read();
    ms.push_back(seconds(clk::now() - t0) * 1e3);
  }
  return summarize(std::move(ms));
}

// The SQL the reader runs for points(), on a plain connection opened and prepared once (the
// reader also keeps its connection and statements): the read-side limit.
class raw_point_reader {
 public:
  raw_point_reader(const std::string& db_path, const std::string& key) {
    if (sqlite3_open_v2(db_path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
      throw std::runtime_error("raw read: cannot open " + db_path);
    sqlite3_stmt* q = nullptr;
    check(db_, sqlite3_prepare_v2(db_, "SELECT sid FROM series WHERE key = ?1", -1, &q, nullptr), "prepare");
    sqlite3_bind_text(q, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q) == SQLITE_ROW) sid_ = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    check(db_,
          sqlite3_prepare_v2(db_,
                             "SELECT step, time, value FROM points WHERE sid = ?1 AND step BETWEEN ?2 AND ?3"
                             " ORDER BY step, rowid",
                             -1, &s_, nullptr),
          "prepare");
  }
  ~raw_point_reader() {
    sqlite3_finalize(s_);
    sqlite3_close(db_);
  }
  raw_point_reader(const raw_point_reader&) = delete;
  raw_point_reader& operator=(const raw_point_reader&) = delete;

  std::vector<tracker::point> read() {
    sqlite3_reset(s_);
    sqlite3_bind_int64(s_, 1, sid_);
    sqlite3_bind_int64(s_, 2, std::numeric_limits<std::int64_t>::min());
    sqlite3_bind_int64(s_, 3, std::numeric_limits<std::int64_t>::max());
    std::vector<tracker::point> out;
    while (sqlite3_step(s_) == SQLITE_ROW)
      out.push_back(
          tracker::point{sqlite3_column_int64(s_, 0), sqlite3_column_double(s_, 1), sqlite3_column_double(s_, 2)});
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
  std::int64_t sid_ = -1;
};

void bench_reads(const settings& cfg, const fs::path& scratch, results& res) {
  const fs::path dir = scratch / "reads";
  const std::string small_key = "read/small", big_key = "read/big";
  std::string run_id;
  {
    progress("(d) building a " + count_text(cfg.small_n) + "-point and a " + count_text(cfg.big_n) +
             "-point series through the tracker ...");
    tracker::run run = tracker::init(bench_options(dir.string()));
    run_id = run.id();
    auto ks = run.key(small_key), kb = run.key(big_key);
    for (std::int64_t i = 0; i < cfg.small_n; ++i) run.log(ks, value_at(i), i);
    run.flush();
    auto t0 = clk::now();
    for (std::int64_t i = 0; i < cfg.big_n; ++i) run.log(kb, value_at(i), i);
    run.flush();
    double s = seconds(clk::now() - t0);
    res.add("b", "tracker_points_per_s_big", "tracker: building the " + count_text(cfg.big_n) + "-point series",
            cfg.big_n / s / 1e6, "M points/s", 3)
        .note = fixed(s, 1) + " s; a store that already holds " + count_text(cfg.small_n) + " points";
    run.finish();
  }

  progress("(d) reading ...");
  tracker::reader reader = tracker::reader::open(dir.string());
  const auto lo = std::numeric_limits<std::int64_t>::min(), hi = std::numeric_limits<std::int64_t>::max();
  std::size_t got_points = 0, got_small_buckets = 0, got_big_buckets = 0;
  std::int64_t big_count = 0;

  auto raw_small = time_reads(cfg.point_reads, [&] { got_points = reader.points(run_id, small_key).size(); });
  std::size_t raw_sql_points = 0;
  raw_point_reader plain((dir / "tracker.db").string(), small_key);
  auto raw_sql = time_reads(cfg.point_reads, [&] { raw_sql_points = plain.read().size(); });
  auto small_b = time_reads(
      cfg.bucket_reads, [&] { got_small_buckets = reader.buckets(run_id, small_key, lo, hi, cfg.max_buckets).size(); });
  auto big_b = time_reads(cfg.bucket_reads, [&] {
    auto b = reader.buckets(run_id, big_key, lo, hi, cfg.max_buckets);
    got_big_buckets = b.size();
    big_count = 0;
    for (const auto& x : b) big_count += x.count;
  });

  const std::string small = count_text(cfg.small_n), big = count_text(cfg.big_n);
  res.add("d", "read_points_small_ms", "reader.points(): " + small + " points, raw", raw_small.median, "ms", 1).note =
      "median of " + std::to_string(cfg.point_reads) + "; " + fixed(raw_small.median * 1e6 / cfg.small_n, 0) +
      " ns per point";
  res.add("d", "read_points_small_raw_sql_ms", "plain SQL SELECT of the same " + small + " points", raw_sql.median,
          "ms", 1)
      .note = "read-side limit; reader time / plain SQL time = " + fixed(raw_small.median / raw_sql.median, 2) + "x";
  res.add("d", "read_buckets_small_ms",
          "reader.buckets(.., " + std::to_string(cfg.max_buckets) + "): " + small + " points", small_b.median, "ms", 2)
      .note = "median of " + std::to_string(cfg.bucket_reads) + ", p99 " + fixed(small_b.p99, 2) + " ms";
  if (cfg.big_n == 10'000'000)
    res.add_target("d", "read_buckets_big_ms",
                   "reader.buckets(.., " + std::to_string(cfg.max_buckets) + "): " + big + " points", big_b.median,
                   "ms", 2, true, 10)
        .note = "median of " + std::to_string(cfg.bucket_reads) + ", p99 " + fixed(big_b.p99, 2) + " ms";
  else
    res.add("d", "read_buckets_big_ms",
            "reader.buckets(.., " + std::to_string(cfg.max_buckets) + "): " + big + " points", big_b.median, "ms", 2)
        .note = "QUICK: " + big + " points, not 10,000,000: no verdict (target <= 10 ms is for 10M)";

  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) res.note("WARNING: " + what);
  };
  expect(got_points == static_cast<std::size_t>(cfg.small_n),
         "points() returned " + std::to_string(got_points) + " points, expected " + small);
  expect(raw_sql_points == got_points, "plain SQL read " + std::to_string(raw_sql_points) + " points");
  expect(got_small_buckets > 0 && got_small_buckets <= cfg.max_buckets,
         "small series: " + std::to_string(got_small_buckets) + " buckets");
  expect(got_big_buckets > 0 && got_big_buckets <= cfg.max_buckets,
         "big series: " + std::to_string(got_big_buckets) + " buckets");
  expect(big_count == cfg.big_n, "big series buckets count " + std::to_string(big_count) + " points, expected " + big);
  res.note(
      "(d) reads with a warm OS page cache (the series were just written), the reader and the plain connection opened "
      "once, "
      "statements prepared once; the big series came back as " +
      std::to_string(got_big_buckets) + " buckets covering " + count_text(big_count) + " points");
}

}  // namespace

// =============================================================================================
// [SECTION] main
// =============================================================================================

int main(int argc, char** argv) {
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
