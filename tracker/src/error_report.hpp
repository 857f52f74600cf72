// error_report.hpp — the logging path's error channel: never throws, rate-limited.
#pragma once

#include <string>

namespace tracker::detail {

// Sends a message to the user's error handler (default: stderr, at most one line per second;
// repeats in between are counted and summarised with the next line that gets through).
void report_error(const std::string& message) noexcept;

}  // namespace tracker::detail
