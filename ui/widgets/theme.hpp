// theme.hpp — the viewer's dark theme and fonts, in one place.
#pragma once

#include <imgui.h>

#include <cstdint>

namespace tracker::ui::widgets {

struct theme_colors {
  ImU32 text, text_dim, chart_bg, plot_bg, plot_border, grid, crosshair, box_fill, box_border;
  ImVec4 running, finished, failed, crashed, killed, error;
};

const theme_colors& colors();

// Applies the dark style to the current context and loads DejaVu Sans (falls back to ImGui's
// built-in font when the file is missing). font_px: the body text size in pixels.
void apply_theme(float font_px = 16.0f);

}  // namespace tracker::ui::widgets
