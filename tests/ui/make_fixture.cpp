// make_fixture — writes the viewer's fixture store: make_fixture DIR
#include "fixture.hpp"

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fixture STORE_DIR\n");
    return 2;
  }
  for (const auto& r : tracker_ui_test::make_fixture_store(argv[1]))
    std::printf("%s %s\n", r.id.c_str(), r.name.c_str());
  return 0;
}
