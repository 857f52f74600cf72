// test_system_monitor.cpp — tracker::system_monitor (no LibTorch: its own small binary).
#include <tracker/query.hpp>
#include <tracker/system_monitor.hpp>
#include <tracker/tracker.hpp>

#include <test_support.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

namespace {
double burn_cpu(std::chrono::milliseconds d) {
  volatile double x = 0;
  const auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end)
    for (int i = 0; i < 10000; ++i) x = x + std::sqrt(static_cast<double>(i));
  return x;
}
}  // namespace

TEST_CASE("system_sampler reads plausible process and machine numbers from /proc", "[system]") {
  tracker::system_sampler sampler;
  burn_cpu(std::chrono::milliseconds(300));
  const tracker::system_sample s = sampler.sample();
  REQUIRE(s.cpu_percent.has_value());
  CHECK(*s.cpu_percent > 1.0);    // we just kept a core busy (even a loaded machine gives us some)
  CHECK(*s.cpu_percent < 100.0 * std::thread::hardware_concurrency() + 50.0);
  REQUIRE(s.rss_mb.has_value());
  CHECK(*s.rss_mb > 0.5);
  CHECK(*s.rss_mb < 1024.0 * 1024.0);
  REQUIRE(s.memory_percent.has_value());
  CHECK(*s.memory_percent > 0.0);
  CHECK(*s.memory_percent <= 100.0);
  REQUIRE(s.threads.has_value());
  CHECK(*s.threads >= 1.0);

  std::thread extra([] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const tracker::system_sample with_extra = sampler.sample();
  CHECK(*with_extra.threads >= *s.threads + 1.0);
  extra.join();
}

TEST_CASE("system_monitor logs system/* in the background at the caller's step and stops", "[system]") {
  tracker_test::temp_dir dir;
  std::string run_id;
  std::int64_t logged = 0;
  {
    tracker::options o;
    o.store = dir.store();
    o.capture_git = false;
    o.handle_signals = false;
    tracker::run run = tracker::init(o);
    run_id = run.id();
    std::atomic<std::int64_t> step{1000};
    tracker::system_monitor_options so;
    so.interval = std::chrono::milliseconds(30);
    so.step = [&step] { return step.fetch_add(1); };
    tracker::system_monitor monitor(run, so);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (monitor.samples() < 3 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    monitor.stop();
    logged = monitor.samples();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(monitor.samples() == logged);  // stopped means stopped
    run.finish();
  }
  REQUIRE(logged >= 3);
  const tracker::reader rd = tracker::reader::open(dir.store());
  for (const char* key : {"system/cpu_percent", "system/rss_mb", "system/memory_percent", "system/threads"}) {
    INFO(key);
    const auto points = rd.points(run_id, key);
    CHECK(static_cast<std::int64_t>(points.size()) == logged);
    if (!points.empty()) CHECK(points.front().step == 1000);
  }
  CHECK(rd.summary(run_id, "system/threads")->min >= 2.0);  // the test thread and the monitor
}
