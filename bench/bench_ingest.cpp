// bench_ingest — production ingest over HTTP (tracker serve) next to its limit, in one run.
//
// Method (docs/performance.md, "Production ingest"): a store with a model run of 10 classes;
// records as a deployed model sends them (id, unix timestamp, 4 numeric features + 1
// categorical, predicted label, 10 probabilities, latency, one tag; ~311 bytes of JSON).
//   1. stages, in process, one thread, 1,000 records per batch, as the server runs them: parse
//      (body text -> production::records, production_parse.hpp), validate (record_rules::check
//      with the model's cached rules), store (detail::write_validated: row building, one
//      committed transaction per batch). ns per record. Beside them, on the same bodies, the
//      DOM path (JSON text -> nlohmann DOM, envelope + record_from_json), which the server
//      used before and now takes only for bodies the text parser refuses (errors).
//   2. the limit: the same rows (JSON columns already serialized) inserted straight into a
//      production_records table in schema 4's layout (one row per record; since schema 5 the
//      store keeps records in blocks) with one prepared statement, one transaction per 1,000
//      rows, on a connection with the store's pragmas (WAL, synchronous=NORMAL).
//   3. the router without a socket: single-record requests into router::handle() — a whole
//      request (parse, validate, one commit) minus HTTP and the kernel. CPU us per request
//      (bodies built 1,000 at a time outside the timing).
//   4. end to end: the server (http_server, in this process) on 127.0.0.1, clients with
//      keep-alive posting pre-built bodies of 1,000 records; records/s counted when the last
//      answer (= committed) is back. 1 and 4 client connections. Target >= 300,000 records/s.
//   5. single-record requests with keep-alive, 1 and 8 connections, for --seconds each.
//      Target >= 10,000 requests/s.
// The clients of 4 and 5 are a minimal keep-alive HTTP/1.1 client on a raw socket
// (http_load_client.hpp: the request line and headers built per request and sent with the
// body in one sendmsg(), the answer read until its Content-Length is complete), as load generators such
// as wrk are: the measurement is of the server, not of its client library. One more line of
// each, with cpp-httplib's own httplib::Client (4 connections, 8 connections), is the
// reference: what the benchmark measured before, a client that costs about twice the CPU.
// Stages and the limit are thread CPU time; end to end is wall-clock rate and process CPU time,
// and the client threads' own CPU time beside it (the rest is the server's and the kernel's
// work for it). Clients and server share this machine's cores; the numbers are of the whole loop.
//
//   bench_ingest [--batches N] [--seconds D] [--router-only | --single-only | --batched-only]
//   for perf: --router-only runs just 3; --single-only just 5 with 8 raw-socket connections;
//   --batched-only just 4 with 4 raw-socket connections.
#include "http_server.hpp"
#include "ingest.hpp"
#include "production_parse.hpp"
#include "production_write.hpp"
#include "router.hpp"

#include "cpu_time.hpp"
#include "http_load_client.hpp"
#include "machine_info.hpp"
#include "model_store.hpp"

#include <tracker/production.hpp>
#include <tracker/tracker.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

using clk = std::chrono::steady_clock;
using nlohmann::json;
namespace prod = tracker::production;

