// The point block codec (store/point_blocks.hpp) on its own, without SQLite: exact round trips
// (NaN payloads, infinities, -0, negative and huge step jumps, seq runs with gaps), the columns a
// block carries (n, first/last seq, min/max step, ordered), the documented sizes, and damage.
#include <catch2/catch.hpp>

#include "store/point_blocks.hpp"

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using tracker::store::block_builder;
using tracker::store::decode_block;

namespace {

struct pt {
  std::int64_t seq, step;
  double time, value;
};

bool same_bits(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

std::vector<pt> decode(const std::string& blob) {
  std::vector<pt> out;
  decode_block(blob.data(), static_cast<int>(blob.size()),
               [&](std::int64_t seq, std::int64_t step, double time, double value) {
                 out.push_back({seq, step, time, value});
               });
  return out;
}

std::string blob_of(const block_builder& b) {
  std::string s;
  b.blob(s);
  return s;
}

bool damaged(const std::string& blob) {
  try {
    decode(blob);
  } catch (const tracker::error& e) {
    return e.code() == tracker::error_code::store_corrupt &&
           std::string(e.what()).find("points block is damaged") != std::string::npos;
  }
  return false;
}

}  // namespace

TEST_CASE("point block codec: every point reads back bit for bit, in logging order, with its seq",
          "[store][blocks]") {
  const double nan_payload = std::bit_cast<double>(std::uint64_t{0x7ff8000000000123});
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<pt> in = {
      {10, 0, 1.7e9, 0.5},
      {11, 1, 1.7e9, 0.5},  // same time and value: one byte each
      {12, -5, 1.7e9 + 0.001, -0.0},
      {20, std::numeric_limits<std::int64_t>::max(), 1.7e9 + 1,
       nan_payload},  // a gap in seqs: a second run
      {21, std::numeric_limits<std::int64_t>::min(), 0.0, inf},
      {22, 3, -1.0, -inf},
      {40, 3, 1e-300, std::numeric_limits<double>::denorm_min()},
  };
  block_builder b;
  for (const pt& p : in)
    b.add(p.seq, p.step, p.time, p.value, std::numeric_limits<std::int64_t>::min());
  CHECK(b.n == 7);
  CHECK(b.first_seq() == 10);
  CHECK(b.last_seq() == 40);
  CHECK(b.runs.size() == 3);
  CHECK(b.min_step == std::numeric_limits<std::int64_t>::min());
  CHECK(b.max_step == std::numeric_limits<std::int64_t>::max());
  CHECK_FALSE(b.ordered);
  const auto out = decode(blob_of(b));
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    INFO("point " << i);
    CHECK(out[i].seq == in[i].seq);
    CHECK(out[i].step == in[i].step);
    CHECK(same_bits(out[i].time, in[i].time));
    CHECK(same_bits(out[i].value, in[i].value));
  }
}

TEST_CASE(
    "point block codec: 'ordered' means no step below an earlier one, in the block or before it",
    "[store][blocks]") {
  block_builder b;
  for (std::int64_t s = 100; s < 110; ++s) b.add(s, s, 0, 0, 50);
  CHECK(b.ordered);
  CHECK(b.min_step == 100);
  CHECK(b.max_step == 109);
  b.add(110, 109, 0, 0, 50);  // a repeated step keeps the order
  CHECK(b.ordered);
  b.add(111, 7, 0, 0, 50);  // a late point
  CHECK_FALSE(b.ordered);
  CHECK(b.min_step == 7);

  block_builder below;
  below.add(1, 40, 0, 0, 50);  // below the max step (50) of the series' earlier blocks
  CHECK_FALSE(below.ordered);

  b.clear();
  CHECK(b.n == 0);
  CHECK(b.runs.empty());
  b.add(5, 1, 2.0, 3.0, std::numeric_limits<std::int64_t>::min());
  CHECK(b.ordered);
  const auto out = decode(blob_of(b));
  REQUIRE(out.size() == 1);
  CHECK(out[0].seq == 5);
  CHECK(out[0].value == 3.0);
}

TEST_CASE(
    "point block codec: steps 0, 1, 2, ... with a repeated time and value cost 3 bytes a point",
    "[store][blocks]") {
  block_builder b;
  for (std::int64_t s = 0; s < 1000; ++s)
    b.add(s + 1, s, 1.7e9, 0.25, std::numeric_limits<std::int64_t>::min());
  const std::string blob = blob_of(b);
  // Header: format, n (2 bytes), one run (first seq 1, length 1000: 1 + 2 bytes); the first
  // point's time and value are full (1 + 8 bytes at most each), the rest 3 bytes each.
  CHECK(blob.size() <= 1 + 2 + 1 + 3 + (1 + 9 + 9) + 999 * 3);
  CHECK(blob.size() >= 999 * 3);
  CHECK(decode(blob).size() == 1000);
}

TEST_CASE("point block codec: a damaged blob is store_corrupt, never a wrong point or a crash",
          "[store][blocks]") {
  block_builder b;
  for (std::int64_t s = 0; s < 50; ++s)
    b.add(s + 1, s * 3, 1.7e9 + s, std::sin(double(s)), std::numeric_limits<std::int64_t>::min());
  const std::string good = blob_of(b);
  REQUIRE(decode(good).size() == 50);

  CHECK(damaged(""));
  CHECK(damaged(std::string(1, '\x02') + good.substr(1)));  // unknown format
  CHECK(damaged(good + "x"));                               // trailing bytes
  for (std::size_t cut : {std::size_t{1}, std::size_t{2}, good.size() / 2, good.size() - 1}) {
    INFO("truncated to " << cut << " of " << good.size());
    CHECK(damaged(good.substr(0, cut)));
  }
  std::string huge = good;
  huge[1] = '\xff';  // n becomes a varint that does not end / is absurd
  CHECK(damaged(huge));
  // Every single-byte change either decodes to 50 points or is reported: never a crash.
  for (std::size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    std::size_t n = 0;
    try {
      n = decode(bad).size();
    } catch (const tracker::error& e) {
      CHECK(e.code() == tracker::error_code::store_corrupt);
      continue;
    }
    CHECK(n == 50);
  }
}
