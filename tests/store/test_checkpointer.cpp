// wal_checkpointer (store/sqlite_checkpointer.hpp): checkpoints on a thread of their own past
// the background threshold, in the committing thread past the inline one; the WAL stays
// bounded and nothing written is lost. On a real SQLite file in a temp directory.
#include <catch2/catch.hpp>

#include "store/sqlite_checkpointer.hpp"
#include "test_support.hpp"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

using tracker_test::temp_dir;

namespace {

struct wal_db {
  temp_dir dir;
  std::string path = dir.path() + "/t.db";
  sqlite3* db = nullptr;
  wal_db() {
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec("CREATE TABLE t(x BLOB)");
  }
  ~wal_db() { sqlite3_close(db); }
  void exec(const std::string& sql) { REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK); }
  // One commit of a 6 KB row: two to three WAL pages.
  void commit_row() { exec("INSERT INTO t VALUES(randomblob(6000))"); }
  std::uintmax_t wal_bytes() const { return std::filesystem::file_size(path + "-wal"); }
};

constexpr std::uintmax_t page_frame = 4096 + 24;  // a WAL frame: page and header

}  // namespace

TEST_CASE("wal_checkpointer: past the background threshold a thread of its own checkpoints; nothing is lost",
          "[store][checkpoint]") {
  wal_db w;
  std::uint64_t background = 0;
  {
    tracker::store::wal_checkpointer c(w.db, w.path, 50, 100000);
    // Four rounds of 100 commits (~300 pages each); after each, the writer pauses until the
    // background has checkpointed, as a server between bursts does.
    for (int round = 0; round < 4; ++round) {
      const std::uint64_t before = c.background_checkpoints();
      for (int i = 0; i < 100; ++i) w.commit_row();
      for (int i = 0; i < 250 && c.background_checkpoints() == before; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      REQUIRE(c.background_checkpoints() > before);
      std::this_thread::sleep_for(std::chrono::milliseconds(700));  // the pass after a quiet spell
    }
    background = c.background_checkpoints();
    CHECK(c.inline_checkpoints() == 0);
  }
  CHECK(background >= 4);
  // Each pause left the WAL copied in full, so the next commit reused it from its start: it
  // holds about one round, not four (~1,200 pages).
  CHECK(w.wal_bytes() < 600 * page_frame);
  CHECK(tracker_test::query_int(w.path, "SELECT count(*) FROM t") == 400);
}

TEST_CASE("wal_checkpointer: past the inline threshold the committing thread checkpoints, so the WAL stays bounded",
          "[store][checkpoint]") {
  wal_db w;
  {
    tracker::store::wal_checkpointer c(w.db, w.path, 1 << 30, 200);  // the background never due
    for (int i = 0; i < 600; ++i) w.commit_row();
    CHECK(c.inline_checkpoints() > 0);
    CHECK(c.background_checkpoints() == 0);
  }
  CHECK(w.wal_bytes() < (200 + 10) * page_frame);  // reused from its start after each inline pass
  CHECK(tracker_test::query_int(w.path, "SELECT count(*) FROM t") == 600);
}
