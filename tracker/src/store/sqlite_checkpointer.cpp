// sqlite_checkpointer.cpp — see sqlite_checkpointer.hpp.
#include "store/sqlite_checkpointer.hpp"

#include <chrono>
#include <utility>

namespace tracker::store {

wal_checkpointer::wal_checkpointer(sqlite3* db, std::string path, int background_pages, int inline_pages)
    : db_(db), path_(std::move(path)), background_pages_(background_pages), inline_pages_(inline_pages) {
  thread_ = std::thread([this] { run(); });
  sqlite3_wal_hook(db_, &wal_checkpointer::on_commit, this);  // replaces SQLite's autocheckpoint
}

wal_checkpointer::~wal_checkpointer() {
  sqlite3_wal_hook(db_, nullptr, nullptr);
  sqlite3_wal_autocheckpoint(db_, 1000);  // SQLite's default again, for whatever the owner still commits
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

// Runs in the committing thread, right after a commit, with the WAL's size in pages.
int wal_checkpointer::on_commit(void* self_ptr, sqlite3* db, const char* name, int wal_pages) {
  auto* self = static_cast<wal_checkpointer*>(self_ptr);
  if (wal_pages >= self->inline_pages_) {
    // Errors are left to the next commit, as SQLite's own autocheckpoint does.
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    self->inline_.fetch_add(1);
  } else if (wal_pages >= self->background_pages_) {
    // Once per background_pages of new WAL, not after every commit: a stream of small commits
    // would otherwise keep the thread copying a few pages and syncing the file, over and over.
    if (wal_pages < self->triggered_at_) self->triggered_at_ = 0;  // the WAL was reused from its start
    if (wal_pages - self->triggered_at_ < self->background_pages_) {
      self->unchecked_.store(true, std::memory_order_relaxed);  // for the pass after a quiet spell
      return SQLITE_OK;
    }
    self->triggered_at_ = wal_pages;
    bool was_due;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      was_due = self->due_;
      self->due_ = true;
    }
    if (!was_due) self->wake_.notify_one();
  }
  return SQLITE_OK;
}

void wal_checkpointer::run() {
  sqlite3* own = nullptr;  // opened on first use: most stores never reach the threshold
  for (;;) {
    {
      // Also a pass once commits pause (quiet_ms without a request) with pages left unchecked:
      // only a pass that copies the whole WAL before the next commit lets SQLite reuse it from
      // its start, and after a burst the last requested pass misses the burst's last pages.
      std::unique_lock<std::mutex> lock(mutex_);
      const bool asked = wake_.wait_for(lock, std::chrono::milliseconds(quiet_ms), [this] { return due_ || stop_; });
      if (stop_) break;
      if (!asked && !unchecked_.load(std::memory_order_relaxed)) continue;
      due_ = false;
      unchecked_.store(false, std::memory_order_relaxed);
    }
    // A new connection sees the WAL only once it has read the database: hence the query
    // (without it the checkpoint returns at once, as for a database not in WAL mode).
    if (!own && (sqlite3_open_v2(path_.c_str(), &own, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK ||
                 sqlite3_exec(own, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK)) {
      sqlite3_close(own);  // the committing thread's inline checkpoints still bound the WAL
      own = nullptr;
      continue;
    }
    if (sqlite3_wal_checkpoint_v2(own, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK)
      background_.fetch_add(1);
  }
  if (own) sqlite3_close(own);
}

}  // namespace tracker::store
