// compare.cpp — see compare.hpp.
#include "model/compare.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace tracker::ui {

std::vector<config_row> config_diff(const std::vector<const run_row*>& runs,
                                    bool only_differences) {
  std::set<std::string> keys;
  for (const run_row* r : runs)
    for (const auto& [k, v] : r->config) keys.insert(k);
  std::vector<config_row> out;
  for (const std::string& k : keys) {
    config_row row;
    row.key = k;
    for (const run_row* r : runs) {
      auto it = r->config.find(k);
      row.present.push_back(it != r->config.end());
      row.values.push_back(it != r->config.end() ? it->second.text : "");
    }
    for (std::size_t i = 1; i < runs.size(); ++i)
      row.differs |= row.present[i] != row.present[0] || row.values[i] != row.values[0];
    if (row.differs || !only_differences) out.push_back(std::move(row));
  }
  return out;
}

goal goal_of(const metric_summary& m) noexcept {
  return m.metric_goal != goal::none ? m.metric_goal : infer_goal(m.key);
}

std::optional<double> summary_value(const metric_summary& m, summary_field f) {
  switch (f) {
    case summary_field::best: {
      goal g = goal_of(m);
      return g == goal::minimize ? m.min : g == goal::maximize ? m.max : std::nullopt;
    }
    case summary_field::min:
      return m.min;
    case summary_field::max:
      return m.max;
    default:
      return m.count > 0 ? std::optional<double>(m.last) : std::nullopt;
  }
}

int delta_direction(goal g, double delta) noexcept {
  if (std::isnan(delta) || delta == 0 || g == goal::none) return 0;
  int up = delta > 0 ? 1 : -1;
  return g == goal::maximize ? up : -up;
}

std::vector<metric_row> metric_compare(const std::vector<const run_row*>& runs, summary_field f) {
  std::set<std::string> keys;
  for (const run_row* r : runs)
    for (const auto& [k, m] : r->metrics)
      if (k.rfind("system/", 0) != 0) keys.insert(k);
  auto rank = [](const std::string& k) {
    return k.rfind("val/", 0) == 0 || k.rfind("test/", 0) == 0 ? 0 : 1;
  };
  std::vector<std::string> ordered(keys.begin(), keys.end());
  std::stable_sort(ordered.begin(), ordered.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  std::vector<metric_row> out;
  for (const std::string& k : ordered) {
    metric_row row;
    row.key = k;
    for (const run_row* r : runs) {
      auto it = r->metrics.find(k);
      if (it != r->metrics.end() && row.metric_goal == goal::none)
        row.metric_goal = goal_of(it->second);
      row.value.push_back(it != r->metrics.end() ? summary_value(it->second, f) : std::nullopt);
    }
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (i == 0 || !row.value[0] || !row.value[i]) {
        row.delta.push_back(std::nullopt);
        row.direction.push_back(0);
        continue;
      }
      double d = *row.value[i] - *row.value[0];
      row.delta.push_back(d);
      row.direction.push_back(delta_direction(row.metric_goal, d));
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace tracker::ui
