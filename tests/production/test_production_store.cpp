// test_production_store.cpp — production records, feedback and model classes: validation and
// JSON (every error names the record and field), writing (atomic, idempotent ids, group commit
// from many threads, images in media/), reading (columns, feedback join in any order, windows),
// gc and the migration from schema 2.
#include <tracker/metrics.hpp>
#include <tracker/production.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "test_support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <atomic>
#include <thread>

namespace prod = tracker::production;
using nlohmann::json;
using tracker_test::temp_dir;

namespace {

const std::vector<std::string> classes = {"T-shirt", "Trouser", "Coat"};

// A finished training run named "model" in a fresh store, with the classes recorded.
std::string make_model(const temp_dir& dir, bool record_classes = true) {
  tracker::options o = tracker_test::quiet(dir);
  o.name = "model";
  auto run = tracker::init(o);
  run.log("val/acc", 0.9, 1);
  std::string id = run.id();
  run.finish();
  if (record_classes) prod::store::open(dir.store()).set_classes(id, classes);
  return id;
}

prod::record rec(const std::string& id, double brightness, const std::string& predicted, double time = 0) {
  prod::record r;
  r.id = id;
  r.time = time;
  r.features = {{"brightness", brightness}, {"source", std::string("upload")}};
  r.predicted = predicted;
  return r;
}

std::int64_t count_rows(const std::string& store, const std::string& table) {
  return tracker_test::query_int(tracker_test::store_db(store), "SELECT count(*) FROM " + table);
}

// Runs f, expecting a record_error at index with field; returns its message.
template <class F>
std::string record_error_of(F&& f, std::size_t index, const std::string& field) {
  try {
    f();
  } catch (const prod::record_error& e) {
    CHECK(e.index() == index);
    CHECK(e.field() == field);
    return e.what();
  }
  FAIL("no record_error for field " << field);
  return {};
}

}  // namespace

TEST_CASE("parse_time reads ISO-8601 and unix seconds", "[production]") {
  // Expected values: Python's datetime(...).timestamp() with tzinfo=timezone.utc /
  // datetime.fromisoformat(...).timestamp().
  CHECK(prod::parse_time("2026-11-22T10:00:00Z") == 1795341600.0);
  CHECK(prod::parse_time("2026-11-22T10:00:00.5+01:00") == 1795338000.5);
  CHECK(prod::parse_time("2026-11-22") == 1795305600.0);
  CHECK(prod::parse_time("1795341600.25") == 1795341600.25);
  CHECK_FALSE(prod::parse_time("2026-02-30T00:00:00Z"));
  CHECK_FALSE(prod::parse_time("2026-11-22T10:00:00Q"));
  CHECK_FALSE(prod::parse_time("yesterday"));
  CHECK_FALSE(prod::parse_time(""));
}

