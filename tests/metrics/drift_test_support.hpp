// drift_test_support.hpp — what tests/metrics/test_drift*.cpp share.
#pragma once

#include <tracker/drift.hpp>

#include <initializer_list>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace drift_test {

namespace drift = tracker::drift;

inline constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
inline constexpr double inf_v = std::numeric_limits<double>::infinity();

inline std::vector<double> seq(int from, int to) {  // from..to inclusive
  std::vector<double> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

inline std::vector<std::string> repeat(std::initializer_list<std::pair<const char*, int>> parts) {
  std::vector<std::string> v;
  for (const auto& [s, n] : parts)
    for (int i = 0; i < n; ++i) v.emplace_back(s);
  return v;
}

inline drift::feature_result run_one(const drift::column_view& r, const drift::column_view& c,
                              const drift::options& o = {}, const std::string& name = "f") {
  return drift::test_feature(name, drift::prepare(r), drift::prepare(c), o);
}

}  // namespace drift_test
