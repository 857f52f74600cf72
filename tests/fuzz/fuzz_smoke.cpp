// fuzz_smoke — runs every fuzz target over a fixed corpus and seeded random mutations of it
// (same inputs on every run), as a CTest test. A crash, an abort or an exception other than
// tracker::error fails it; under TRACKER_SANITIZE so does any memory or UB report.
#include "fuzz_targets.hpp"

#include <tracker/tracker.hpp>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

std::vector<std::string> condition_corpus() {
  return {"val/accuracy>=0.85", "train/loss.min<0.3", "config.lr=0.001", "config.model.name!=cnn",
          "a.count>10", "x.best<=1e-3", ".min>0", "k>=nan", "k>=0x10", "=", ">=", "a>=", "a<b<c",
          std::string("k\0ey>1", 6), "val/acc.median>0", std::string(300, 'k') + ">1", "config.=1"};
}

// A real store's database file, then damaged copies of it.
std::string real_store_bytes() {
  char tmpl[] = "/tmp/tracker-fuzz-seed-XXXXXX";
  if (!mkdtemp(tmpl)) return {};
  std::string store = std::string(tmpl) + "/store";
  {
    tracker::options o;
    o.store = store;
    o.capture_git = false;
    o.handle_signals = false;
    auto run = tracker::init(o);
    for (int s = 0; s < 300; ++s) run.log({{"train/loss", 1.0 / (s + 1)}, {"val/acc", s / 300.0}}, s);
    run.log_object("val/cm", "confusion_matrix", {{"labels", {"a", "b"}}, {"matrix", {{1, 2}, {3, 4}}}}, 299);
    run.finish();
  }
  std::FILE* f = std::fopen((store + "/tracker.db").c_str(), "rb");
  std::string bytes;
  if (f) {
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
  }
  return bytes;
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < edits; ++i) {
    std::size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 4) {
      case 0:
        if (!s.empty()) s[pos] = static_cast<char>(rng());
        break;
      case 1:
        s.insert(pos, 1, static_cast<char>(rng()));
        break;
      case 2:
        if (!s.empty()) s.erase(pos, 1 + rng() % 16);
        break;
      default:
        if (!s.empty()) s.resize(pos);  // truncation
    }
  }
  return s;
}

template <class Target>
int run(const char* name, const std::vector<std::string>& corpus, int mutations, Target target) {
  std::mt19937_64 rng(20261202);
  int inputs = 0;
  for (const auto& seed : corpus) {
    target(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size());
    ++inputs;
    for (int m = 0; m < mutations; ++m) {
      std::string input = mutate(seed, rng);
      target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
      ++inputs;
    }
  }
  std::printf("%s: %d inputs, no crash\n", name, inputs);
  return inputs;
}

}  // namespace

int main() {
  tracker::set_error_handler([](const std::string&) {});
  run("condition", condition_corpus(), 400, tracker_fuzz::condition);
  std::string db = real_store_bytes();
  if (db.empty()) return 1;
  std::vector<std::string> stores{db, db.substr(0, 100), db.substr(0, db.size() / 2), std::string(4096, '\0'),
                                  "SQLite format 3"};
  run("store_open", stores, 40, tracker_fuzz::store_open);
  std::printf("2 passed, 0 failed\n");
  return 0;
}
