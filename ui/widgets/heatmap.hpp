// heatmap.hpp — a k×k matrix as coloured cells with their values, class names on both axes
// (confusion matrices and their differences). Draws on the window's ImDrawList, owns no data.
//
//   1. layout: labels on the left (rows, "true") and below (columns, "predicted"), square
//      cells as large as fit in `size`;
//   2. cells: colour from `tone` (sequential 0..1, or diverging -1..1), the value as text when
//      the cell is large enough (light text on dark cells, dark on bright), diagonal outlined;
//   3. input: the hovered cell (the caller draws its tooltip) and a click.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <string>
#include <vector>

namespace tracker::ui::widgets {

struct heatmap_options {
  const std::vector<std::string>* labels = nullptr;  // k class names (both axes)
  bool diverging = false;    // tone in [-1, 1]: blue = better, red = worse; else [0, 1]
  int decimals = 0;          // digits after the point in cell text (0: counts)
  bool signed_text = false;  // "+3" / "-0.02" (differences)
  const char* row_title = "true";
  const char* col_title = "predicted";
  const char* title = nullptr;  // above the matrix
  float max_cell = 72.0f;       // cells never grow beyond this (a 3x3 matrix stays compact)
};

struct heatmap_result {
  bool hovered = false;
  std::size_t row = 0, col = 0;  // the hovered cell
  bool clicked = false;
  ImVec2 cells_min, cells_max;  // where the k×k cells are (tests and layout files read it)
  float cell = 0;
};

// The colour a tone maps to (exposed for the legend and tests).
ImU32 heatmap_color(double tone, bool diverging);

// values: the numbers printed in the cells; tone: what colours them. Both row-major k*k.
heatmap_result heatmap(const char* id, ImVec2 size, std::size_t k,
                       const std::vector<double>& values, const std::vector<double>& tone,
                       const heatmap_options& opt);

// A horizontal colour bar with its end labels (e.g. "0" .. "1", or "worse" .. "better").
void heatmap_legend(float width, bool diverging, const char* left, const char* right);

}  // namespace tracker::ui::widgets
