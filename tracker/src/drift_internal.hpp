// drift_internal.hpp — what the drift_*.cpp files share (not installed).
#pragma once

#include <tracker/drift.hpp>
#include <tracker/types.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace tracker::drift::detail {

[[noreturn]] inline void bad(const std::string& what) {
  throw error(error_code::invalid_argument, "drift: " + what);
}

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kPi = 3.14159265358979323846;

inline double clip01(double p) { return std::isnan(p) ? p : std::min(1.0, std::max(0.0, p)); }

inline void check_sorted_input(std::span<const double> a, const char* what) {
  if (a.empty()) bad(std::string(what) + ": empty sample");
  if (!std::isfinite(a.front()) || !std::isfinite(a.back())) bad(std::string(what) + ": non-finite value");
}

// Buffers sorted_finite needs besides its result, kept by a caller that sorts many columns
// (compute_report's workers): reusing them saves the page faults and the kernel's zero-filling
// of ~24 bytes per value, about a tenth of a sort. Freed with the scratch.
struct sort_scratch {
  std::vector<std::uint64_t, big_allocator<std::uint64_t>> keys, tmp;
  value_vector result;  // a finished result's buffer, given back for the next sort
};
value_vector sorted_finite(std::span<const double> values, std::int64_t* missing, sort_scratch& scratch);

}  // namespace tracker::drift::detail
