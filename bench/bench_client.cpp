// bench_client.cpp — what tracker::production_logger costs the serving thread: the time of one
// log_prediction() call on the calling thread (target <= 1 µs), while the sender thread ships
// the records to an HTTP server in the same process. Results: docs/performance.md ("Production
// client").
//
// Method: N typical records (id, 4 features, 10 probabilities, latency) are built before the
// clock starts, so the call is measured alone; the building is measured separately, because a
// caller pays it whatever logger it uses. Each case times blocks of 1,000 calls (mean per
// call: median and worst block) and every single call of one run (percentiles; one
// clock_gettime pair, whose own cost is measured and subtracted). Cases:
//   accepted     buffer large enough: every call is a move into the ring (the normal case)
//   full, drop_newest / drop_oldest   the server is down and the ring is full: the overload path
//   2 threads    two serving threads logging at once (contention on the ring's tail)
// The server (cpp-httplib on 127.0.0.1, answers 200 {"accepted":N}) runs in this process, so the
// sender's serialization and the server compete with the calling thread for the 2 vCPUs: the
// numbers include that interference, as a real serving process would have it.
//
//   build/bin/bench_client [--records N]
#include "machine_info.hpp"

#include <tracker/production_logger.hpp>
#include <tracker/tracker.hpp>

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <time.h>

namespace {

using namespace std::chrono_literals;
namespace prod = tracker::production;

double now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e9 * static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec);
}

prod::record make_record(std::size_t i) {
  prod::record r;
  r.id = "req-" + std::to_string(i);
  r.predicted = "Shirt";
  r.probabilities = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.55};
  r.features = {{"brightness", 0.71},
                {"contrast", 0.22},
                {"dark_fraction", 0.4},
                {"source", std::string("upload")}};
  r.latency_ms = 12.5;
  return r;
}

std::vector<prod::record> make_records(std::size_t n, std::size_t offset) {
  std::vector<prod::record> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) v.push_back(make_record(offset + i));
  return v;
}

// A sink server: parses nothing, answers what tracker serve answers.
struct server {
  httplib::Server srv;
  std::thread thread;
  int port = 0;
  server() {
    for (const char* path : {"/v1/predictions", "/v1/reference", "/v1/feedback"})
      srv.Post(path, [](const httplib::Request&, httplib::Response& res) {
        res.set_content("{\"accepted\":1,\"duplicates\":0}", "application/json");
      });
    srv.set_tcp_nodelay(true);
    port = srv.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { srv.listen_after_bind(); });
  }
  ~server() {
    srv.stop();
    thread.join();
  }
};