constexpr int per_batch = 1000;
const std::vector<std::string> class_names{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                           "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

double seconds_since(clk::time_point t0) { return std::chrono::duration<double>(clk::now() - t0).count(); }

// CPU time of this thread or of the whole process (cpu_time.hpp): what the work costs whatever
// the neighbours on a shared machine take (wall-clock rates are reported too).
using tracker_bench::process_cpu_seconds;
using tracker_bench::thread_cpu_seconds;

json make_record(const std::string& id, long n) {
  const int k = static_cast<int>(n % 10);
  json probs = json::array();
  for (int c = 0; c < 10; ++c) probs.push_back(c == k ? 0.55 : 0.05);
  return json{{"id", id},
              {"timestamp", 1795000000.0 + static_cast<double>(n) * 0.01},
              {"features",
               {{"brightness", 0.3 + static_cast<double>(n % 97) / 200.0},
                {"contrast", 0.2 + static_cast<double>(n % 89) / 300.0},
                {"dark_fraction", static_cast<double>(n % 83) / 83.0},
                {"entropy", 4.0 + static_cast<double>(n % 71) / 50.0},
                {"source", n % 3 == 0 ? "upload" : "camera"}}},
              {"prediction", {{"label", class_names[k]}, {"probabilities", probs}}},
              {"latency_ms", 3.5 + static_cast<double>(n % 13)},
              {"tags", {{"env", "prod"}}}};
}

// Bodies of `per` records each, ids "<prefix>-<n>".
std::vector<std::string> make_bodies(const std::string& prefix, int count, int per) {
  std::vector<std::string> out;
  long n = 0;
  for (int b = 0; b < count; ++b) {
    json records = json::array();
    for (int i = 0; i < per; ++i, ++n) records.push_back(make_record(prefix + "-" + std::to_string(n), n));
    out.push_back(json{{"schema_version", 1}, {"model", "bench-model"}, {"records", records}}.dump());
  }
  return out;
}

std::string fresh_store(const std::string& root, const std::string& name) {
  return tracker_bench::make_model_store(root + "/" + name, "bench-model", class_names);
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

// The limit: rows straight into production_records, 1,000 per transaction.
double raw_sqlite_ns_per_record(const std::string& store, const std::vector<std::string>& bodies) {
  // Row values prepared outside the timing, as a writer that already has them would.
  struct row {
    std::string id, predicted, probabilities, features, tags;
    double time, confidence, latency;
  };
  std::vector<row> rows;
  for (const std::string& body : bodies) {
    const json doc = json::parse(body);
    for (const json& r : doc["records"])
      rows.push_back({r["id"], r["prediction"]["label"], r["prediction"]["probabilities"].dump(), r["features"].dump(),
                      r["tags"].dump(), r["timestamp"], 0.55, r["latency_ms"]});
  }
  sqlite3* db = nullptr;
  check(sqlite3_open((store + "/tracker.db").c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000", nullptr, nullptr,
                     nullptr),
        db, "pragmas");
  check(sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS production_records (prid INTEGER PRIMARY KEY, rid INTEGER NOT NULL,"
                     " kind INTEGER NOT NULL, id TEXT NOT NULL, time REAL NOT NULL, predicted TEXT NOT NULL,"
                     " confidence REAL, probabilities TEXT, latency_ms REAL, label TEXT NOT NULL DEFAULT '',"
                     " features TEXT NOT NULL, tags TEXT, image TEXT NOT NULL DEFAULT '', UNIQUE (rid, kind, id));"
                     "CREATE INDEX IF NOT EXISTS production_by_time ON production_records(rid, kind, time);",
                     nullptr, nullptr, nullptr),
        db, "schema 4 layout");
  sqlite3_int64 rid = 0;
  {
    sqlite3_stmt* q = nullptr;
    check(sqlite3_prepare_v2(db, "SELECT rid FROM runs WHERE name = 'bench-model'", -1, &q, nullptr), db, "prepare");
    check(sqlite3_step(q), db, "rid");
    rid = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
  }
  sqlite3_stmt* ins = nullptr;
  check(sqlite3_prepare_v2(db,
                           "INSERT OR IGNORE INTO production_records(rid, kind, id, time, predicted, confidence,"
                           " probabilities, latency_ms, label, features, tags, image)"
                           " VALUES(?1, 0, ?2, ?3, ?4, ?5, ?6, ?7, '', ?8, ?9, '')",
                           -1, &ins, nullptr),
        db, "prepare insert");
  const double c0 = thread_cpu_seconds();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % per_batch == 0) check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");
    const row& r = rows[i];
    sqlite3_reset(ins);
    sqlite3_bind_int64(ins, 1, rid);
    sqlite3_bind_text(ins, 2, r.id.data(), static_cast<int>(r.id.size()), SQLITE_STATIC);
    sqlite3_bind_double(ins, 3, r.time);
    sqlite3_bind_text(ins, 4, r.predicted.data(), static_cast<int>(r.predicted.size()), SQLITE_STATIC);
    sqlite3_bind_double(ins, 5, r.confidence);
    sqlite3_bind_text(ins, 6, r.probabilities.data(), static_cast<int>(r.probabilities.size()), SQLITE_STATIC);
    sqlite3_bind_double(ins, 7, r.latency);
    sqlite3_bind_text(ins, 8, r.features.data(), static_cast<int>(r.features.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins, 9, r.tags.data(), static_cast<int>(r.tags.size()), SQLITE_STATIC);
    check(sqlite3_step(ins), db, "insert");
    if (i % per_batch == per_batch - 1 || i + 1 == rows.size())
      check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  }
  const double ns = (thread_cpu_seconds() - c0) * 1e9 / static_cast<double>(rows.size());
  sqlite3_finalize(ins);
  sqlite3_close(db);
  return ns;
}

struct stage_times {
  double parse = 0, validate = 0, store = 0;  // the server's path
  double dom_parse = 0, dom_validate = 0;     // the DOM path (before; now the path of errors)
};

// Stages 1: each over every body, in process, one thread, as post_records (ingest.cpp) runs
// them: the text parser, record_rules::check with the model's cached rules, write_validated.
stage_times stages(const std::string& store_dir, const std::vector<std::string>& bodies) {
  auto store = prod::store::open(store_dir);
  tracker::server::model_cache models(store);
  const auto model = models.get("bench-model");
  const double n = static_cast<double>(bodies.size()) * per_batch;
  stage_times t;
  // Batch by batch, as the server does: each batch's records are freed before the next, so
  // the allocator reuses memory (holding all of them would mostly measure page faults).
  for (const std::string& body : bodies) {
    double c0 = thread_cpu_seconds();
    auto parsed = prod::detail::parse_records_body(body);
    double c1 = thread_cpu_seconds();
    if (!parsed || parsed->records.size() != per_batch) std::exit(1);
    t.parse += c1 - c0;
    for (std::size_t i = 0; i < parsed->records.size(); ++i)
      model->rules.check(parsed->records[i], prod::record_kind::prediction, i);
    c0 = thread_cpu_seconds();
    t.validate += c0 - c1;
    tracker::detail::write_validated(store, model->info, prod::record_kind::prediction, std::move(parsed->records));
    t.store += thread_cpu_seconds() - c0;
  }
  // The DOM path on the same bodies (nothing stored): JSON text -> nlohmann DOM, then envelope
  // + record_from_json (which validates).
  for (const std::string& body : bodies) {
    const double c0 = thread_cpu_seconds();
    const json doc = tracker::server::parse_body(body);
    const double c1 = thread_cpu_seconds();
    const auto e = tracker::server::read_envelope(doc, true);
    auto records = tracker::server::records_from_json(*e.records, prod::record_kind::prediction, model->info);
    t.dom_validate += thread_cpu_seconds() - c1;
    t.dom_parse += c1 - c0;
  }
  for (double* v : {&t.parse, &t.validate, &t.store, &t.dom_parse, &t.dom_validate}) *v *= 1e9 / n;
  return t;
}

// Single-record requests straight into the router (no socket): what a request costs the
// server apart from HTTP and the kernel. CPU microseconds per request.
double router_single_us(const std::string& store_dir, double seconds) {
  auto store = prod::store::open(store_dir);
  tracker::server::router api(store);
  const std::string head = R"({"schema_version":1,"model":"bench-model","records":[)";
  // Bodies built 1,000 at a time outside the timing (a body costs ~5 us of nlohmann to build).
  double cpu = 0;
  const auto t0 = clk::now();
  long n = 0;
  std::vector<std::string> bodies(1000);
  while (seconds_since(t0) < seconds) {
    for (std::size_t i = 0; i < bodies.size(); ++i)
      bodies[i] = head + make_record("one-" + std::to_string(n + static_cast<long>(i)), n + static_cast<long>(i)).dump() + "]}";
    const double c0 = thread_cpu_seconds();
    for (const std::string& body : bodies) {
      tracker::server::request req;
      req.method = "POST";
      req.path = "/v1/predictions";
      req.body = body;
      if (api.handle(req).status != 200) std::exit(1);
    }
    cpu += thread_cpu_seconds() - c0;
    n += static_cast<long>(bodies.size());
  }
  return cpu * 1e6 / static_cast<double>(n);
}

// What the client threads of one measurement cost: their own thread CPU, summed.
struct client_cpu {
  std::mutex mutex;
  double seconds = 0;
  long units = 0;  // records or requests those threads got answered
  void add(double s, long n) {
    std::lock_guard lock(mutex);
    seconds += s;
    units += n;
  }
};

// The load generator: a raw-socket keep-alive client (http_load_client.hpp), or, as a
// reference line, cpp-httplib's own client (what the benchmark used before; it costs the
// client side several system calls and two sends per request).
enum class client_kind { raw, httplib };
const char* name_of(client_kind k) { return k == client_kind::raw ? "raw-socket client" : "httplib::Client  "; }

// One keep-alive connection of either kind: post(body) -> status, with the answer's body.
class connection {
 public:
  connection(client_kind kind, int port) : kind_(kind), port_(port), raw_("127.0.0.1", port), cl_("127.0.0.1", port) {
    cl_.set_keep_alive(true);
    cl_.set_tcp_nodelay(true);
    cl_.set_read_timeout(std::chrono::seconds(60));
  }
  int post(const std::string& body, std::string& answer) {
    if (kind_ == client_kind::raw) {
      // Request line and headers built here, outside the server's work; sent with the body in
      // one sendmsg().
      head_ = tracker_bench::post_head("127.0.0.1", port_, "/v1/predictions", body.size());
      return raw_.round_trip(head_, body, answer);
    }
    auto r = cl_.Post("/v1/predictions", body, "application/json");
    answer = r ? r->body : std::string("no answer");
    return r ? r->status : -1;
  }

 private:
  client_kind kind_;
  int port_;
  tracker_bench::load_client raw_;
  httplib::Client cl_;  // connects on first use only
  std::string head_;
};

// Posts every body (split over `clients` keep-alive connections); records/s once all answered.
// cpu_ns_per_record: process CPU (server + clients); client_ns_per_record: the clients' part.
double http_records_per_s(client_kind kind, int port, const std::vector<std::string>& bodies, int clients,
                          long& records_ok, double& cpu_ns_per_record, double& client_ns_per_record) {
  std::atomic<std::size_t> next{0};
  std::atomic<long> ok{0};
  client_cpu client;
  std::vector<std::thread> threads;
  const auto t0 = clk::now();
  const double c0 = process_cpu_seconds();
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      const double t = thread_cpu_seconds();
      long mine = 0;
      connection cl(kind, port);
      std::string answer;
      for (std::size_t i; (i = next++) < bodies.size();) {
        if (cl.post(bodies[i], answer) == 200) mine += json::parse(answer)["accepted"].get<long>();
        else std::fprintf(stderr, "request failed: %s\n", answer.c_str());
      }
      ok += mine;
      client.add(thread_cpu_seconds() - t, mine);
    });
  for (auto& t : threads) t.join();
  const double s = seconds_since(t0);
  records_ok = ok;
  cpu_ns_per_record = (process_cpu_seconds() - c0) * 1e9 / static_cast<double>(ok);
  client_ns_per_record = client.seconds * 1e9 / static_cast<double>(client.units);
  return static_cast<double>(ok) / s;
}

