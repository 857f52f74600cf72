// monitor_internal.hpp — small helpers shared by monitor.cpp and monitor_markdown.cpp.
#pragma once

#include <tracker/monitor.hpp>

#include <string>

namespace tracker::monitor {

// "2026-11-22T10:00:00Z" (UTC; fractional seconds kept to milliseconds when present).
std::string iso_time(double unix_seconds);
// The shortest text that reads back as the same double ("0.5", "3", "1e-07").
std::string number_text(double v);

}  // namespace tracker::monitor
