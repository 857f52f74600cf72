// test_samples.cpp — the samples view's model without a window: table roles, sorting with
// missing values last, filters, the image cache (reading a real store's media through its reader,
// decoding off the thread, missing files, keys outside media/, eviction), and the view drawn in
// a hidden context.
#include "fixture.hpp"
#include "model/image_cache.hpp"
#include "model/samples.hpp"

#include <catch2/catch.hpp>
#include <stb_image_write.h>
#include <test_support.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

using namespace tracker::ui;
namespace m = tracker::metrics;

namespace {

sample_table make_table() {
  m::table t({{"image", m::column_type::image},
              {"true_label", m::column_type::text},
              {"predicted_label", m::column_type::text},
              {"loss", m::column_type::number}});
  t.add_row({std::string("media/r/a.png"), std::string("cat"), std::string("dog"), 0.5});
  t.add_row({std::monostate{}, std::string("dog"), std::string("cat"), 2.0});
  t.add_row({std::string("media/r/c.png"), std::string("cat"), std::string("bird"),
             std::numeric_limits<double>::quiet_NaN()});
  t.add_row(
      {std::string("media/r/d.png"), std::string("cat"), std::string("dog"), std::monostate{}});
  t.add_row({std::string("media/r/e.png"), std::string("bird"), std::string("dog"), 1.0});
  auto parsed = parse_table(t.to_json().dump());
  REQUIRE(parsed);
  return *parsed;
}

void wait_idle(image_cache& c) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!c.idle() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

std::vector<std::uint8_t> png(int w, int h, unsigned char value) {
  std::vector<unsigned char> px(std::size_t(w * h * 3), value);
  std::vector<std::uint8_t> out;
  REQUIRE(stbi_write_png_to_func(
      [](void* ctx, void* data, int size) {
        auto* o = static_cast<std::vector<std::uint8_t>*>(ctx);
        o->insert(o->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
      },
      &out, w, h, 3, px.data(), w * 3));
  return out;
}

// A store with run "r" whose media are the given files, logged as a training run logs them.
void store_with_media(const tracker_test::temp_dir& dir,
                      const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& files) {
  tracker::options o = tracker_test::quiet(dir);
  o.id = "r";
  tracker::run run = tracker::init(o);
  for (const auto& [name, bytes] : files) REQUIRE(run.log_media(name, bytes) == "media/r/" + name);
  run.finish();
}

}  // namespace

TEST_CASE("samples: column roles by name, top losses first, missing values last") {
  sample_table t = make_table();
  CHECK(t.image == 0u);
  CHECK(t.truth == 1u);
  CHECK(t.predicted == 2u);
  CHECK(t.loss == 3u);
  table_query q = default_query(t);
  CHECK(q.sort_column == 3);
  CHECK(q.descending);
  CHECK(query_rows(t, q) == std::vector<std::size_t>{1, 4, 0, 2, 3});  // NaN, null last
  q.descending = false;
  CHECK(query_rows(t, q) == std::vector<std::size_t>{0, 4, 1, 2, 3});  // still last
  q.sort_column = 1;  // text: by bytes, ties in table order
  CHECK(query_rows(t, q) == std::vector<std::size_t>{4, 0, 2, 3, 1});
  q.sort_column = -1;
  CHECK(query_rows(t, q) == std::vector<std::size_t>{0, 1, 2, 3, 4});
}

TEST_CASE("samples: filters by true and predicted class (a confusion pair)") {
  sample_table t = make_table();
  table_query q = default_query(t);
  q.truth = "cat";
  CHECK(query_rows(t, q) == std::vector<std::size_t>{0, 2, 3});
  q.predicted = "dog";
  CHECK(query_rows(t, q) == std::vector<std::size_t>{0, 3});
  q.truth = "fish";
  CHECK(query_rows(t, q).empty());
  CHECK(distinct_text(t, 1) == std::vector<std::string>{"bird", "cat", "dog"});
  CHECK(cell_text(m::cell{17.0}) == "17");
  CHECK(cell_text(m::cell{2.3125}) == "2.312");
  CHECK(cell_text(m::cell{}) == "");
  std::string why;
  CHECK_FALSE(parse_table("{\"version\": 1, \"columns\": 3}", &why));
  CHECK_FALSE(why.empty());
}

TEST_CASE("samples: a table of 10,000 rows sorts and filters") {
  m::table t({{"true", m::column_type::text}, {"loss", m::column_type::number}});
  for (int i = 0; i < 10000; ++i)
    t.add_row({std::string(i % 3 ? "a" : "b"), double((i * 7919) % 10007)});
  auto s = parse_table(t.to_json().dump());
  REQUIRE(s);
  auto q = default_query(*s);
  auto rows = query_rows(*s, q);
  REQUIRE(rows.size() == 10000);
  for (std::size_t i = 1; i < rows.size(); ++i)
    CHECK(std::get<double>(s->rows[rows[i - 1]][1]) >= std::get<double>(s->rows[rows[i]][1]));
  q.truth = "b";
  CHECK(query_rows(*s, q).size() == 3334);
}

TEST_CASE("image cache: decodes off the thread, reports missing files and foreign paths") {
  tracker_test::temp_dir dir;
  store_with_media(dir, {{"a.png", png(28, 28, 200)}, {"big.png", png(1000, 600, 50)}, {"text.png", {'n', 'o'}}});
  image_cache c(dir.store(), 8, 256);
  CHECK_FALSE(c.get("media/r/a.png"));  // queued: the frame draws a placeholder
  c.get("media/r/big.png");
  c.get("media/r/gone.png");
  c.get("../etc/passwd");
  c.get("media/../tracker.db");
  c.get("media/r/text.png");
  wait_idle(c);
  auto a = c.get("media/r/a.png");
  REQUIRE(a);
  CHECK(a->error.empty());
  CHECK(a->w == 28);
  CHECK(a->rgba.size() == 28u * 28u * 4u);
  CHECK(int(a->rgba[0]) == 200);
  CHECK(int(a->rgba[3]) == 255);
  auto big = c.get("media/r/big.png");
  REQUIRE(big);
  CHECK(big->w <= 256);
  CHECK(big->h <= 256);
  CHECK(c.get("media/r/gone.png")->error == "missing file");
  CHECK(c.get("../etc/passwd")->error.find("not a media path") == 0);
  CHECK(c.get("media/../tracker.db")->error.find("not a media path") == 0);
  CHECK(c.get("media/r/text.png")->error.find("not an image") == 0);
}

TEST_CASE("image cache: without a store every image says why, and a store created later is read") {
  tracker_test::temp_dir dir;
  image_cache c(dir.store(), 8, 64);
  c.get("media/r/a.png");
  wait_idle(c);
  auto none = c.get("media/r/a.png");
  REQUIRE(none);
  CHECK(none->error.find("no tracker store") != std::string::npos);
  store_with_media(dir, {{"b.png", png(4, 4, 9)}});
  c.get("media/r/b.png");
  wait_idle(c);
  REQUIRE(c.get("media/r/b.png"));
  CHECK(c.get("media/r/b.png")->error.empty());
}

TEST_CASE("image cache: beyond its capacity the least recently used images are evicted") {
  tracker_test::temp_dir dir;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;
  for (int i = 0; i < 6; ++i) files.emplace_back(std::to_string(i) + ".png", png(4, 4, 10));
  store_with_media(dir, files);
  image_cache c(dir.store(), 3, 64);
  auto path = [](int i) { return "media/r/" + std::to_string(i) + ".png"; };
  for (int i = 0; i < 3; ++i) {  // one at a time: 0 is the least recently used, then 1
    c.get(path(i));
    wait_idle(c);
  }
  CHECK(c.size() == 3);
  REQUIRE(c.get(path(0)));  // touch 0: now 1 is the least recently used
  c.get(path(3));
  wait_idle(c);
  CHECK(c.size() == 3);
  CHECK(c.evicted() == 1);
  CHECK(c.get(path(0)));
  CHECK(c.get(path(3)));
  CHECK_FALSE(c.get(path(1)));  // evicted: asked again, it decodes again
  wait_idle(c);
  CHECK(c.get(path(1)));
  CHECK(c.decoded() == 5);
}
