// bench_production_store — the store side of production ingest and reads (schema 5, records in
// blocks), next to its limit, in one run.
//
// Method (docs/performance.md, "Production store"): a store with a model run of 10 classes;
// records as a deployed model sends them (id, unix time, 9 numeric features + 1 categorical,
// predicted class, 10 probabilities, latency, one tag), built and validated outside the timing.
//   1. store: tracker::detail::write_validated of 1,000 records per call (what tracker serve
//      does after parsing), commit included, one thread. CPU and wall ns per record.
//   2. small commits: single-record writes, one thread, each its own commit (the open block is
//      rewritten by each). CPU and wall us per commit.
//   3. the limit: the same records, JSON columns serialized outside the timing, inserted one
//      row each into schema 4's production_records layout (UNIQUE (rid, kind, id) and the time
//      index) in a separate database with the store's pragmas, 1,000 per transaction.
//   4. reads: production::read of all records of the model, 100,000 and 1,000,000 records
//      (10 features); best of --repeat, wall and CPU.
// CPU is thread CPU time; the machine is shared, so wall time can include waiting.
//
//   bench_production_store [--records N (store stage, default 200000)] [--repeat R]
//                          [--only store|read] (one part, for a profiler)
#include "cpu_time.hpp"
#include "machine_info.hpp"
#include "model_store.hpp"

#include <tracker/production.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
using nlohmann::json;
namespace prod = tracker::production;

const std::vector<std::string> class_names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

double thread_cpu() { return tracker_bench::thread_cpu_seconds(); }
double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

prod::record make_record(const std::string& prefix, long n) {
  const int k = static_cast<int>(n % 10);
  prod::record r;
  r.id = prefix + "-" + std::to_string(n);
  r.time = 1795000000.0 + static_cast<double>(n) * 0.01;
  for (int f = 0; f < 9; ++f)
    r.features.emplace_back("f" + std::to_string(f), 0.1 * f + static_cast<double>((n * (f + 3)) % 97) / 200.0);
  r.features.emplace_back("source", std::string(n % 3 == 0 ? "upload" : "camera"));
  r.predicted = class_names[static_cast<std::size_t>(k)];
  for (int c = 0; c < 10; ++c) r.probabilities.push_back(c == k ? 0.55 : 0.05);
  r.latency_ms = 3.5 + static_cast<double>(n % 13);
  r.tags = {{"env", "prod"}};
  return r;
}

// Validated batches of `per` records, ids "<prefix>-<n>".
std::vector<std::vector<prod::record>> make_batches(const prod::model_info& m, const std::string& prefix, long count,
                                                    long per) {
  std::vector<std::vector<prod::record>> out;
  for (long n = 0; n < count;) {
    std::vector<prod::record> batch;
    for (long i = 0; i < per && n < count; ++i, ++n) {
      batch.push_back(make_record(prefix, n));
      prod::validate(batch.back(), prod::record_kind::prediction, m, batch.size() - 1);
    }
    out.push_back(std::move(batch));
  }
  return out;
}

std::string fresh_store(const std::string& root, const std::string& name) {
  return tracker_bench::make_model_store(root + "/" + name, "bench-model", class_names);
}

struct cost {
  double cpu = 0, wall = 0;  // seconds
};

