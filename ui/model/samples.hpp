// samples.hpp — logged tables as the samples view shows them (fastai's top losses, W&B's
// tables): columns of images, numbers and text; the roles a column plays (image, true label,
// predicted label, loss, confidence) found by name; sorting (missing values last) and
// filtering by true / predicted class. Pure functions; no ImGui, no store.
#pragma once

#include <tracker/metrics.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tracker::ui {

struct sample_table {
  std::vector<metrics::column> columns;
  std::vector<std::vector<metrics::cell>> rows;
  // Roles, by column name (first match): image = first image column; true label = "true",
  // "true_label", "label", "target", "y_true"; predicted = "predicted", "predicted_label",
  // "pred", "prediction", "y_pred"; loss = "loss"; confidence = "confidence", "prob", "p".
  std::optional<std::size_t> image, truth, predicted, loss, confidence;
};

// Parses a stored table body; nullopt and a reason when it is not one.
std::optional<sample_table> parse_table(const std::string& body_json, std::string* why = nullptr);

struct table_query {
  int sort_column = -1;  // -1: table order
  bool descending = true;
  std::string truth;      // only rows whose true label is this (empty: any)
  std::string predicted;  // only rows whose predicted label is this (empty: any)
};
// Top losses first when there is a loss column (fastai's plot_top_losses), else table order.
table_query default_query(const sample_table& t);
// Row indices that pass the filters, sorted: numbers numerically, text by bytes, missing
// values (null, NaN) last in both directions, ties in table order.
std::vector<std::size_t> query_rows(const sample_table& t, const table_query& q);
// The distinct text values of a column, sorted (filter menus).
std::vector<std::string> distinct_text(const sample_table& t, std::size_t column);
// A cell as text: numbers with up to 4 significant decimals, integers without a point.
std::string cell_text(const metrics::cell& c);

}  // namespace tracker::ui
