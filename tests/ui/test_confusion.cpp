// test_confusion.cpp — the confusion view's model without a window: normalization, the
// difference of two matrices, which direction is better, most-confused order (the CLI's
// tie-break), step slider positions, the command line of part 2, and the loader's objects.
#include "fixture.hpp"
#include "model/confusion.hpp"
#include "model/loader.hpp"
#include "model/options.hpp"

#include <catch2/catch.hpp>
#include <test_support.hpp>
#include <tracker/tracker.hpp>

using namespace tracker::ui;
using tracker::metrics::confusion_matrix;

namespace {

confusion_matrix make(std::vector<std::string> labels, std::vector<std::vector<int>> rows) {
  confusion_matrix cm(std::move(labels));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      cm.add(std::int64_t(i), std::int64_t(j), rows[i][j]);
  return cm;
}

}  // namespace

TEST_CASE("confusion: normalization by row (recall), by column (precision) and none") {
  auto cm = make({"cat", "dog", "bird"}, {{5, 1, 0}, {2, 3, 1}, {0, 0, 0}});
  auto none = normalized(cm, cm_normalize::none);
  CHECK(none == std::vector<double>{5, 1, 0, 2, 3, 1, 0, 0, 0});
  auto rows = normalized(cm, cm_normalize::true_rows);
  CHECK(rows[0] == Approx(5.0 / 6));
  CHECK(rows[1] == Approx(1.0 / 6));
  CHECK(rows[4] == Approx(0.5));
  CHECK(rows[8] == 0);  // an empty row is zeros (zero_division = 0), not NaN
  auto cols = normalized(cm, cm_normalize::pred_cols);
  CHECK(cols[0] == Approx(5.0 / 7));
  CHECK(cols[3] == Approx(2.0 / 7));
  CHECK(cols[5] == Approx(1.0));
  CHECK(cols[8] == 0);
  CHECK(parse_normalize("true") == cm_normalize::true_rows);
  CHECK(parse_normalize("pred") == cm_normalize::pred_cols);
  CHECK(parse_normalize("none") == cm_normalize::none);
  CHECK_FALSE(parse_normalize("row"));
}

TEST_CASE("confusion: the difference B - A, and which direction is better") {
  auto a = make({"cat", "dog"}, {{8, 2}, {3, 7}});
  auto b = make({"cat", "dog"}, {{9, 1}, {5, 5}});
  auto d = difference(a, b, cm_normalize::none);
  REQUIRE(d.ok);
  CHECK(d.k == 2);
  CHECK(d.d == std::vector<double>{1, -1, 2, -2});
  // More on the diagonal is better; more off it is worse.
  CHECK(improvement(0, 0, d.d[0]) > 0);
  CHECK(improvement(0, 1, d.d[1]) > 0);  // cat->dog shrank: better
  CHECK(improvement(1, 0, d.d[2]) < 0);  // dog->cat grew: worse
  CHECK(improvement(1, 1, d.d[3]) < 0);
  auto r = difference(a, b, cm_normalize::true_rows);
  CHECK(r.d[0] == Approx(0.1));
  CHECK(r.d[2] == Approx(0.2));
  auto worse = biggest_changes(a, b, 10);
  REQUIRE(worse.size() == 1);
  CHECK(worse[0].true_index == 1);
  CHECK(worse[0].predicted_index == 0);
  CHECK(worse[0].a == 3);
  CHECK(worse[0].b == 5);

  auto other = make({"cat", "cow"}, {{1, 0}, {0, 1}});
  auto bad = difference(a, other, cm_normalize::none);
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("'dog' against 'cow'") != std::string::npos);
  auto three = make({"a", "b", "c"}, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  CHECK(difference(a, three, cm_normalize::none).error.find("different classes (2 and 3)") !=
        std::string::npos);
}

TEST_CASE("confusion: most confused pairs are the CLI's order (count, then row-major)") {
  // Ties: (0,2)=3, (1,0)=3, (2,1)=3 and (2,0)=4: 4 first, then the ties by true, predicted.
  auto cm = make({"a", "b", "c"}, {{5, 0, 3}, {3, 5, 1}, {4, 3, 5}});
  auto p = tracker::metrics::most_confused(cm);
  REQUIRE(p.size() == 5);
  CHECK(p[0].true_label == "c");
  CHECK(p[0].predicted_label == "a");
  CHECK((p[1].true_index == 0 && p[1].predicted_index == 2));
  CHECK((p[2].true_index == 1 && p[2].predicted_index == 0));
  CHECK((p[3].true_index == 2 && p[3].predicted_index == 1));
  CHECK(p[4].count == 1);
  // A 1-class matrix and a 100-class one: nothing to confuse / no crash.
  CHECK(tracker::metrics::most_confused(make({"only"}, {{7}})).empty());
  std::vector<std::string> labels;
  for (int i = 0; i < 100; ++i) labels.push_back("c" + std::to_string(i));
  confusion_matrix big(labels);
  for (int i = 0; i < 100; ++i) big.add(i, (i * 7) % 100, i + 1);
  CHECK(normalized(big, cm_normalize::true_rows).size() == 10000);
}

