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

// HTTP API requests: a selector byte (fuzz_http.cpp: 0 predictions, 1 reference, 2 feedback,
// 3 health, 4 GET predictions, 5 token + predictions, 6 any path, 7 PATCH) and a body.
std::vector<std::string> http_corpus() {
  const std::string rec =
      R"({"id":"r-1","timestamp":"2026-11-22T10:00:00Z","features":{"brightness":0.71,"source":"upload","n":null},)"
      R"("prediction":{"label":"dog","probabilities":[0.1,0.8,0.1],"confidence":0.8},"latency_ms":12.5,"tags":{"env":"prod"}})";
  const std::string batch = R"({"schema_version":1,"model":"fuzz-model","records":[)" + rec + "," +
                            R"({"id":"r-2","timestamp":1795000000,"prediction":{"label":2}}]})";
  // A 1x1 PNG.
  const std::string png =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  return {std::string(1, '\0') + batch,
          std::string(1, '\1') + R"({"schema_version":1,"model":"fuzz-model","records":[{"id":"v-1","label":"cat",)"
                                  R"("prediction":{"label":"0"},"features":{"b":1e308,"c":"x"},"image":")" + png + R"("}]})",
          std::string(1, '\2') + R"({"schema_version":1,"records":[{"id":"r-1","label":"cat"},)"
                                  R"({"id":"r-9","flag":"incorrect","reason":"it is a bag","timestamp":"2026-11-22"}]})",
          std::string(1, '\2') + R"({"schema_version":1,"model":"fuzz-model","records":[{"id":"r-2","label":1}]})",
          std::string(1, '\3'),
          std::string(1, '\4') + "{}",
          std::string(1, '\5') + "Bearer t0ken\n" + batch,
          std::string(1, '\6') + "/v1/models/fuzz-model/drift\n",
          std::string(1, '\6') + "//v1//predictions/\n" + batch,
          std::string(1, '\7') + batch,
          std::string(1, '\0') + R"({"schema_version":1.0,"model":"latest","records":[[[[[[[[[[]]]]]]]]]]})",
          std::string(1, '\0') + R"({"schema_version":1,"model":"fuzz-model","records":[{"id":"\u0000","prediction":{"label":"\ud800"}}]})",
          // model after records, an unknown key, escapes, integer id and index label (the text parser's cases)
          std::string(1, '\0') + R"({"records":[{"id":7,"prediction":1,"features":{"z":-0,"a\u00e9":"x\"y","b":true},)"
                                  R"("tags":{"n":2.5},"timestamp":"2026-11-22T10:00:00.5+01:00"}],"future":[{"a":[]},null],)"
                                  R"("schema_version":1,"model":"fuzz-model"})"};
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
  run("http_request", http_corpus(), 300, tracker_fuzz::http_request);
  std::printf("3 passed, 0 failed\n");
  return 0;
}