// Single-record requests for `seconds` over `clients` keep-alive connections: requests/s.
// Bodies are one record's text with the id spliced in (cheap: the client's cost is HTTP).
double single_requests_per_s(client_kind kind, int port, int clients, double seconds, const std::string& prefix,
                             double& cpu_us_per_request, double& client_us_per_request) {
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};
  client_cpu client;
  const std::string head = R"({"schema_version":1,"model":"bench-model","records":[)";
  const std::string record = make_record("@ID@", 7).dump();
  const std::string before_id = head + record.substr(0, record.find("@ID@"));
  const std::string after_id = record.substr(record.find("@ID@") + 4) + "]}";
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      const double t = thread_cpu_seconds();
      connection cl(kind, port);
      long n = 0, mine = 0;
      std::string body, answer;
      while (!stop) {
        body = before_id + prefix + std::to_string(c) + "-" + std::to_string(n++) + after_id;
        if (cl.post(body, answer) == 200) {
          ++done;
          ++mine;
        }
      }
      client.add(thread_cpu_seconds() - t, mine);
    });
  const auto t0 = clk::now();
  const double c0 = process_cpu_seconds();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const long at_end = done;
  const double s = seconds_since(t0);
  cpu_us_per_request = (process_cpu_seconds() - c0) * 1e6 / static_cast<double>(at_end);
  stop = true;
  for (auto& t : threads) t.join();
  client_us_per_request = client.seconds * 1e6 / static_cast<double>(client.units);
  return static_cast<double>(at_end) / s;
}

}  // namespace

