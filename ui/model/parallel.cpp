// parallel.cpp — see parallel.hpp.
#include "model/parallel.hpp"

#include "model/axis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace tracker::ui {

std::vector<std::pair<std::string, bool>> default_axes(const std::vector<const run_row*>& runs,
                                                       std::size_t max_metrics) {
  std::vector<std::pair<std::string, bool>> out;
  std::set<std::string> keys;
  for (const run_row* r : runs)
    for (const auto& [k, v] : r->config) keys.insert(k);
  for (const std::string& k : keys) {
    std::set<std::string> values;
    for (const run_row* r : runs) {
      auto it = r->config.find(k);
      values.insert(it == r->config.end() ? std::string("\x01missing") : it->second.text);
    }
    if (values.size() > 1) out.push_back({k, true});
  }
  std::vector<std::string> mk;
  for (const std::string& k : runs.empty() ? std::vector<std::string>{} : [&] {
         std::vector<std::string> v;
         for (const auto& [key, m] : runs[0]->metrics) v.push_back(key);
         return v;
       }()) {
    if (k.rfind("system/", 0) == 0) continue;
    if (std::all_of(runs.begin(), runs.end(),
                    [&](const run_row* r) { return r->metrics.count(k) > 0; }))
      mk.push_back(k);
  }
  std::stable_sort(mk.begin(), mk.end(), [](const std::string& a, const std::string& b) {
    auto rank = [](const std::string& k) {
      return k.rfind("val/", 0) == 0 || k.rfind("test/", 0) == 0 ? 0 : 1;
    };
    return rank(a) < rank(b);
  });
  for (std::size_t i = 0; i < mk.size() && i < max_metrics; ++i) out.push_back({mk[i], false});
  return out;
}

pc_data build_parallel(const std::vector<const run_row*>& runs,
                       const std::vector<std::pair<std::string, bool>>& axes) {
  pc_data d;
  d.runs = runs;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::vector<double>> raw(runs.size(), std::vector<double>(axes.size(), nan));
  for (std::size_t a = 0; a < axes.size(); ++a) {
    pc_axis ax;
    ax.key = axes[a].first;
    ax.config = axes[a].second;
    std::set<std::string> cats;
    bool numeric = true;
    for (const run_row* r : runs) {
      if (!ax.config) continue;
      auto it = r->config.find(ax.key);
      if (it == r->config.end()) continue;
      cats.insert(it->second.text);
      numeric &= it->second.number.has_value();
    }
    ax.categorical = ax.config && !numeric;
    ax.categories.assign(cats.begin(), cats.end());
    double lo = INFINITY, hi = -INFINITY;
    for (std::size_t i = 0; i < runs.size(); ++i) {
      double v = nan;
      if (ax.config) {
        auto it = runs[i]->config.find(ax.key);
        if (it != runs[i]->config.end())
          v = ax.categorical ? double(std::lower_bound(ax.categories.begin(), ax.categories.end(),
                                                       it->second.text) -
                                      ax.categories.begin())
                             : *it->second.number;
      } else {
        auto it = runs[i]->metrics.find(ax.key);
        if (it != runs[i]->metrics.end() && it->second.count > 0) v = it->second.last;
      }
      raw[i][a] = v;
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
    if (ax.categorical) {
      lo = 0;
      hi = std::max(1.0, double(ax.categories.size()) - 1);
    }
    if (!(lo <= hi)) lo = 0, hi = 1;
    if (lo == hi) lo -= 0.5, hi += 0.5;
    ax.lo = lo;
    ax.hi = hi;
    d.axes.push_back(std::move(ax));
  }
  d.pos.assign(runs.size(), std::vector<double>(axes.size(), nan));
  for (std::size_t i = 0; i < runs.size(); ++i)
    for (std::size_t a = 0; a < axes.size(); ++a) {
      const pc_axis& ax = d.axes[a];
      double v = raw[i][a];
      if (!std::isfinite(v)) continue;
      if (ax.categorical && ax.categories.size() == 1) v = 0.5;
      d.pos[i][a] =
          ax.categorical && ax.categories.size() == 1 ? 0.5 : (v - ax.lo) / (ax.hi - ax.lo);
    }
  return d;
}

std::string brush_term(const pc_axis& a, double b0, double b1) {
  if (b0 > b1) std::swap(b0, b1);
  const std::string name = a.config ? "config." + a.key : a.key;
  if (a.categorical) {
    std::vector<std::string> inside;
    for (std::size_t i = 0; i < a.categories.size(); ++i) {
      double p = a.categories.size() == 1 ? 0.5 : double(i) / double(a.categories.size() - 1);
      if (p >= b0 && p <= b1) inside.push_back(a.categories[i]);
    }
    return inside.size() == 1 ? name + "=" + inside[0] : "";
  }
  auto value = [&](double t) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", a.lo + t * (a.hi - a.lo));
    return std::string(buf);
  };
  return name + ">=" + value(b0) + " " + name + "<=" + value(b1);
}

}  // namespace tracker::ui
