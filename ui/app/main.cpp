// main.cpp — tracker-ui: the desktop viewer of a tracker store.
//
//   tracker-ui [--store DIR]                          interactive window
//   tracker-ui --screenshot FILE.png --view runs|charts [--runs ...] [--keys ...] ...
//
// Exit codes: 0 ok, 1 no display or GL failure, 2 usage error or an unusable store.
#include "app/window.hpp"
#include "model/store_source.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace tracker::ui;
  app_options opts;
  try {
    opts = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "tracker-ui: %s\n%s", e.what(), usage().c_str());
    return 2;
  }
  if (opts.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (!opts.screenshot.empty()) {
    // Screenshot mode fails fast and clearly, before a window exists: a missing, empty, newer
    // or damaged store is exit 2 with the reason. (Interactive mode shows it in the window.)
    try {
      (void)store_source::open(opts.store);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tracker-ui: %s\n", e.what());
      return 2;
    }
  }
  return run_window(opts);
}
