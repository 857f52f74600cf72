#include "fuzz_targets.hpp"

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

namespace tracker_fuzz {

void condition(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    tracker::condition c = tracker::parse_condition(text);
    // A parsed condition is well formed: a key, a known operator, a value.
    if (c.key.empty() || c.op.empty() || c.value.empty()) std::abort();
  } catch (const tracker::error&) {
  }
}

void store_open(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  static const std::string dir = [] {
    std::string t = (fs::temp_directory_path() / "tracker-fuzz-XXXXXX").string();
    if (!mkdtemp(t.data())) std::abort();
    return t;
  }();
  const std::string store = dir + "/store";
  fs::remove_all(store);
  fs::create_directories(store);
  {
    std::ofstream f(store + "/tracker.db", std::ios::binary);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    auto r = tracker::reader::open(store);
    for (const auto& run : r.runs()) {
      for (const auto& s : r.summaries(run.id)) r.buckets(run.id, s.key, s.first_step, s.last_step, 100);
      r.object_index(run.id);
    }
  } catch (const tracker::error&) {
  }
  try {
    tracker::options o;
    o.store = store;
    o.capture_git = false;
    o.handle_signals = false;
    o.lock_timeout = std::chrono::milliseconds(200);
    auto run = tracker::init(o);
    run.log("v", 1.0, 0);
    run.finish();
  } catch (const tracker::error&) {
  }
}

}  // namespace tracker_fuzz
