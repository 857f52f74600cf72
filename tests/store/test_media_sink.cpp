// The store's media sink with real files in a temp dir: keys exactly as stored rows hold them,
// put/find/get/remove/list, atomic replacement under a concurrent reader, concurrent writers,
// refused keys (never a file outside media/), a read-only store creating nothing, and gc
// removing deleted runs' and orphan media through the sink.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "store/backend.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iterator>
#include <thread>

using tracker_test::quiet;
using tracker_test::temp_dir;
namespace fs = std::filesystem;
namespace store = tracker::store;

namespace {

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

bool refused(const std::function<void()>& f) {
  try {
    f();
  } catch (const tracker::error& e) {
    return e.code() == tracker::error_code::invalid_argument;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "media sink: put returns the documented key, the file is <store>/<key>, find and get read it "
    "back",
    "[store][media]") {
  temp_dir dir;
  auto b = store::open(dir.store(), store::access::read_write);
  store::media_sink& m = b->media();
  REQUIRE(fs::is_directory(dir.store() + "/media"));

  const auto png = bytes_of(std::string("\x89PNG\r\n\x1a\n\0\xff", 10));
  const std::string key = m.put("r1", "val/17/a.png", png);
  CHECK(key == "media/r1/val/17/a.png");
  CHECK(file_text(fs::path(dir.store()) / key) ==
        std::string(png.begin(), png.end()));  // old stores' layout
  auto got = m.find(key);
  REQUIRE(got);
  CHECK(*got == png);
  CHECK(m.get(key) == png);

  // Replacing: the new bytes, and no temporary file left beside it.
  CHECK(m.put("r1", "val/17/a.png", bytes_of("second")) == key);
  CHECK(m.get(key) == bytes_of("second"));
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(dir.store() + "/media/r1/val/17")) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
  CHECK(m.put("r1", "empty.bin", {}) == "media/r1/empty.bin");
  CHECK(m.get("media/r1/empty.bin").empty());

  // A file an older tracker wrote (same layout) reads unchanged.
  fs::create_directories(dir.store() + "/media/old-run/images");
  std::ofstream(dir.store() + "/media/old-run/images/x.bin", std::ios::binary) << "old bytes";
  CHECK(m.get("media/old-run/images/x.bin") == bytes_of("old bytes"));
}

TEST_CASE("media sink: a missing file is nullopt for find and a clear error for get",
          "[store][media]") {
  temp_dir dir;
  auto b = store::open(dir.store(), store::access::read_write);
  CHECK_FALSE(b->media().find("media/r1/gone.png"));
  CHECK_THROWS_MATCHES(b->media().get("media/r1/gone.png"), tracker::error,
                       Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::io_error &&
                                std::string(e.what()).find(
                                    "media/r1/gone.png is not in the store") != std::string::npos;
                       }));
  b->media().put("r1", "dir/f.bin", bytes_of("x"));
  CHECK_THROWS_AS(b->media().get("media/r1/dir"), tracker::error);  // a directory is not a file
}

TEST_CASE(
    "media sink: keys with '..', absolute paths, control characters or empty parts are refused",
    "[store][media]") {
  temp_dir dir;
  auto b = store::open(dir.store(), store::access::read_write);
  store::media_sink& m = b->media();
  const auto x = bytes_of("x");
  for (const std::string& rel : std::vector<std::string>{
           "../escape.png", "a/../../b", "/etc/passwd", "a//b", "./a", "a/.", "", "a/",
           std::string("a\nb"), std::string("a\0b", 3), std::string("a\x7f")}) {
    INFO("relative path: " << rel);
    CHECK(refused([&] { m.put("r1", rel, x); }));
    CHECK_FALSE(store::media_key_problem("media/r1/" + rel) == std::nullopt);
  }
  for (const std::string& run :
       std::vector<std::string>{"", "..", ".", "a/b", std::string("r\t1")}) {
    INFO("run id: " << run);
    CHECK(refused([&] { m.put(run, "a.png", x); }));
    CHECK(refused([&] { m.remove_run(run); }));
  }
  for (const std::string& key : std::vector<std::string>{
           "media/../tracker.db", "../etc/passwd", "/etc/passwd", "tracker.db", "media/r1",
           "media/r1/", "media//x", "Media/r1/a.png", "media/r1/a/../../../tracker.db"}) {
    INFO("key: " << key);
    CHECK(refused([&] { m.find(key); }));
  }
  CHECK(store::media_key_problem("media/r1/a.png") == std::nullopt);
  CHECK(store::media_key("r1", "a b/c-d_e.png") == "media/r1/a b/c-d_e.png");
  // Nothing was written anywhere by the refused puts.
  CHECK(m.runs().empty());
  CHECK_FALSE(fs::exists(dir.path() + "/escape.png"));
}

