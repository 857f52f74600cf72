// metrics_fixtures.hpp — confusion matrices shared by the metrics tests.
#pragma once

#include <tracker/metrics.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace metrics_fixtures {

inline tracker::metrics::confusion_matrix make_cm(std::vector<std::string> labels,
                                                  const std::vector<std::vector<std::int64_t>>& rows) {
  tracker::metrics::confusion_matrix cm(std::move(labels));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      if (rows[i][j]) cm.add(static_cast<std::int64_t>(i), static_cast<std::int64_t>(j), rows[i][j]);
  return cm;
}

// The 3-class fixture used throughout (rows = true, columns = predicted):
//          a  b  c   support
//    a  [  5, 1, 0 ]   6
//    b  [  2, 3, 1 ]   6
//    c  [  1, 0, 2 ]   3
//  predicted: a 8, b 4, c 3; total 15; diagonal 10.
inline tracker::metrics::confusion_matrix three_class() {
  return make_cm({"a", "b", "c"}, {{5, 1, 0}, {2, 3, 1}, {1, 0, 2}});
}

}  // namespace metrics_fixtures
