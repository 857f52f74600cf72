// The production store's connection checkpoints its WAL on a thread of its own: its commits sit
// on request paths, and a checkpoint syncs the database file twice while waiting requests wait
// (store::backend::expect_heavy_writes, store/sqlite_checkpointer.hpp; docs/performance.md).
#include <catch2/catch.hpp>

#include <tracker/production.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "test_support.hpp"

#include <chrono>
#include <filesystem>
#include <thread>
#include <string>
#include <vector>

namespace prod = tracker::production;
using tracker_test::temp_dir;

TEST_CASE("the production store checkpoints in the background: the database file fills while it writes, the WAL "
          "stays bounded, every record reads back", "[production][wal]") {
  temp_dir dir;
  const std::string model_id = tracker_test::make_model_run(dir.store(), "model", {"cat", "dog"});
  auto store = prod::store::open(dir.store());
  const prod::model_info model = store.model(model_id);
  const std::string wal = dir.store() + "/tracker.db-wal";
  // ~6 MB of records in 30 commits: past 1,000 pages (4 MB), short of 8,000.
  const std::string padding(180, 'x');
  int written = 0;
  for (int commit = 0; commit < 30; ++commit) {
    std::vector<prod::record> records;
    for (int i = 0; i < 1000; ++i, ++written) {
      prod::record r;
      r.id = "r-" + std::to_string(written);
      r.time = 1000.0 + written;
      r.predicted = written % 2 ? "cat" : "dog";
      r.features = {{"brightness", 0.001 * written}, {"note", padding + std::to_string(written)}};
      records.push_back(std::move(r));
    }
    REQUIRE(store.write(model, prod::record_kind::prediction, std::move(records)).accepted == 1000);
  }
  // ~6 MB went through the WAL; checkpoints (background past 1,000 pages) copied it into the
  // database file while the store stayed open, and the WAL never passed the inline bound.
  const std::string db = dir.store() + "/tracker.db";
  for (int i = 0; i < 250 && std::filesystem::file_size(db) < 4'000'000u; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(std::filesystem::file_size(db) >= 4'000'000u);
  CHECK(std::filesystem::file_size(wal) < 8100u * 4120u);
  const auto back = prod::read(tracker::reader::open(dir.store()), model_id, prod::record_kind::prediction);
  CHECK(back.size() == 30000u);
}