double percentile(std::vector<double>& v, double p) {
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

struct result {
  double block_median = 0, block_worst = 0, p50 = 0, p99 = 0, p999 = 0, max = 0;
};

// Passes `records` to `log` (a log_prediction-like callable), timing blocks of 1,000 calls and
// every call.
template <class Log>
result measure(Log&& log, std::vector<prod::record>& records, double clock_cost) {
  std::vector<double> blocks, calls;
  calls.reserve(records.size());
  const std::size_t block = 1000;
  // Half the records in timed blocks, half one by one (two passes over distinct records).
  const std::size_t half = records.size() / 2;
  for (std::size_t b = 0; b + block <= half; b += block) {
    const double t0 = now_ns();
    for (std::size_t i = b; i < b + block; ++i) log(std::move(records[i]));
    blocks.push_back((now_ns() - t0) / static_cast<double>(block));
  }
  for (std::size_t i = half; i < records.size(); ++i) {
    const double t0 = now_ns();
    log(std::move(records[i]));
    calls.push_back(std::max(0.0, now_ns() - t0 - clock_cost));
  }
  result r;
  r.block_median = percentile(blocks, 0.5);
  r.block_worst = *std::max_element(blocks.begin(), blocks.end());
  r.p50 = percentile(calls, 0.5);
  r.p99 = percentile(calls, 0.99);
  r.p999 = percentile(calls, 0.999);
  r.max = *std::max_element(calls.begin(), calls.end());
  return r;
}

auto call(tracker::production_logger& log) {
  return [&log](prod::record&& r) { log.log_prediction(std::move(r)); };
}

void print(const char* name, const result& r) {
  std::printf("%-28s %10.0f %10.0f %8.0f %8.0f %8.0f %9.0f\n", name, r.block_median, r.block_worst, r.p50, r.p99,
              r.p999, r.max);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 200'000;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--records") == 0) n = std::strtoul(argv[++i], nullptr, 10);
  // Silence the logger's reports (the "server down" cases make some on purpose).
  tracker::set_error_handler([](const std::string&) {});

  std::printf("bench_client: %s, %u threads, load %s\n",
              tracker_bench::proc_field("/proc/cpuinfo", "model name").c_str(), std::thread::hardware_concurrency(),
              tracker_bench::proc_field("/proc/loadavg", "", "?").c_str());
  std::printf("records per case: %zu (4 features, 10 probabilities, built before timing)\n\n", n);

  // The cost of the clock itself, subtracted from single-call timings.
  double clock_cost = 0;
  {
    std::vector<double> v;
    for (int i = 0; i < 100'000; ++i) {
      const double t0 = now_ns();
      v.push_back(now_ns() - t0);
    }
    clock_cost = percentile(v, 0.5);
  }
  // What the caller spends building (and, here, destroying) one record: not the logger's cost,
  // any logger needs the record, but the scale to read the call cost against.
  double build_ns = 0;
  {
    std::size_t sink = 0;
    const double t0 = now_ns();
    for (std::size_t i = 0; i < 100'000; ++i) sink += make_record(i).id.size();
    build_ns = (now_ns() - t0) / 100'000.0;
    if (sink == 0) std::printf("\n");
  }
  std::printf("clock_gettime pair: %.0f ns (subtracted); building one record: %.0f ns (caller's cost)\n\n", clock_cost,
              build_ns);
  std::printf("%-28s %10s %10s %8s %8s %8s %9s   (ns per call)\n", "case", "blk median", "blk worst", "p50", "p99",
              "p99.9", "max");

  // Baselines in the same run. The floor: a move into a preallocated slot, no synchronization
  // at all (what any buffer must at least do). The plain design: a preallocated vector behind a
  // std::mutex (which the sender would also lock to take records out).
  {
    std::vector<prod::record> slots(n);
    std::size_t next = 0;
    auto records = make_records(n, 0);
    print("floor: move into a slot", measure([&](prod::record&& r) { slots[next++] = std::move(r); }, records, clock_cost));
  }
  {
    std::mutex mu;
    std::vector<prod::record> q;
    q.reserve(n);
    auto records = make_records(n, 0);
    print("mutex + vector, 1 thread", measure([&](prod::record&& r) {
            std::lock_guard lock(mu);
            q.push_back(std::move(r));
          }, records, clock_cost));
    q.clear();
    auto a = make_records(n / 2, 0), b = make_records(n / 2, n);
    result ra, rb;
    auto push = [&](prod::record&& r) {
      std::lock_guard lock(mu);
      q.push_back(std::move(r));
    };
    std::atomic<int> ready{0};
    auto together = [&] {  // both threads start timing at the same moment
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
    };
    std::thread other([&] { together(); rb = measure(push, b, clock_cost); });
    together();
    ra = measure(push, a, clock_cost);
    other.join();
    print("mutex + vector, 2 threads (1)", ra);
    print("mutex + vector, 2 threads (2)", rb);
  }

  server srv;
  const std::string url = "http://127.0.0.1:" + std::to_string(srv.port);

  // 1. The normal case: room in the buffer, the sender shipping batches meanwhile.
  {
    tracker::production_logger_options o;
    o.url = url;
    o.model = "bench";
    o.buffer_capacity = n + 1;
    tracker::production_logger log(o);
    auto records = make_records(n, 0);
    const double t0 = now_ns();
    const result r = measure(call(log), records, clock_cost);
    log.flush(60s);
    const double secs = (now_ns() - t0) / 1e9;
    print("accepted", r);
    const auto s = log.stats();
    std::printf("%-28s sent %llu of %llu in %.2f s (%.0f records/s through the sender), %llu requests, dropped %llu\n",
                "", static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.logged), secs,
                static_cast<double>(s.sent) / secs, static_cast<unsigned long long>(s.requests),
                static_cast<unsigned long long>(s.dropped));
  }

  // 2. Overload: nothing listens, the ring (1,024) is full: every call drops.
  for (auto policy : {tracker::buffer_policy::drop_newest, tracker::buffer_policy::drop_oldest}) {
    tracker::production_logger_options o;
    o.url = "http://127.0.0.1:1";
    o.model = "bench";
    o.buffer_capacity = 1024;
    o.on_full = policy;
    o.shutdown_timeout = 0ms;
    tracker::production_logger log(o);
    auto records = make_records(n, 0);
    const result r = measure(call(log), records, clock_cost);
    print(policy == tracker::buffer_policy::drop_newest ? "full, drop_newest" : "full, drop_oldest", r);
  }

  // 3. Two serving threads at once (each measured on its own).
  {
    tracker::production_logger_options o;
    o.url = url;
    o.model = "bench";
    o.buffer_capacity = n + 1;
    tracker::production_logger log(o);
    auto a = make_records(n / 2, 0), b = make_records(n / 2, n);
    result ra, rb;
    std::atomic<int> ready{0};
    auto together = [&] {
      ready.fetch_add(1);
      while (ready.load() < 2) {
      }
    };
    std::thread other([&] { together(); rb = measure(call(log), b, clock_cost); });
    together();
    ra = measure(call(log), a, clock_cost);
    other.join();
    log.flush(60s);
    print("2 threads (thread 1)", ra);
    print("2 threads (thread 2)", rb);
  }
  return 0;
}
