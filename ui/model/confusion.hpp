// confusion.hpp — confusion matrices as the confusion view shows them: normalization, the
// difference of two matrices (B − A), which cells got worse, the most-confused pairs (the
// CLI's order), per-class scores and the step slider. Pure functions; no ImGui, no store.
#pragma once

#include <tracker/metrics.hpp>
#include <tracker/types.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::ui {

// none: counts; true: each row divided by its sum (recall on the diagonal, scikit-learn's
// normalize="true"); pred: each column divided by its sum (precision on the diagonal).
enum class cm_normalize : std::uint8_t { none, true_rows, pred_cols };
std::optional<cm_normalize> parse_normalize(std::string_view s) noexcept;  // none|true|pred
const char* to_string(cm_normalize n) noexcept;

// The values a heatmap shows, row-major k*k. A row (column) that sums to 0 normalizes to 0s
// (zero_division = 0, as everywhere in tracker).
std::vector<double> normalized(const metrics::confusion_matrix& cm, cm_normalize mode);

// Parses a stored confusion_matrix body; nullopt and a reason when it is not one.
std::optional<metrics::confusion_matrix> parse_confusion(const std::string& body_json,
                                                         std::string* why = nullptr);

// B − A, cell by cell, of the normalized values. The labels must be the same, in the same
// order (two runs of one task); otherwise ok = false and error says which differ.
struct cm_difference {
  bool ok = false;
  std::string error;
  std::size_t k = 0;
  std::vector<double> a, b, d;  // row-major k*k; d = b - a
};
cm_difference difference(const metrics::confusion_matrix& a, const metrics::confusion_matrix& b,
                         cm_normalize mode);

// +1 when a change of d in cell (i, j) is an improvement, -1 when it is worse: more on the
// diagonal is better, more off it is worse. Colours the difference heatmap.
inline double improvement(std::size_t i, std::size_t j, double d) { return i == j ? d : -d; }

// Off-diagonal cells that grew most from A to B (worse first), at most `limit`, counts
// compared raw. Ties in row-major order, like most_confused.
struct cm_change {
  std::size_t true_index = 0, predicted_index = 0;
  std::int64_t a = 0, b = 0;
};
std::vector<cm_change> biggest_changes(const metrics::confusion_matrix& a,
                                       const metrics::confusion_matrix& b, std::size_t limit);

// The steps at which `key` was logged for a run, ascending and unique (the step slider's
// positions), from the run's object index.
std::vector<std::int64_t> object_steps(const std::vector<object_info>& index,
                                       const std::string& key);
// The slider position for a wanted step: exact, else the latest step at or before it, else
// the first. nullopt when there are no steps. want = nullopt: the latest.
std::optional<std::size_t> step_position(const std::vector<std::int64_t>& steps,
                                         std::optional<std::int64_t> want);
// Keys of a given kind in a run's index, in first-logged order.
std::vector<std::string> object_keys(const std::vector<object_info>& index,
                                     const std::string& kind);

}  // namespace tracker::ui