// Writes every batch (moved in) with write_validated.
cost store_batches(prod::store& s, const prod::model_info& m, std::vector<std::vector<prod::record>> batches) {
  cost c;
  for (auto& b : batches) {
    const double c0 = thread_cpu();
    const auto t0 = clk::now();
    tracker::detail::write_validated(s, m, prod::record_kind::prediction, std::move(b));
    c.wall += seconds_since(t0);
    c.cpu += thread_cpu() - c0;
  }
  return c;
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

// The limit: one row per record in schema 4's layout, 1,000 rows per transaction.
cost raw_rows(const std::string& path, const std::vector<std::vector<prod::record>>& batches) {
  struct row {
    std::string id, predicted, probabilities, features, tags;
    double time, confidence, latency;
  };
  std::vector<std::vector<row>> rows;
  for (const auto& b : batches) {
    rows.emplace_back();
    for (const auto& r : b) {
      json f = json::object(), t = json::object();
      for (const auto& [name, v] : r.features)
        f[name] = std::holds_alternative<double>(v) ? json(std::get<double>(v)) : json(std::get<std::string>(v));
      for (const auto& [k, v] : r.tags) t[k] = v;
      rows.back().push_back({r.id, r.predicted, json(r.probabilities).dump(), f.dump(), t.dump(), r.time,
                             r.confidence.value_or(0), r.latency_ms.value_or(0)});
    }
  }
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  check(sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     "CREATE TABLE production_records (prid INTEGER PRIMARY KEY, rid INTEGER NOT NULL, kind INTEGER NOT NULL,"
                     " id TEXT NOT NULL, time REAL NOT NULL, predicted TEXT NOT NULL, confidence REAL, probabilities TEXT,"
                     " latency_ms REAL, label TEXT NOT NULL DEFAULT '', features TEXT NOT NULL, tags TEXT,"
                     " image TEXT NOT NULL DEFAULT '', UNIQUE (rid, kind, id));"
                     "CREATE INDEX production_by_time ON production_records(rid, kind, time);",
                     nullptr, nullptr, nullptr),
        db, "schema");
  sqlite3_stmt* ins = nullptr;
  check(sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO production_records(rid, kind, id, time, predicted, confidence,"
                           " probabilities, latency_ms, label, features, tags, image)"
                           " VALUES(1, 0, ?1, ?2, ?3, ?4, ?5, ?6, '', ?7, ?8, '')",
                           -1, &ins, nullptr),
        db, "prepare insert");
  auto text = [&](int i, const std::string& v) {
    sqlite3_bind_text(ins, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  };
  cost c;
  for (const auto& batch : rows) {
    const double c0 = thread_cpu();
    const auto t0 = clk::now();
    check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");
    for (const row& r : batch) {
      sqlite3_reset(ins);
      text(1, r.id);
      sqlite3_bind_double(ins, 2, r.time);
      text(3, r.predicted);
      sqlite3_bind_double(ins, 4, r.confidence);
      text(5, r.probabilities);
      sqlite3_bind_double(ins, 6, r.latency);
      text(7, r.features);
      text(8, r.tags);
      check(sqlite3_step(ins), db, "insert");
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    c.wall += seconds_since(t0);
    c.cpu += thread_cpu() - c0;
  }
  sqlite3_finalize(ins);
  sqlite3_close(db);
  return c;
}

// Best of `repeat` reads of every prediction record of the model.
cost read_all(const std::string& store, int repeat, std::size_t& rows, std::size_t& features) {
  cost best{1e300, 1e300};
  for (int i = 0; i < repeat; ++i) {
    auto rd = tracker::reader::open(store);
    const double c0 = thread_cpu();
    const auto t0 = clk::now();
    prod::dataset d = prod::read(rd, "bench-model", prod::record_kind::prediction);
    const double wall = seconds_since(t0), cpu = thread_cpu() - c0;
    rows = d.size();
    features = d.features.size();
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, cpu);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  long records = 200'000;
  int repeat = 5;
  std::string only;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--records") {
      records = std::atol(argv[i + 1]);
    } else if (a == "--repeat") {
      repeat = std::atoi(argv[i + 1]);
    } else if (a == "--only") {
      only = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: bench_production_store [--records N] [--repeat R]\n");
      return 2;
    }
  }
  if (records < 1000 || repeat < 1) return 2;
  tracker::set_error_handler([](const std::string& m) { std::fprintf(stderr, "tracker: %s\n", m.c_str()); });
  char tmpl[] = "/tmp/bench-production-store-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string root = tmpl;
  std::printf("bench_production_store: %ld records in batches of 1,000; cpu: %s, %u hardware threads\n", records,
              tracker_bench::proc_field("/proc/cpuinfo", "model name").c_str(), std::thread::hardware_concurrency());
  std::printf("load average at start: %s\n\n", tracker_bench::proc_field("/proc/loadavg", "", "?").c_str());

  // 1 and 3: the store stage and its limit, on the same records.
  const std::string store_dir = fresh_store(root, "store");
  if (only != "read") {
    auto s = prod::store::open(store_dir);
    const prod::model_info m = s.model("bench-model");
    auto batches = make_batches(m, "r", records, 1000);
    const cost raw = only == "store" ? cost{1, 1} : raw_rows(root + "/limit.db", batches);
    const cost st = store_batches(s, m, std::move(batches));
    const double n = static_cast<double>(records);
    std::printf("store, 1,000 validated records per write, commit included (target <= 2,000 ns):\n");
    std::printf("  blocks (schema 5)   %7.0f ns CPU  %7.0f ns wall per record\n", st.cpu * 1e9 / n, st.wall * 1e9 / n);
    if (only != "store") {
      std::printf("  limit: row each    %7.0f ns CPU  %7.0f ns wall per record (schema 4 layout, raw SQLite)\n",
                  raw.cpu * 1e9 / n, raw.wall * 1e9 / n);
      std::printf("  store / limit = %.2fx (CPU)\n", st.cpu / raw.cpu);
    }
    std::printf("\n");

    // 2: small commits (a lone client sending one record per request).
    auto singles = make_batches(m, "single", 2000, 1);
    const cost one = store_batches(s, m, std::move(singles));
    std::printf("small commits, 1 record per write (2,000 writes):\n  %.1f us CPU  %.1f us wall per commit\n\n",
                one.cpu * 1e6 / 2000, one.wall * 1e6 / 2000);
  }

  // 4: reads of 100,000 and 1,000,000 records.
  std::printf("read every record of the model (best of %d; target 100,000 x 10 features <= 100 ms):\n", repeat);
  for (long n : {100'000L, 1'000'000L}) {
    if (only == "store") break;
    const std::string dir = fresh_store(root, "read" + std::to_string(n));
    {
      auto s = prod::store::open(dir);
      const prod::model_info m = s.model("bench-model");
      for (long done = 0; done < n; done += 100'000) {  // in parts: the records of 1M take memory
        std::vector<std::vector<prod::record>> part;
        auto all = make_batches(m, "p" + std::to_string(done), std::min(100'000L, n - done), 1000);
        store_batches(s, m, std::move(all));
      }
    }
    std::size_t rows = 0, features = 0;
    const cost c = read_all(dir, repeat, rows, features);
    std::printf("  %8zu records x %zu features: %7.1f ms wall  %7.1f ms CPU  (%.0f ns per record)\n", rows, features,
                c.wall * 1e3, c.cpu * 1e3, c.cpu * 1e9 / static_cast<double>(rows));
    const auto db_bytes = std::filesystem::file_size(dir + "/tracker.db");
    std::printf("            database %.1f MB (%.0f bytes per record)\n", static_cast<double>(db_bytes) / 1e6,
                static_cast<double>(db_bytes) / static_cast<double>(rows));
  }
  std::printf("\nload average at end: %s\n", tracker_bench::proc_field("/proc/loadavg", "", "?").c_str());
  std::filesystem::remove_all(root);
  return 0;
}
