// test_production_blocks.cpp — production records in blocks (schema 5): reads against a
// brute-force model of what was written (windows across block boundaries, records out of time
// order, duplicates, mixed features), small commits filling one block, two store handles
// writing the same model in turn, damaged blocks, and migration 5 from the row-per-record
// layout of schema 4 (built by SQL, as an old tracker wrote it).
#include <tracker/production.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "store/backend.hpp"
#include "store/production_blocks.hpp"
#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <map>
#include <random>
#include <thread>

namespace prod = tracker::production;
namespace block = tracker::store::production_block;
using nlohmann::json;
using tracker_test::temp_dir;

namespace {

const std::vector<std::string> classes = {"cat", "dog", "bird"};

std::string make_model(const temp_dir& dir, const std::string& name = "model") {
  return tracker_test::make_model_run(dir.store(), name, classes);
}

// Record i of a stream: times mostly rising with some out of order, and repeated times.
prod::record make_record(int i, std::mt19937& rng) {
  prod::record r;
  r.id = "r-" + std::to_string(i);
  r.time = 1000 + (i / 3) + (rng() % 10 == 0 ? -static_cast<double>(rng() % 50) : 0.0);
  r.predicted = classes[static_cast<std::size_t>(i) % 3];
  r.probabilities = {0.5, 0.25, 0.25};
  std::rotate(r.probabilities.begin(), r.probabilities.begin() + (3 - i % 3) % 3, r.probabilities.end());
  r.latency_ms = i % 7 == 0 ? std::optional<double>() : std::optional<double>(0.5 * i);
  r.features = {{"brightness", i % 11 == 0 ? std::nan("") : 0.001 * i},
                {"source", std::string(i % 2 ? "upload" : "camera")}};
  if (i % 5 == 0) r.features.emplace_back("rare", 1.0 * i);
  r.tags = {{"env", i % 2 ? "prod" : "canary"}};
  return r;
}

std::int64_t count_rows(const std::string& store, const std::string& table) {
  return tracker_test::query_int(tracker_test::store_db(store), "SELECT count(*) FROM " + table);
}

// What a read must return, computed from the records written (in write order): the window's
// records sorted by time, ties in write order, then the newest `last`.
std::vector<prod::record> expected(const std::vector<prod::record>& written, const prod::window& w) {
  std::vector<prod::record> out;
  for (const auto& r : written)
    if (r.time >= w.since.value_or(-INFINITY) && r.time <= w.until.value_or(INFINITY)) out.push_back(r);
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.time < b.time; });
  if (w.last && out.size() > *w.last) out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(*w.last));
  return out;
}

bool same_number(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

void check_dataset(const prod::dataset& d, const std::vector<prod::record>& want) {
  REQUIRE(d.size() == want.size());
  std::map<std::string, const prod::feature_column*> columns;
  for (const auto& c : d.features) columns[c.name] = &c;
  for (std::size_t i = 0; i < want.size(); ++i) {
    INFO("row " << i << " id " << want[i].id);
    CHECK(d.ids[i] == want[i].id);
    CHECK(d.times[i] == want[i].time);
    CHECK(d.predicted[i] == want[i].predicted);
    CHECK(same_number(d.latency_ms[i], want[i].latency_ms.value_or(NAN)));
    CHECK(same_number(d.confidence[i], want[i].confidence.value_or(NAN)));
    for (const auto& [name, value] : want[i].features) {
      REQUIRE(columns.count(name));
      const prod::feature_column& c = *columns[name];
      if (const double* x = std::get_if<double>(&value)) {
        if (c.numeric)
          CHECK(same_number(c.numbers[i], *x));
        else
          CHECK(c.categories[i] == (std::isnan(*x) ? "" : json(*x).dump()));
      } else {
        REQUIRE_FALSE(c.numeric);
        CHECK(c.categories[i] == std::get<std::string>(value));
      }
    }
  }
}

}  // namespace