TEST_CASE("media sink: runs lists the runs with files, remove_run removes one run's files",
          "[store][media]") {
  temp_dir dir;
  auto b = store::open(dir.store(), store::access::read_write);
  store::media_sink& m = b->media();
  CHECK(m.runs().empty());
  m.put("r2", "a.png", bytes_of("a"));
  m.put("r1", "deep/er/b.png", bytes_of("b"));
  m.put("r3", "c.png", bytes_of("c"));
  std::ofstream(dir.store() + "/media/stray-file") << "not a run";  // files at the top are no run
  CHECK(m.runs() == std::vector<std::string>{"r1", "r2", "r3"});
  m.remove_run("r1");
  m.remove_run("never-had-media");  // nothing to do
  CHECK(m.runs() == std::vector<std::string>{"r2", "r3"});
  CHECK_FALSE(fs::exists(dir.store() + "/media/r1"));
  CHECK_FALSE(m.find("media/r1/deep/er/b.png"));
  CHECK(m.get("media/r2/a.png") == bytes_of("a"));
}

TEST_CASE("media sink: a concurrent reader sees the old file or the new one, never part of one",
          "[store][media]") {
  temp_dir dir;
  auto b = store::open(dir.store(), store::access::read_write);
  store::media_sink& m = b->media();
  const std::vector<std::uint8_t> a(300'000, 'a'), z(200'000, 'z');
  const std::string key = m.put("r", "img.png", a);
  std::atomic<bool> done{false};
  std::atomic<int> reads{0}, torn{0};
  std::thread reader([&] {
    auto r = store::open(dir.store(), store::access::read_only);  // another connection, same files
    while (!done.load()) {
      auto got = r->media().find(key);
      if (!got || !(*got == a || *got == z)) ++torn;
      ++reads;
    }
  });
  for (int i = 0; i < 200; ++i) m.put("r", "img.png", i % 2 ? a : z);
  while (reads.load() < 50) std::this_thread::yield();  // the reader overlapped the writes
  done = true;
  reader.join();
  CHECK(torn.load() == 0);
}

TEST_CASE("media sink: several threads write at once (the writer thread and production callers)",
          "[store][media]") {
  temp_dir dir;
  auto b = store::open(dir.store(), store::access::read_write);
  store::media_sink& m = b->media();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        m.put("r" + std::to_string(t), "shared/" + std::to_string(i) + ".bin",
              bytes_of(std::to_string(t * 1000 + i)));
        m.put("same", "contended.bin",
              std::vector<std::uint8_t>(1000, static_cast<std::uint8_t>(t)));
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < 50; ++i)
      CHECK(m.get("media/r" + std::to_string(t) + "/shared/" + std::to_string(i) + ".bin") ==
            bytes_of(std::to_string(t * 1000 + i)));
  auto last = m.get("media/same/contended.bin");
  REQUIRE(last.size() == 1000);
  CHECK(std::count(last.begin(), last.end(), last[0]) == 1000);  // one writer's whole file
  std::size_t files = 0;
  for (auto& e : fs::recursive_directory_iterator(dir.store() + "/media"))
    if (e.is_regular_file()) ++files;
  CHECK(files == 4 * 50 + 1);  // no temporary file left behind
}

TEST_CASE("media sink: a read-only store creates nothing and finds nothing without media/",
          "[store][media]") {
  temp_dir dir;
  (void)store::open(dir.store(), store::access::read_write);
  fs::remove_all(dir.store() + "/media");
  auto r = store::open(dir.store(), store::access::read_only);
  CHECK(r->media().runs().empty());
  CHECK_FALSE(r->media().find("media/r/a.png"));
  CHECK_FALSE(fs::exists(dir.store() + "/media"));
}

TEST_CASE(
    "reader::media reads what run::log_media wrote; gc removes deleted runs' and orphan media",
    "[store][media][gc]") {
  temp_dir dir;
  std::string kept_key, gone_key, kept_id, gone_id;
  {
    tracker::run kept = tracker::init(quiet(dir));
    tracker::run gone = tracker::init(quiet(dir));
    kept_key = kept.log_media("samples/0.png", bytes_of("kept"));
    gone_key = gone.log_media("samples/0.png", bytes_of("gone"));
    CHECK(kept_key == "media/" + kept.id() + "/samples/0.png");
    kept_id = kept.id();
    gone_id = gone.id();
    kept.finish();
    gone.finish();
  }
  {
    auto b = store::open(dir.store(), store::access::read_write);
    b->media().put("orphan-run", "left/by/a/crash.png", bytes_of("orphan"));
  }
  {
    auto rd = tracker::reader::open(dir.store());
    REQUIRE(rd.media(gone_key));
    CHECK(*rd.media(gone_key) == bytes_of("gone"));
    CHECK(refused([&] { rd.media("media/../tracker.db"); }));
  }
  tracker::delete_run(dir.store(), gone_id);
  CHECK(tracker::gc(dir.store()) == 1);
  auto rd = tracker::reader::open(dir.store());
  CHECK_FALSE(rd.media(gone_key));
  CHECK_FALSE(rd.media("media/orphan-run/left/by/a/crash.png"));
  REQUIRE(rd.media(kept_key));
  CHECK(*rd.media(kept_key) == bytes_of("kept"));
  CHECK(store::open(dir.store(), store::access::read_only)->media().runs() ==
        std::vector<std::string>{kept_id});
}