TEST_CASE("a JSON record is checked field by field; errors name the record and the field", "[production]") {
  const prod::model_info model{"run1", "model", classes};
  auto parse = [&](const json& j, std::size_t index = 0) {
    return prod::record_from_json(j, prod::record_kind::prediction, model, index);
  };

  SECTION("a full record, with a class index and an ISO timestamp") {
    auto r = parse({{"id", "r-1"},
                    {"timestamp", "2026-11-22T10:00:00Z"},
                    {"features", {{"brightness", 0.71}, {"source", "upload"}, {"gone", nullptr}}},
                    {"prediction", {{"label", 2}, {"probabilities", {0.1, 0.2, 0.7}}}},
                    {"latency_ms", 12.5},
                    {"tags", {{"env", "prod"}}}});
    CHECK(r.id == "r-1");
    CHECK(r.time == 1795341600.0);
    CHECK(r.predicted == "Coat");  // index 2
    REQUIRE(r.confidence);
    CHECK(*r.confidence == 0.7);  // the predicted class's probability
    REQUIRE(r.features.size() == 3);
    auto gone = std::find_if(r.features.begin(), r.features.end(), [](auto& f) { return f.first == "gone"; });
    REQUIRE(gone != r.features.end());
    CHECK(std::isnan(std::get<double>(gone->second)));  // null: missing
    CHECK(r.tags == std::vector<std::pair<std::string, std::string>>{{"env", "prod"}});
  }
  SECTION("no label: the argmax of the probabilities") {
    auto r = parse({{"id", "r-2"}, {"prediction", {{"probabilities", {0.6, 0.3, 0.1}}}}});
    CHECK(r.predicted == "T-shirt");
  }
  SECTION("bad records") {
    std::string m = record_error_of([&] { parse({{"id", "x"}, {"prediction", {{"label", "Sock"}}}}, 3); }, 3,
                                    "prediction.label");
    CHECK_THAT(m, Catch::Contains("record 3") && Catch::Contains("unknown class 'Sock'") && Catch::Contains("Trouser"));
    record_error_of([&] { parse({{"id", "x"}, {"prediction", {{"label", 3}}}}); }, 0, "prediction.label");
    record_error_of([&] { parse({{"prediction", "Coat"}}); }, 0, "id");
    record_error_of([&] { parse({{"id", ""}, {"prediction", "Coat"}}); }, 0, "id");
    record_error_of([&] { parse({{"id", "x"}}); }, 0, "prediction.label");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", "Coat"}, {"feature", {}}}); }, 0, "feature");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", {{"label", "Coat"}, {"probabilities", {0.5, 0.5}}}}}); }, 0,
                    "prediction.probabilities");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", {{"probabilities", {0.5, 1.5, -1}}}}}); }, 0,
                    "prediction.probabilities[1]");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", {{"probabilities", {0.5, 0.2, 0.2}}}}}); }, 0,
                    "prediction.probabilities");  // sums to 0.9
    record_error_of([&] { parse({{"id", "x"}, {"prediction", "Coat"}, {"features", {{"b", {1, 2}}}}}); }, 0, "features.b");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", "Coat"}, {"timestamp", "noon"}}); }, 0, "timestamp");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", "Coat"}, {"latency_ms", -1}}); }, 0, "latency_ms");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", "Coat"}, {"image", "not base64!"}}); }, 0, "image");
    record_error_of([&] { parse({{"id", "x"}, {"prediction", "Coat"}, {"image", "aGVsbG8="}}); }, 0, "image");  // "hello"
    record_error_of([&] { parse({{"id", std::string(300, 'a')}, {"prediction", "Coat"}}); }, 0, "id");
    record_error_of([&] { parse(json::array()); }, 0, "");
    // A reference record needs its true label.
    record_error_of([&] { prod::record_from_json({{"id", "x"}, {"prediction", "Coat"}}, prod::record_kind::reference, model, 0); },
                    0, "label");
  }
  SECTION("C++ records: infinity is refused, NaN is a missing value") {
    prod::record r = rec("x", INFINITY, "Coat");
    record_error_of([&] { prod::validate(r, prod::record_kind::prediction, model, 7); }, 7, "features.brightness");
    prod::record ok = rec("x", NAN, "Coat");
    prod::validate(ok, prod::record_kind::prediction, model, 0);
  }
  SECTION("feedback") {
    auto f = prod::feedback_from_json({{"id", "r-1"}, {"label", 1}}, &model, 0);
    CHECK(f.label == "Trouser");
    auto g = prod::feedback_from_json({{"id", "r-2"}, {"flag", "incorrect"}, {"reason", "it is a bag"}}, nullptr, 0);
    CHECK(g.flag == "incorrect");
    record_error_of([&] { prod::feedback_from_json({{"id", "r-3"}}, nullptr, 4); }, 4, "");
    record_error_of([&] { prod::feedback_from_json({{"id", "r-3"}, {"label", "Sock"}}, &model, 0); }, 0, "label");
  }
  SECTION("to_json and back is the same record") {
    prod::record r = rec("r-9", 0.25, "Coat", 1795341600.0);
    r.probabilities = {0.2, 0.3, 0.5};
    r.tags = {{"env", "prod"}};
    auto back = parse(prod::to_json(r));
    CHECK(back.id == r.id);
    CHECK(back.time == r.time);
    CHECK(back.predicted == "Coat");
    CHECK(back.probabilities == r.probabilities);
    CHECK(back.features.size() == 2);
    CHECK(back.tags == r.tags);
  }
}