TEST_CASE("records read back from blocks as written: windows, out-of-order times, duplicates", "[production][blocks]") {
  temp_dir dir;
  make_model(dir);
  auto s = prod::store::open(dir.store());
  const auto m = s.model("model");
  std::mt19937 rng(7);
  std::vector<prod::record> written;
  for (int i = 0; i < 2600; ++i) written.push_back(make_record(i, rng));
  // Batches of varied size: full blocks, a head filled over several commits, single records.
  std::size_t at = 0;
  for (std::size_t size : {1000u, 1u, 1u, 37u, 700u, 1u, 860u}) {
    std::vector<prod::record> batch(written.begin() + static_cast<std::ptrdiff_t>(at),
                                    written.begin() + static_cast<std::ptrdiff_t>(at + size));
    auto r = s.write(m, prod::record_kind::prediction, batch);
    CHECK(r.accepted == size);
    at += size;
  }
  REQUIRE(at == written.size());
  for (auto& r : written) r.confidence = 0.5;  // validation fills it from the probabilities
  // 2600 records in full blocks of max_records() plus a few open ones (at most one per bit of
  // max_records(): their sizes halve toward the newest).
  const auto per_block = static_cast<std::int64_t>(block::max_records());
  CHECK(count_rows(dir.store(), "production_blocks") >= (2600 + per_block - 1) / per_block);
  CHECK(count_rows(dir.store(), "production_blocks") <= 2600 / per_block + std::bit_width(block::max_records()));
  CHECK(count_rows(dir.store(), "production_ids") == 2600);

  // A retry stores nothing and counts every record as a duplicate.
  auto again = s.write(m, prod::record_kind::prediction, {written[5], written[1500], written[2599]});
  CHECK(again.accepted == 0);
  CHECK(again.duplicates == 3);

  auto rd = tracker::reader::open(dir.store());
  for (prod::window w : {prod::window{}, prod::window{.since = 1300.0}, prod::window{.until = 1100.0},
                         prod::window{.since = 1150.0, .until = 1500.5}, prod::window{.last = 1},
                         prod::window{.last = 700}, prod::window{.last = 5000},
                         prod::window{.since = 1200.0, .until = 1400.0, .last = 30},
                         prod::window{.since = 5000.0}, prod::window{.last = 0}}) {
    INFO("since " << w.since.value_or(-1) << " until " << w.until.value_or(-1) << " last " << w.last.value_or(0));
    check_dataset(prod::read(rd, "model", prod::record_kind::prediction, w), expected(written, w));
  }
  // A feature only some records have, and a window where none of the chosen records has it.
  auto all = prod::read(rd, "model", prod::record_kind::prediction);
  REQUIRE(all.features.size() == 3);
  CHECK(all.features[1].name == "rare");
  CHECK(all.features[1].numeric);
  const prod::window newest{.since = written.back().time, .until = written.back().time};
  for (const auto& r : expected(written, newest)) REQUIRE(r.features.size() == 2);  // none has "rare"
  for (const auto& c : prod::read(rd, "model", prod::record_kind::prediction, newest).features) CHECK(c.name != "rare");
}

TEST_CASE("single-record commits fill one block; two store handles take turns on it", "[production][blocks]") {
  temp_dir dir;
  make_model(dir);
  auto a = prod::store::open(dir.store());
  auto b = prod::store::open(dir.store());  // another process's handle, in effect: its own connection
  const auto m = a.model("model");
  std::mt19937 rng(3);
  std::vector<prod::record> written;
  for (int i = 0; i < 300; ++i) {
    prod::record r = make_record(i, rng);
    r.time = 1000 + i;
    written.push_back(r);
    // Mostly a, sometimes b: each must see the other's additions to the open block.
    auto& s = (i % 10 < 7) ? a : b;
    CHECK(s.write(m, prod::record_kind::prediction, {r}).accepted == 1);
  }
  // Like a binary counter: full blocks, then one open block per bit of what is left (exactly
  // so when max_records() is a power of two, as its default; else at most one per bit of it).
  auto blocks_for = [](std::size_t n) {
    const std::size_t open = std::has_single_bit(block::max_records()) ? std::popcount(n % block::max_records())
                                                                       : std::bit_width(block::max_records());
    return static_cast<std::int64_t>(n / block::max_records() + open);
  };
  CHECK(count_rows(dir.store(), "production_blocks") <= blocks_for(300));
  if (std::has_single_bit(block::max_records())) CHECK(count_rows(dir.store(), "production_blocks") == blocks_for(300));
  for (int i = 300; i < 1024; ++i) {
    prod::record r = make_record(i, rng);
    r.time = 1000 + i;
    written.push_back(r);
    CHECK((i % 2 ? a : b).write(m, prod::record_kind::prediction, {r}).accepted == 1);
    if (i == 511) CHECK(count_rows(dir.store(), "production_blocks") <= blocks_for(512));
  }
  CHECK(count_rows(dir.store(), "production_blocks") <= blocks_for(1024));
  for (auto& r : written) r.confidence = 0.5;
  check_dataset(prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::prediction), written);
  // The reference of the same model is its own set of blocks, and replacing it keeps predictions.
  prod::record ref = written[0];
  ref.label = "cat";
  b.replace_reference(m, {ref});
  CHECK_THROWS_AS(a.replace_reference(m, {ref, written[1]}), prod::record_error);  // no label: nothing changes
  CHECK(prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::reference).size() == 1);
  CHECK(prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::prediction).size() == 1024);
}

