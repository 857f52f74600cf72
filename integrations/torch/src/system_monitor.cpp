// system_monitor.cpp — /proc readings on a background thread. No LibTorch here.
#include <tracker/system_monitor.hpp>

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace tracker {

namespace {

// utime + stime of this process, in seconds (/proc/self/stat fields 14 and 15).
std::optional<double> process_cpu_seconds() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Field 2 (comm) may contain spaces and parentheses: parse after the last ')'.
  std::size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After ')' come field 3 (state) ... ; utime is field 14, stime field 15.
  for (int i = 3; i <= 15 && (fields >> field); ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  if (!fields) return std::nullopt;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (ticks <= 0) return std::nullopt;
  return static_cast<double>(utime + stime) / static_cast<double>(ticks);
}

// "Name:   value kB" lines of /proc/self/status and /proc/meminfo.
std::optional<double> read_field(const char* file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) == 0 && line.size() > name.size() && line[name.size()] == ':') {
      std::istringstream rest(line.substr(name.size() + 1));
      double v = 0;
      if (rest >> v) return v;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

system_sampler::system_sampler()
    : last_cpu_seconds_(process_cpu_seconds()), last_time_(std::chrono::steady_clock::now()) {}

system_sample system_sampler::sample() {
  system_sample s;
  const auto now = std::chrono::steady_clock::now();
  const std::optional<double> cpu = process_cpu_seconds();
  const double wall = std::chrono::duration<double>(now - last_time_).count();
  if (cpu && last_cpu_seconds_ && wall > 0) s.cpu_percent = 100.0 * (*cpu - *last_cpu_seconds_) / wall;
  last_cpu_seconds_ = cpu;
  last_time_ = now;

  if (auto kb = read_field("/proc/self/status", "VmRSS")) s.rss_mb = *kb / 1024.0;
  if (auto n = read_field("/proc/self/status", "Threads")) s.threads = *n;
  auto total = read_field("/proc/meminfo", "MemTotal");
  auto available = read_field("/proc/meminfo", "MemAvailable");
  if (total && available && *total > 0) s.memory_percent = 100.0 * (*total - *available) / *total;
  return s;
}

system_monitor::system_monitor(run& r, system_monitor_options options)
    : run_(&r), options_(std::move(options)) {
  if (options_.interval.count() <= 0)
    throw tracker::error(error_code::invalid_argument,
                         "tracker::system_monitor: the interval must be positive");
  thread_ = std::thread([this] { loop(); });
}

namespace {
system_monitor_options with_interval(std::chrono::milliseconds interval) {
  system_monitor_options o;
  o.interval = interval;
  return o;
}
}  // namespace

system_monitor::system_monitor(run& r, std::chrono::milliseconds interval)
    : system_monitor(r, with_interval(interval)) {}

system_monitor::~system_monitor() { stop(); }

void system_monitor::stop() noexcept {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::int64_t system_monitor::samples() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

void system_monitor::loop() {
  system_sampler sampler;
  const std::string p = options_.prefix.empty() ? "" : options_.prefix + "/";
  const key_handle cpu_key = run_->key(p + "cpu_percent");
  const key_handle rss_key = run_->key(p + "rss_mb");
  const key_handle mem_key = run_->key(p + "memory_percent");
  const key_handle threads_key = run_->key(p + "threads");
  auto next = std::chrono::steady_clock::now() + options_.interval;
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    next += options_.interval;
    const std::int64_t n = samples_;
    lock.unlock();
    std::int64_t step = n;
    if (options_.step) {
      try {
        step = options_.step();
      } catch (...) {
        step = n;
      }
    }
    const system_sample s = sampler.sample();
    if (s.cpu_percent) run_->log(cpu_key, *s.cpu_percent, step);
    if (s.rss_mb) run_->log(rss_key, *s.rss_mb, step);
    if (s.memory_percent) run_->log(mem_key, *s.memory_percent, step);
    if (s.threads) run_->log(threads_key, *s.threads, step);
    lock.lock();
    ++samples_;
    // After a long stall (suspended process), do not fire a burst of catch-up samples.
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now + options_.interval;
  }
}

}  // namespace tracker
