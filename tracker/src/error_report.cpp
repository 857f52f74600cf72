#include "error_report.hpp"

#include <tracker/tracker.hpp>

#include <chrono>
#include <cstdio>
#include <mutex>

namespace tracker {
namespace {

struct error_channel {
  std::mutex mu;
  std::function<void(const std::string&)> handler;  // empty: the default stderr printer
  std::chrono::steady_clock::time_point last_print{};
  unsigned long suppressed = 0;
};

error_channel& channel() {
  static auto* c = new error_channel;  // leaked on purpose: usable during static destruction
  return *c;
}

}  // namespace

void set_error_handler(std::function<void(const std::string& message)> handler) {
  std::lock_guard lock(channel().mu);
  channel().handler = std::move(handler);
}

void report_error(std::string_view message) noexcept {
  try {
    detail::report_error(std::string(message));
  } catch (...) {
    // Out of memory while copying the message: nothing sensible left to do.
  }
}

namespace detail {

void report_error(const std::string& message) noexcept {
  try {
    auto& c = channel();
    std::unique_lock lock(c.mu);
    if (c.handler) {
      auto handler = c.handler;  // call outside the lock: a handler may log or report again
      lock.unlock();
      handler(message);
      return;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - c.last_print < std::chrono::seconds(1)) {
      ++c.suppressed;
      return;
    }
    c.last_print = now;
    if (c.suppressed)
      std::fprintf(stderr, "tracker: %s (%lu similar messages suppressed)\n", message.c_str(), c.suppressed);
    else
      std::fprintf(stderr, "tracker: %s\n", message.c_str());
    c.suppressed = 0;
  } catch (...) {
    // Reporting must never take the training loop down.
  }
}

}  // namespace detail
}  // namespace tracker