TEST_CASE("a damaged block is reported as store_corrupt", "[production][blocks]") {
  temp_dir dir;
  make_model(dir);
  auto s = prod::store::open(dir.store());
  std::mt19937 rng(1);
  s.write(s.model("model"), prod::record_kind::prediction, {make_record(1, rng), make_record(2, rng)});
  const std::string db = tracker_test::store_db(dir.store());
  tracker_test::exec_sql(db, "CREATE TABLE saved AS SELECT bid, data FROM production_blocks");
  for (const char* data : {"X'02'", "X'0205FF'", "X'01020304'", "substr(data, 1, length(data) - 3)", "data || X'00'"}) {
    INFO(data);
    tracker_test::exec_sql(db, std::string("UPDATE production_blocks SET data = (SELECT data FROM saved WHERE saved.bid = production_blocks.bid);"
                                           " UPDATE production_blocks SET data = ") + data);
    CHECK_THROWS_MATCHES(prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::prediction),
                         tracker::error, Catch::Predicate<tracker::error>([](const tracker::error& e) {
                           return e.code() == tracker::error_code::store_corrupt;
                         }));
  }
}

TEST_CASE("migration 5 turns schema 4's rows into blocks, and reads back the same", "[production][blocks][migration]") {
  temp_dir dir;
  const std::string a = make_model(dir, "model-a");
  const std::string b = make_model(dir, "model-b");
  // The store as schema 4 left it: one row per record, JSON columns. Rows of two models and
  // both kinds interleave, as a server writing all of them would leave them.
  const std::string db = tracker_test::store_db(dir.store());
  tracker_test::exec_sql(db, R"sql(
DROP TABLE production_blocks; DROP TABLE production_ids; DROP INDEX production_feedback_by_model;
CREATE TABLE production_records (
  prid INTEGER PRIMARY KEY, rid INTEGER NOT NULL, kind INTEGER NOT NULL, id TEXT NOT NULL, time REAL NOT NULL,
  predicted TEXT NOT NULL, confidence REAL, probabilities TEXT, latency_ms REAL, label TEXT NOT NULL DEFAULT '',
  features TEXT NOT NULL, tags TEXT, image TEXT NOT NULL DEFAULT '', UNIQUE (rid, kind, id));
CREATE INDEX production_by_time ON production_records(rid, kind, time);
PRAGMA user_version = 4;)sql");
  std::mt19937 rng(11);
  std::map<std::pair<std::string, int>, std::vector<prod::record>> written;
  {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* ins = nullptr;
    REQUIRE(sqlite3_prepare_v2(h,
                               "INSERT INTO production_records(rid, kind, id, time, predicted, confidence, probabilities,"
                               " latency_ms, label, features, tags, image) VALUES((SELECT rid FROM runs WHERE id = ?1),"
                               " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                               -1, &ins, nullptr) == SQLITE_OK);
    auto text = [&](int i, const std::string& v) { sqlite3_bind_text(ins, i, v.c_str(), -1, SQLITE_TRANSIENT); };
    sqlite3_exec(h, "BEGIN", nullptr, nullptr, nullptr);
    for (int i = 0; i < 1500; ++i) {
      const std::string& run = i % 3 == 2 ? b : a;
      const int kind = i % 4 == 1 ? 1 : 0;
      prod::record r = make_record(i, rng);
      r.confidence = 0.5;
      if (kind == 1) r.label = classes[static_cast<std::size_t>(i) % 2];
      if (i % 9 == 0) r.image = "media/" + run + "/production/x/" + r.id + ".png";
      if (i % 13 == 0) r.features.emplace_back("mixed", i % 26 == 0 ? prod::feature_value(std::string("hi")) : prod::feature_value(2.5));
      json features = json::object(), tags = json::object();
      for (const auto& [name, v] : r.features)
        features[name] = std::holds_alternative<std::string>(v) ? json(std::get<std::string>(v))
                         : std::isnan(std::get<double>(v))      ? json(nullptr)
                                                                : json(std::get<double>(v));
      for (const auto& [k, v] : r.tags) tags[k] = v;
      sqlite3_reset(ins);
      text(1, run);
      sqlite3_bind_int(ins, 2, kind);
      text(3, r.id);
      sqlite3_bind_double(ins, 4, r.time);
      text(5, r.predicted);
      sqlite3_bind_double(ins, 6, *r.confidence);
      text(7, json(r.probabilities).dump());
      if (r.latency_ms)
        sqlite3_bind_double(ins, 8, *r.latency_ms);
      else
        sqlite3_bind_null(ins, 8);
      text(9, r.label);
      text(10, features.dump());
      text(11, tags.dump());
      text(12, r.image);
      REQUIRE(sqlite3_step(ins) == SQLITE_DONE);
      written[{run, kind}].push_back(r);
    }
    sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_finalize(ins);
    sqlite3_close(h);
  }
  tracker_test::exec_sql(db, "INSERT INTO production_feedback(id, rid, time, label, flag, reason)"
                             " VALUES('r-3', 0, 5, 'bird', '', ''), ('r-6', 0, 6, '', 'incorrect', 'blurry')");
  CHECK_THROWS(tracker::reader::open(dir.store()));  // a reader asks for a writer to migrate
  auto s = prod::store::open(dir.store());          // migrates, in one transaction
  CHECK(s.schema_version() == tracker::store::schema_version);
  CHECK(count_rows(dir.store(), "sqlite_master WHERE name = 'production_records'") == 0);
  CHECK(count_rows(dir.store(), "production_ids") == 1500);

  auto rd = tracker::reader::open(dir.store());
  for (const auto& [key, records] : written) {
    INFO(key.first << " kind " << key.second);
    const auto kind = static_cast<prod::record_kind>(key.second);
    for (prod::window w : {prod::window{}, prod::window{.since = 1200.0, .until = 1300.0}, prod::window{.last = 10}}) {
      auto d = prod::read(rd, key.first, kind, w);
      const auto want = expected(records, w);
      check_dataset(d, want);
      for (std::size_t i = 0; i < want.size(); ++i) {
        CHECK(d.image[i] == want[i].image);
        if (want[i].id == "r-3") CHECK(d.label[i] == "bird");  // feedback still joins
        if (want[i].id != "r-3") CHECK(d.label[i] == want[i].label);
        CHECK(d.flag[i] == (want[i].id == "r-6" ? "incorrect" : ""));
      }
    }
  }
  // Probabilities and tags, which datasets do not carry, are in the blocks as they were.
  {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, "SELECT r.id, b.kind, b.data FROM production_blocks b JOIN runs r ON r.rid = b.rid ORDER BY b.bid",
                               -1, &q, nullptr) == SQLITE_OK);
    std::map<std::pair<std::string, int>, std::size_t> seen;
    while (sqlite3_step(q) == SQLITE_ROW) {
      const std::pair<std::string, int> key{reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), sqlite3_column_int(q, 1)};
      auto v = block::parse(sqlite3_column_blob(q, 2), static_cast<std::size_t>(sqlite3_column_bytes(q, 2)));
      for (const auto& row : block::rows(v, 0, key.second)) {
        const prod::record& want = written[key][seen[key]++];
        CHECK(row.id == want.id);
        CHECK(row.probabilities == want.probabilities);
        CHECK(row.tags == want.tags);
      }
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
    for (const auto& [key, records] : written) CHECK(seen[key] == records.size());
  }
  // Ids stored before the migration are still duplicates; new records go on after them.
  const auto m = s.model("model-a");
  prod::record fresh = written[{a, 0}].front();
  auto w = s.write(m, prod::record_kind::prediction, {fresh});
  CHECK(w.duplicates == 1);
  fresh.id = "after-migration";
  fresh.time = 99999;
  CHECK(s.write(m, prod::record_kind::prediction, {fresh}).accepted == 1);
  auto d = prod::read(tracker::reader::open(dir.store()), a, prod::record_kind::prediction);
  CHECK(d.size() == written[{a, 0}].size() + 1);
  CHECK(d.ids.back() == "after-migration");
}

TEST_CASE("a read while records move between open blocks sees each record once", "[production][blocks]") {
  temp_dir dir;
  make_model(dir);
  std::atomic<bool> done{false};
  std::thread writer([&] {
    auto s = prod::store::open(dir.store());
    const auto m = s.model("model");
    std::mt19937 rng(5);
    for (int i = 0; i < 1500; ++i) {
      prod::record r = make_record(i, rng);
      r.time = 1000 + i;
      s.write(m, prod::record_kind::prediction, {r});  // single records: the tail merges often
    }
    done = true;
  });
  auto rd = tracker::reader::open(dir.store());
  std::size_t reads = 0, seen = 0;
  while (!done || reads == 0) {
    auto d = prod::read(rd, "model", prod::record_kind::prediction);
    ++reads;
    REQUIRE(d.size() >= seen);  // a committed record never disappears
    seen = d.size();
    for (std::size_t i = 0; i < d.size(); ++i) REQUIRE(d.ids[i] == "r-" + std::to_string(i));  // once each, in order
  }
  writer.join();
  CHECK(prod::read(rd, "model", prod::record_kind::prediction).size() == 1500);
  INFO("reads: " << reads);
  CHECK(reads > 1);
}