TEST_CASE("writes are atomic and idempotent; feedback joins in either order", "[production]") {
  temp_dir dir;
  const std::string run_id = make_model(dir);
  auto s = prod::store::open(dir.store());
  const prod::model_info m = s.model("model");
  CHECK(m.run_id == run_id);
  CHECK(m.classes == classes);

  // Feedback first, for a prediction that arrives later.
  auto fb = s.write_feedback({{.id = "a", .label = "Coat"}, {.id = "b", .flag = "incorrect", .reason = "a bag"}});
  CHECK(fb.accepted == 2);
  CHECK(s.write_feedback({{.id = "a", .label = "Coat"}}).duplicates == 1);  // identical feedback: stored once

  auto w = s.write(m, prod::record_kind::prediction, {rec("a", 0.1, "T-shirt", 100), rec("b", 0.2, "Coat", 200)});
  CHECK(w.accepted == 2);
  CHECK(w.duplicates == 0);
  // A retry of the same batch stores nothing new.
  w = s.write(m, prod::record_kind::prediction, {rec("a", 0.1, "T-shirt", 100), rec("c", 0.3, "Coat", 300)});
  CHECK(w.accepted == 1);
  CHECK(w.duplicates == 1);
  // One bad record: nothing of the write is stored.
  CHECK_THROWS_AS(s.write(m, prod::record_kind::prediction, {rec("d", 0.4, "Coat", 400), rec("e", 0.5, "Sock", 500)}),
                  prod::record_error);
  // Feedback after its prediction.
  s.write_feedback({{.id = "c", .label = "Trouser"}}, &m);

  auto rd = tracker::reader::open(dir.store());
  auto d = prod::read(rd, "model", prod::record_kind::prediction);
  REQUIRE(d.size() == 3);
  CHECK(d.ids == std::vector<std::string>{"a", "b", "c"});
  CHECK(d.label == std::vector<std::string>{"Coat", "", "Trouser"});
  CHECK(d.flag == std::vector<std::string>{"", "incorrect", ""});
  CHECK(d.reason[1] == "a bag");
  REQUIRE(d.features.size() == 2);
  CHECK(d.features[0].name == "brightness");
  CHECK(d.features[0].numeric);
  CHECK(d.features[0].numbers == std::vector<double>{0.1, 0.2, 0.3});
  CHECK_FALSE(d.features[1].numeric);
  CHECK(d.features[1].categories[2] == "upload");

  SECTION("windows: since/until inclusive, last = newest N, oldest first") {
    CHECK(prod::read(rd, "model", prod::record_kind::prediction, {.since = 200}).ids ==
          std::vector<std::string>{"b", "c"});
    CHECK(prod::read(rd, "model", prod::record_kind::prediction, {.until = 200}).ids ==
          std::vector<std::string>{"a", "b"});
    CHECK(prod::read(rd, "model", prod::record_kind::prediction, {.last = 2}).ids == std::vector<std::string>{"b", "c"});
    CHECK(prod::read(rd, "model", prod::record_kind::reference).size() == 0);
  }
}

TEST_CASE("replace_reference swaps the whole reference set in one transaction", "[production]") {
  temp_dir dir;
  make_model(dir);
  auto s = prod::store::open(dir.store());
  auto m = s.model("model");
  auto labelled = [](prod::record r) {
    r.label = "Coat";
    return r;
  };
  s.replace_reference(m, {labelled(rec("v/1", 0.1, "Coat", 1)), labelled(rec("v/2", 0.2, "Coat", 2))});
  auto w = s.replace_reference(m, {labelled(rec("v/2", 0.9, "Trouser", 3))});
  CHECK(w.accepted == 1);
  auto d = prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::reference);
  REQUIRE(d.size() == 1);
  CHECK(d.predicted[0] == "Trouser");
  CHECK(d.label[0] == "Coat");
  // A bad record leaves the old set in place.
  CHECK_THROWS(s.replace_reference(m, {rec("v/3", 0.5, "Coat", 4)}));  // no label
  CHECK(prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::reference).size() == 1);
}

