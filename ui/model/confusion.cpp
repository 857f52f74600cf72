// confusion.cpp — see confusion.hpp.
#include "model/confusion.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace tracker::ui {

std::optional<cm_normalize> parse_normalize(std::string_view s) noexcept {
  if (s == "none") return cm_normalize::none;
  if (s == "true") return cm_normalize::true_rows;
  if (s == "pred") return cm_normalize::pred_cols;
  return std::nullopt;
}

const char* to_string(cm_normalize n) noexcept {
  switch (n) {
    case cm_normalize::true_rows:
      return "true";
    case cm_normalize::pred_cols:
      return "pred";
    default:
      return "none";
  }
}

std::vector<double> normalized(const metrics::confusion_matrix& cm, cm_normalize mode) {
  const std::size_t k = cm.size();
  const auto& c = cm.counts();
  std::vector<double> out(k * k, 0.0);
  std::vector<double> sums(k, 0.0);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      sums[mode == cm_normalize::pred_cols ? j : i] += double(c[i * k + j]);
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      double v = double(c[i * k + j]);
      if (mode == cm_normalize::none) {
        out[i * k + j] = v;
      } else {
        double s = sums[mode == cm_normalize::pred_cols ? j : i];
        out[i * k + j] = s > 0 ? v / s : 0.0;
      }
    }
  return out;
}

std::optional<metrics::confusion_matrix> parse_confusion(const std::string& body_json,
                                                         std::string* why) {
  try {
    return metrics::confusion_matrix::from_json(nlohmann::json::parse(body_json));
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

cm_difference difference(const metrics::confusion_matrix& a, const metrics::confusion_matrix& b,
                         cm_normalize mode) {
  cm_difference out;
  if (a.labels() != b.labels()) {
    out.error = a.size() != b.size()
                    ? "the matrices have different classes (" + std::to_string(a.size()) + " and " +
                          std::to_string(b.size()) + ")"
                    : "the matrices' class labels differ";
    for (std::size_t i = 0; a.size() == b.size() && i < a.size(); ++i)
      if (a.labels()[i] != b.labels()[i]) {
        out.error += ": '" + a.labels()[i] + "' against '" + b.labels()[i] + "'";
        break;
      }
    return out;
  }
  out.ok = true;
  out.k = a.size();
  out.a = normalized(a, mode);
  out.b = normalized(b, mode);
  out.d.resize(out.a.size());
  for (std::size_t i = 0; i < out.a.size(); ++i) out.d[i] = out.b[i] - out.a[i];
  return out;
}

std::vector<cm_change> biggest_changes(const metrics::confusion_matrix& a,
                                       const metrics::confusion_matrix& b, std::size_t limit) {
  std::vector<cm_change> out;
  if (a.labels() != b.labels()) return out;
  const std::size_t k = a.size();
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j)
      if (i != j && b.counts()[i * k + j] > a.counts()[i * k + j])
        out.push_back({i, j, a.counts()[i * k + j], b.counts()[i * k + j]});
  std::stable_sort(out.begin(), out.end(),
                   [](const cm_change& x, const cm_change& y) { return x.b - x.a > y.b - y.a; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<std::int64_t> object_steps(const std::vector<object_info>& index,
                                       const std::string& key) {
  std::set<std::int64_t> steps;
  for (const object_info& o : index)
    if (o.key == key) steps.insert(o.step);
  return {steps.begin(), steps.end()};
}

std::optional<std::size_t> step_position(const std::vector<std::int64_t>& steps,
                                         std::optional<std::int64_t> want) {
  if (steps.empty()) return std::nullopt;
  if (!want) return steps.size() - 1;
  auto it = std::upper_bound(steps.begin(), steps.end(), *want);
  if (it == steps.begin()) return 0;
  return std::size_t(it - steps.begin()) - 1;
}

std::vector<std::string> object_keys(const std::vector<object_info>& index,
                                     const std::string& kind) {
  std::vector<std::string> out;
  for (const object_info& o : index)
    if (o.kind == kind && std::find(out.begin(), out.end(), o.key) == out.end())
      out.push_back(o.key);
  return out;
}

}  // namespace tracker::ui
