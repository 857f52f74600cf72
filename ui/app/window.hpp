// window.hpp — the GLFW + OpenGL 3 shell around the viewer: interactive loop and screenshot mode.
#pragma once

#include "model/options.hpp"

namespace tracker::ui {

// Opens the window and runs until it is closed (interactive), or until the view has loaded its
// data and the PNG is written (screenshot mode). Returns the process exit code: 0 ok,
// 1 no display / GL failure / timeout, 2 a store or --runs problem (message on stderr).
int run_window(const app_options& opts);

}  // namespace tracker::ui