TEST_CASE("confusion: step slider positions") {
  std::vector<tracker::object_info> index = {{"val/confusion", "confusion_matrix", 499, 0, 10},
                                             {"val/top", "table", 499, 0, 10},
                                             {"val/confusion", "confusion_matrix", 999, 0, 10},
                                             {"val/confusion", "confusion_matrix", 1999, 0, 10},
                                             {"test/confusion", "confusion_matrix", 1999, 0, 10}};
  auto steps = object_steps(index, "val/confusion");
  CHECK(steps == std::vector<std::int64_t>{499, 999, 1999});
  CHECK(step_position(steps, std::nullopt) == 2u);  // the latest
  CHECK(step_position(steps, 999) == 1u);           // exact
  CHECK(step_position(steps, 1500) == 1u);          // the latest at or before
  CHECK(step_position(steps, 5) == 0u);             // before the first: the first
  CHECK_FALSE(step_position({}, 5));
  CHECK(object_keys(index, "confusion_matrix") ==
        std::vector<std::string>{"val/confusion", "test/confusion"});
}

TEST_CASE("options: part 2's confusion flags") {
  auto o = parse_options({"--screenshot", "x.png", "--view", "confusion", "--key", "val/confusion",
                          "--step", "1999", "--normalize", "true", "--diff", "--step-b", "499"});
  CHECK(o.view == view_id::confusion);
  CHECK(o.key == "val/confusion");
  CHECK(o.step == 1999);
  CHECK(o.step_b == 499);
  CHECK(o.normalize == "true");
  CHECK(o.diff);
  CHECK_THROWS_WITH(parse_options({"--normalize", "row"}),
                    "unknown --normalize 'row' (expected none|true|pred)");
  CHECK_THROWS_WITH(parse_options({"--step", "-3"}), Catch::Contains("--step expects a step"));
  CHECK_THROWS_WITH(parse_options({"--step-b", "3"}), "--step-b needs --diff");
}

TEST_CASE("loader: object indexes and single bodies on demand, new steps of a live run seen") {
  tracker_test::temp_dir dir;
  auto runs = tracker_ui_test::make_fixture_store(dir.store());
  sync_feed feed(store_source::open(dir.store()));
  const std::string cnn = runs[3].id;
  feed.want_objects({object_want{cnn, "", -1}});
  feed.pump();
  const auto* idx = feed.latest()->index_of(cnn);
  REQUIRE(idx);
  CHECK(object_steps(*idx, "val/confusion") == std::vector<std::int64_t>{499, 999, 1499, 1999});
  CHECK(feed.core().source().stats().objects_read == 0);  // no body read for an index

  feed.want_objects({object_want{cnn, "", -1}, object_want{cnn, "val/confusion", 999}});
  feed.pump();
  auto body = feed.latest()->body(cnn, "val/confusion", 999);
  REQUIRE(body);
  CHECK(body->error.empty());
  auto cm = parse_confusion(body->record.body_json);
  REQUIRE(cm);
  CHECK(cm->size() == 10);
  CHECK(cm->total() == 10000);
  // The loader thread parsed it already (the frame that shows it does not parse).
  REQUIRE(body->confusion);
  CHECK(*body->confusion == *cm);
  CHECK_FALSE(body->table);
  feed.want_objects({object_want{cnn, "val/misclassified", 999}});
  feed.pump();
  auto tb = feed.latest()->body(cnn, "val/misclassified", 999);
  REQUIRE(tb);
  REQUIRE(tb->table);
  CHECK(tb->table->rows.size() == 40);
  CHECK_FALSE(tb->confusion);
  feed.want_objects({object_want{cnn, "", -1}, object_want{cnn, "val/confusion", 999}});
  feed.pump();
  CHECK(feed.core().source().stats().objects_read == 2);
  feed.pump();
  CHECK(feed.core().source().stats().objects_read == 2);  // each read once

  // A missing step is an error in the body, not an exception.
  feed.want_objects({object_want{cnn, "val/confusion", 5}});
  feed.pump();
  REQUIRE(feed.latest()->body(cnn, "val/confusion", 5));
  CHECK_FALSE(feed.latest()->body(cnn, "val/confusion", 5)->error.empty());

  // A live run that logs a new matrix: the index grows at the next poll.
  tracker::options o;
  o.store = dir.store();
  o.name = "live";
  o.capture_git = false;
  o.handle_signals = false;
  tracker::run run = tracker::init(o);
  run.log_object("val/confusion", "confusion_matrix", make({"a", "b"}, {{1, 0}, {0, 1}}).to_json(),
                 1);
  run.flush();
  feed.pump();
  feed.want_objects({object_want{run.id(), "", -1}});
  feed.pump();
  REQUIRE(feed.latest()->index_of(run.id()));
  CHECK(feed.latest()->index_of(run.id())->size() == 1);
  run.log_object("val/confusion", "confusion_matrix", make({"a", "b"}, {{1, 1}, {0, 1}}).to_json(),
                 2);
  run.flush();
  feed.pump();
  CHECK(feed.latest()->index_of(run.id())->size() == 2);
  run.finish();
}