TEST_CASE("features missing from some records, and mixed types, read as columns", "[production]") {
  temp_dir dir;
  make_model(dir);
  auto s = prod::store::open(dir.store());
  auto m = s.model("model");
  prod::record a = rec("a", 0.5, "Coat", 1);
  a.features = {{"x", 1.0}};
  prod::record b = rec("b", 0.5, "Coat", 2);
  b.features = {{"y", std::string("u")}, {"x", std::string("big")}};
  prod::record c = rec("c", 0.5, "Coat", 3);
  c.features = {{"y", 2.5}};
  s.write(m, prod::record_kind::prediction, {a, b, c});
  auto d = prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::prediction);
  REQUIRE(d.features.size() == 2);
  CHECK_FALSE(d.features[0].numeric);  // x: 1 and "big" -> categories "1", "big", missing
  CHECK(d.features[0].categories == std::vector<std::string>{"1", "big", ""});
  CHECK_FALSE(d.features[1].numeric);  // y: "u" and 2.5
  CHECK(d.features[1].categories == std::vector<std::string>{"", "u", "2.5"});
}

TEST_CASE("many threads writing at once are all committed (group commit)", "[production]") {
  temp_dir dir;
  make_model(dir);
  auto s = prod::store::open(dir.store());
  auto m = s.model("model");
  constexpr int threads = 8, writes = 50;
  std::vector<std::thread> pool;
  std::atomic<std::size_t> accepted{0};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < writes; ++i) {
        auto r = s.write(m, prod::record_kind::prediction,
                         {rec("t" + std::to_string(t) + "-" + std::to_string(i), 0.1 * t, "Coat", 1000 + i)});
        accepted += r.accepted;
      }
    });
  for (auto& th : pool) th.join();
  CHECK(accepted == threads * writes);
  CHECK(prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::prediction).size() ==
        threads * writes);
}

TEST_CASE("writes sharing a commit are counted write by write, duplicates included", "[production]") {
  // Every round, each thread writes its own record and one that all threads write: of those,
  // exactly one is accepted, whichever writes share a commit (commit_together credits a write
  // with all its records only when none was a duplicate).
  temp_dir dir;
  make_model(dir);
  auto s = prod::store::open(dir.store());
  auto m = s.model("model");
  constexpr int threads = 8, rounds = 40;
  std::vector<std::thread> pool;
  std::atomic<std::size_t> accepted{0}, duplicates{0}, wrong_totals{0};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < rounds; ++i) {
        auto r = s.write(m, prod::record_kind::prediction,
                         {rec("own-" + std::to_string(t) + "-" + std::to_string(i), 0.1 * t, "Coat", 1000 + i),
                          rec("shared-" + std::to_string(i), 0.5, "Coat", 1000 + i)});
        accepted += r.accepted;
        duplicates += r.duplicates;
        if (r.accepted + r.duplicates != 2 || r.accepted == 0) ++wrong_totals;
      }
    });
  for (auto& th : pool) th.join();
  CHECK(wrong_totals == 0);
  CHECK(accepted == rounds * (threads + 1));
  CHECK(duplicates == rounds * (threads - 1));
  CHECK(prod::read(tracker::reader::open(dir.store()), "model", prod::record_kind::prediction).size() ==
        rounds * (threads + 1));
}