int main(int argc, char** argv) {
  int batches = 100;
  double seconds = 3;
  bool router_only = false, single_only = false, batched_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--router-only") router_only = true;
    else if (a == "--single-only") single_only = true;
    else if (a == "--batched-only") batched_only = true;
    else if (a == "--batches" && i + 1 < argc) batches = std::atoi(argv[++i]);
    else if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: bench_ingest [--batches N] [--seconds D] [--router-only | --single-only | --batched-only]\n");
      return 2;
    }
  }
  tracker::set_error_handler([](const std::string& m) { std::fprintf(stderr, "tracker: %s\n", m.c_str()); });
  char tmpl[] = "/tmp/bench-ingest-XXXXXX";
  if (!mkdtemp(tmpl)) return 1;
  const std::string root = tmpl;
  if (router_only) {
    std::printf("router, 1 record per request, no socket: %.1f CPU us per request\n",
                router_single_us(fresh_store(root, "router"), seconds));
    std::filesystem::remove_all(root);
    return 0;
  }

  // 1 + 2 + 3 (not with --single-only or --batched-only): stages, the limit and the router, each on a fresh store.
  stage_times st;
  double raw = 0, in_process = 0;
  if (!single_only && !batched_only) {
    std::printf("bench_ingest: %d batches x %d records; cpu: %s, %u hardware threads\n", batches, per_batch,
                tracker_bench::proc_field("/proc/cpuinfo", "model name").c_str(), std::thread::hardware_concurrency());
    const std::vector<std::string> bodies = make_bodies("r", batches, per_batch);
    std::printf("body: %zu bytes per 1,000 records (%.0f bytes per record)\n\n", bodies[0].size(),
                static_cast<double>(bodies[0].size()) / per_batch);

    // 1 + 2: stages and the limit, each on its own fresh store.
    st = stages(fresh_store(root, "stages"), bodies);
    raw = raw_sqlite_ns_per_record(fresh_store(root, "raw"), bodies);
    in_process = st.parse + st.validate + st.store;
    std::printf("load average at start: %s\n\n", tracker_bench::proc_field("/proc/loadavg", "", "?").c_str());
    std::printf("stages, in process, one thread (CPU ns per record):\n");
    std::printf("  parse     %8.0f   body text -> records (production_parse)   [DOM path: %.0f, JSON text -> DOM]\n",
                st.parse, st.dom_parse);
    std::printf("  validate  %8.0f   record_rules::check, cached model         [DOM path: %.0f, envelope +"
                " record_from_json]\n",
                st.validate, st.dom_validate);
    std::printf("  parse + validate %.0f (target <= 1,500); the DOM path %.0f (%.1fx)\n", st.parse + st.validate,
                st.dom_parse + st.dom_validate, (st.dom_parse + st.dom_validate) / (st.parse + st.validate));
    std::printf("  store     %8.0f   detail::write_validated (builds rows, commits)\n", st.store);
    std::printf("  total     %8.0f   = %.0f records/s per core\n", in_process, 1e9 / in_process);
    std::printf("  limit     %8.0f   raw SQLite INSERT of the same rows (store / limit = %.1fx)\n", raw, st.store / raw);

    std::printf("  router, 1 record per request, no socket: %.1f CPU us per request (commit included)\n\n",
                router_single_us(fresh_store(root, "router"), seconds));
  }

  // 3 + 4: over HTTP, a server on a fresh store.
  const std::string store_dir = fresh_store(root, "http");
  auto store = prod::store::open(store_dir);
  tracker::server::server_options options;
  options.port = 0;
  tracker::server::http_server server(store, options);
  const int port = server.bind();
  std::thread serving([&] { server.serve(); });

  if (single_only) {
    double cpu_us = 0, client_us = 0;
    const double rate = single_requests_per_s(client_kind::raw, port, 8, seconds, "s8-", cpu_us, client_us);
    std::printf("single-record requests, raw-socket client, 8 connections: %.0f requests/s wall; CPU %.1f us per"
                " request (clients %.1f)\n", rate, cpu_us, client_us);
    server.stop();
    serving.join();
    std::filesystem::remove_all(root);
    return 0;
  }
  if (batched_only) {
    long ok = 0;
    double cpu_ns = 0, client_ns = 0;
    const double rate = http_records_per_s(client_kind::raw, port, make_bodies("h4", batches, per_batch), 4, ok,
                                           cpu_ns, client_ns);
    std::printf("%d records per request, raw-socket client, 4 connections: %.0f records/s wall; CPU %.0f ns per"
                " record (clients %.0f)\n", per_batch, rate, cpu_ns, client_ns);
    server.stop();
    serving.join();
    std::filesystem::remove_all(root);
    return 0;
  }
  std::printf("end to end over loopback, %d records per request (target >= 300,000 records/s):\n", per_batch);
  struct run {
    client_kind kind;
    int clients;
  };
  for (const run r : {run{client_kind::raw, 1}, run{client_kind::raw, 4}, run{client_kind::httplib, 4}}) {
    long ok = 0;
    double cpu_ns = 0, client_ns = 0;
    const auto bs = make_bodies(std::string(r.kind == client_kind::raw ? "h" : "c") + std::to_string(r.clients),
                                batches, per_batch);
    const double rate = http_records_per_s(r.kind, port, bs, r.clients, ok, cpu_ns, client_ns);
    std::printf("  %s, %d connection%s %9.0f records/s wall; CPU (server + clients) %6.0f ns per record (clients %.0f)"
                " = %.1fx the stages, %.1fx the limit%s\n",
                name_of(r.kind), r.clients, r.clients == 1 ? ": " : "s:", rate, cpu_ns, client_ns, cpu_ns / in_process,
                cpu_ns / raw, ok == static_cast<long>(bs.size()) * per_batch ? "" : "  SOME FAILED");
  }
  std::printf("\nsingle-record requests, keep-alive, %.0f s each (target >= 10,000 requests/s):\n", seconds);
  for (const run r : {run{client_kind::raw, 1}, run{client_kind::raw, 8}, run{client_kind::httplib, 8}}) {
    double cpu_us = 0, client_us = 0;
    const std::string prefix = std::string(r.kind == client_kind::raw ? "s" : "c") + std::to_string(r.clients) + "-";
    const double rate = single_requests_per_s(r.kind, port, r.clients, seconds, prefix, cpu_us, client_us);
    std::printf("  %s, %d connection%s %9.0f requests/s wall; CPU (server + clients) %.1f us per request"
                " (clients %.1f)\n",
                name_of(r.kind), r.clients, r.clients == 1 ? ": " : "s:", rate, cpu_us, client_us);
  }
  std::printf("\nload average at end: %s\n", tracker_bench::proc_field("/proc/loadavg", "", "?").c_str());
  server.stop();
  serving.join();
  std::filesystem::remove_all(root);
  return 0;
}
