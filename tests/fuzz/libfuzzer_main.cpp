// libFuzzer entry point; FUZZ_TARGET names the function of fuzz_targets.hpp (see CMakeLists).
#include "fuzz_targets.hpp"

#include <tracker/tracker.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bool quiet = [] {
    tracker::set_error_handler([](const std::string&) {});
    return true;
  }();
  (void)quiet;
  tracker_fuzz::FUZZ_TARGET(data, size);
  return 0;
}