TEST_CASE("writes of different kinds in one commit keep their kinds", "[production]") {
  // Predictions and reference records queued together cannot go in as one insert.
  temp_dir dir;
  make_model(dir);
  auto s = prod::store::open(dir.store());
  auto m = s.model("model");
  constexpr int threads = 6, writes = 30;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      const auto kind = t % 2 ? prod::record_kind::prediction : prod::record_kind::reference;
      for (int i = 0; i < writes; ++i) {
        auto r = rec("k" + std::to_string(t) + "-" + std::to_string(i), 0.1, "Coat", 1000 + i);
        if (kind == prod::record_kind::reference) r.label = "Coat";
        s.write(m, kind, {r});
      }
    });
  for (auto& th : pool) th.join();
  const auto reader = tracker::reader::open(dir.store());
  const auto predictions = prod::read(reader, "model", prod::record_kind::prediction);
  const auto reference = prod::read(reader, "model", prod::record_kind::reference);
  REQUIRE(predictions.size() == threads / 2 * writes);
  REQUIRE(reference.size() == threads / 2 * writes);
  for (const auto& id : predictions.ids) CHECK((id[1] - '0') % 2 == 1);
  for (const auto& id : reference.ids) CHECK((id[1] - '0') % 2 == 0);
}

TEST_CASE("images are stored under the run's media and removed with it by gc", "[production]") {
  temp_dir dir;
  const std::string run_id = make_model(dir);
  auto s = prod::store::open(dir.store());
  auto m = s.model(run_id);
  prod::record r = rec("img/1 ?", 0.5, "Coat", 5);
  r.image_png = std::string("\x89PNG\r\n\x1a\n", 8) + "rest-of-file";
  r.label = "Coat";
  s.write(m, prod::record_kind::reference, {r});
  auto d = prod::read(tracker::reader::open(dir.store()), run_id, prod::record_kind::reference);
  REQUIRE(d.size() == 1);
  CHECK(d.label[0] == "Coat");
  const std::filesystem::path file = std::filesystem::path(dir.store()) / d.image[0];
  CHECK(d.image[0].rfind("media/" + run_id + "/production/reference/", 0) == 0);
  REQUIRE(std::filesystem::exists(file));
  std::ifstream in(file, std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == r.image_png);

  tracker::delete_run(dir.store(), run_id);
  CHECK(tracker::gc(dir.store()) == 1);
  CHECK_FALSE(std::filesystem::exists(file));
  CHECK(count_rows(dir.store(), "production_blocks") == 0);
  CHECK(count_rows(dir.store(), "production_ids") == 0);
  CHECK(count_rows(dir.store(), "production_models") == 0);
}

TEST_CASE("a model's classes come from its latest confusion matrix when none were recorded", "[production]") {
  temp_dir dir;
  auto run = tracker::init(tracker_test::quiet(dir));
  tracker::metrics::confusion_matrix cm({"cat", "dog"});
  cm.add(0, 1);
  tracker::metrics::log_confusion_matrix(run, "val/confusion", cm, 3);
  run.finish();
  auto s = prod::store::open(dir.store());
  CHECK(s.model(run.id()).classes == std::vector<std::string>{"cat", "dog"});
  CHECK(prod::read_model(tracker::reader::open(dir.store()), run.id()).classes == std::vector<std::string>{"cat", "dog"});
  CHECK_THROWS_MATCHES(s.model("nope"), tracker::error, Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::run_not_found;
                       }));
}

TEST_CASE("a store written by schema 2 migrates to the production tables in place", "[production][migration]") {
  temp_dir dir;
  const std::string run_id = make_model(dir, false);
  tracker_test::exec_sql(tracker_test::store_db(dir.store()),
                         "DROP TABLE production_blocks; DROP TABLE production_ids; DROP TABLE production_feedback;"
                         " DROP TABLE production_models;"
                         " PRAGMA user_version = 2");
  CHECK_THROWS(tracker::reader::open(dir.store()));  // a reader asks for a writer to migrate
  auto s = prod::store::open(dir.store());           // migrates under the write lock
  s.write(s.model(run_id), prod::record_kind::prediction, {rec("a", 0.5, "Coat", 1)});
  auto rd = tracker::reader::open(dir.store());
  CHECK(rd.summary(run_id, "val/acc")->last == 0.9);
  CHECK(prod::read(rd, run_id, prod::record_kind::prediction).size() == 1);
}
