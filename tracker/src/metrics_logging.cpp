// metrics_logging.cpp — the log_* wrappers of tracker/metrics.hpp: a metric object or the
// scalars of a report into a run. They never throw (the logging path's promise); a failure is
// reported through the error handler.
#include <tracker/metrics.hpp>
#include <tracker/tracker.hpp>

#include "error_report.hpp"

#include <exception>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace tracker::metrics {

namespace {

std::string join_key(std::string_view prefix, std::string_view name) {
  std::string k(prefix);
  if (!k.empty() && k.back() != '/') k += '/';
  k += name;
  return k;
}

// Logs every value at one step; without a step, takes the run's next one first so that the
// scalars and the objects logged after them share it.
void log_scalars(run& r, const std::vector<std::pair<std::string, double>>& values,
                 std::optional<std::int64_t>& step) {
  std::vector<metric> batch;
  batch.reserve(values.size());
  for (const auto& [k, v] : values) batch.push_back({k, v});
  if (!step) step = r.take_step();
  r.log(std::span<const metric>(batch), step);
}

void report(std::string_view what, std::string_view key, const std::exception& e) noexcept {
  try {
    detail::report_error(std::string(what) + " '" + std::string(key) + "': " + e.what());
  } catch (...) {
  }
}

}  // namespace

void log_confusion_matrix(run& r, std::string_view key, const confusion_matrix& cm,
                          std::optional<std::int64_t> step) noexcept {
  try {
    r.log_object(key, kind_confusion_matrix, cm.to_json(), step);
  } catch (const std::exception& e) {
    report("log_confusion_matrix", key, e);
  }
}

void log_classification(run& r, std::string_view prefix, const confusion_matrix& cm,
                        std::optional<std::int64_t> step) noexcept {
  try {
    const classification_report rep = compute_report(cm);
    std::vector<std::pair<std::string, double>> v;
    v.reserve(10 + 4 * rep.per_class.size());
    v.emplace_back(join_key(prefix, "accuracy"), rep.accuracy);
    v.emplace_back(join_key(prefix, "precision_macro"), rep.macro.precision);
    v.emplace_back(join_key(prefix, "recall_macro"), rep.macro.recall);
    v.emplace_back(join_key(prefix, "f1_macro"), rep.macro.f1);
    v.emplace_back(join_key(prefix, "precision_micro"), rep.micro.precision);
    v.emplace_back(join_key(prefix, "recall_micro"), rep.micro.recall);
    v.emplace_back(join_key(prefix, "f1_micro"), rep.micro.f1);
    v.emplace_back(join_key(prefix, "precision_weighted"), rep.weighted.precision);
    v.emplace_back(join_key(prefix, "recall_weighted"), rep.weighted.recall);
    v.emplace_back(join_key(prefix, "f1_weighted"), rep.weighted.f1);
    for (const class_scores& c : rep.per_class) {
      v.emplace_back(join_key(prefix, "precision/" + c.label), c.precision);
      v.emplace_back(join_key(prefix, "recall/" + c.label), c.recall);
      v.emplace_back(join_key(prefix, "f1/" + c.label), c.f1);
      v.emplace_back(join_key(prefix, "support/" + c.label), static_cast<double>(c.support));
    }
    log_scalars(r, v, step);
    r.log_object(join_key(prefix, "confusion"), kind_confusion_matrix, cm.to_json(), step);
  } catch (const std::exception& e) {
    report("log_classification", prefix, e);
  }
}

void log_histogram(run& r, std::string_view key, const histogram& h,
                   std::optional<std::int64_t> step) noexcept {
  try {
    r.log_object(key, kind_histogram, h.to_json(), step);
  } catch (const std::exception& e) {
    report("log_histogram", key, e);
  }
}

void log_table(run& r, std::string_view key, const table& t,
               std::optional<std::int64_t> step) noexcept {
  try {
    r.log_object(key, kind_table, t.to_json(), step);
  } catch (const std::exception& e) {
    report("log_table", key, e);
  }
}

}  // namespace tracker::metrics
