// sqlite_checkpointer.hpp — WAL checkpoints off the commit path, for a store connection that
// writes much (backend::expect_heavy_writes: the ingest server, imports).
//
// SQLite checkpoints in the committing thread: past 1,000 WAL pages, the commit that crossed
// them copies the WAL into the database file and syncs it twice (~3 ms per sync on this
// project's VMs) while every request waiting for a commit waits too. Here a thread of its own,
// on a connection of its own, runs PASSIVE checkpoints (they never block writers) once the WAL
// holds `background_pages`. A WAL is only reused from its start when a checkpoint has copied
// all of it before the next commit begins, which a continuous stream of commits may never let
// happen; so the committing thread still checkpoints itself past `inline_pages`, by then
// copying only what the background has not. The thread is asked once per `background_pages`
// of new WAL (not after every commit: a stream of small commits would keep it copying a few
// pages and syncing, over and over), and makes one more pass when commits pause with pages
// left, so that after a burst the WAL is reused from its start.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace tracker::store {

class wal_checkpointer {
 public:
  // Takes over the checkpoints of `db` (whose database file is `path`) until destroyed; the
  // owner destroys it before closing `db`.
  wal_checkpointer(sqlite3* db, std::string path, int background_pages, int inline_pages);
  ~wal_checkpointer();
  wal_checkpointer(const wal_checkpointer&) = delete;
  wal_checkpointer& operator=(const wal_checkpointer&) = delete;

  std::uint64_t background_checkpoints() const { return background_.load(); }
  std::uint64_t inline_checkpoints() const { return inline_.load(); }

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int wal_pages);
  void run();

  sqlite3* db_;
  std::string path_;
  const int background_pages_, inline_pages_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool due_ = false, stop_ = false;
  int triggered_at_ = 0;  // WAL pages when the background was last asked (committing thread only)
  std::atomic<bool> unchecked_{false};  // commits past the threshold since the thread was last asked
  static constexpr int quiet_ms = 200;
  std::atomic<std::uint64_t> background_{0}, inline_{0};
  std::thread thread_;
};

}  // namespace tracker::store
