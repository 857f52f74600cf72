// point_blocks.hpp — the codec of the `points` table's blocks (schema 4): points of one series
// packed into one blob. SQLite-free; sqlite_backend_points.cpp stores and reads the blobs.
//
// A row of `points` holds up to block_points() consecutive points of one series, in logging
// order. Its blob:
//   u8      format (1)
//   varint  n (points), varint r (runs of consecutive seqs), then r × (varint gap, varint length):
//           the first gap is the first seq itself, later gaps count the seqs between two runs.
//           A commit numbers each series' new points consecutively, so a block has one run per
//           commit that added to it.
//   n ×     step  : zigzag varint of (step − previous step), the first against 0
//           time  : the float64 bits XOR the previous point's (0 for the first): one byte 0 if
//           value : equal, else a byte (trailing zero bytes << 4 | length) and `length` bytes.
// NaN keeps its exact bits. The row's columns repeat what reads filter on: n, first_seq, the last
// seq (its rowid), min/max step and `ordered` (steps non-decreasing inside, and no step below
// the max step of any earlier block of the series: such blocks are sorted by max_step in seq
// order, which lets a range read stop early).
#pragma once

#include <tracker/types.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tracker::store {

// Points per block (512; see point_blocks.cpp).
std::size_t block_points();

// Throws store_corrupt: a blob that does not decode was changed outside tracker.
[[noreturn]] void corrupt_block(const char* what);

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
inline std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
inline std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

inline void put_xor(std::string& out, std::uint64_t x) {
  if (x == 0) {
    out.push_back(0);
    return;
  }
  int tz = __builtin_ctzll(x) / 8, lz = __builtin_clzll(x) / 8, len = 8 - tz - lz;
  out.push_back(static_cast<char>((tz << 4) | len));
  x >>= 8 * tz;
  for (int i = 0; i < len; ++i, x >>= 8) out.push_back(static_cast<char>(x & 0xff));
}

struct block_reader {
  const std::uint8_t* p;
  const std::uint8_t* end;
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) corrupt_block("truncated");
      std::uint8_t b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    corrupt_block("bad varint");
  }
  std::uint64_t xor_bits() {
    if (p == end) corrupt_block("truncated");
    std::uint8_t h = *p++;
    if (h == 0) return 0;
    int tz = h >> 4, len = h & 15;
    if (len == 0 || tz + len > 8 || end - p < len) corrupt_block("bad float");
    std::uint64_t x = 0;
    for (int i = 0; i < len; ++i) x |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    p += len;
    return x << (8 * tz);
  }
};

// The points of one block being built (or reopened: the head of a series).
struct block_builder {
  std::string body;
  std::vector<std::pair<std::int64_t, std::int64_t>> runs;  // (first seq, length)
  std::int64_t n = 0, min_step = 0, max_step = 0;
  bool ordered = true;
  std::int64_t prev_step = 0;
  std::uint64_t prev_time = 0, prev_value = 0;

  // `floor`: the highest step of the series' earlier blocks (INT64_MIN for none).
  void add(std::int64_t seq, std::int64_t step, double time, double value, std::int64_t floor) {
    if (n == 0) {
      min_step = max_step = step;
      ordered = step >= floor;
    } else {
      if (step < max_step) ordered = false;
      min_step = std::min(min_step, step);
      max_step = std::max(max_step, step);
    }
    if (!runs.empty() && runs.back().first + runs.back().second == seq)
      ++runs.back().second;
    else
      runs.emplace_back(seq, 1);
    put_varint(body, zigzag(static_cast<std::int64_t>(static_cast<std::uint64_t>(step) - static_cast<std::uint64_t>(prev_step))));
    std::uint64_t t = std::bit_cast<std::uint64_t>(time), v = std::bit_cast<std::uint64_t>(value);
    put_xor(body, t ^ prev_time);
    put_xor(body, v ^ prev_value);
    prev_step = step;
    prev_time = t;
    prev_value = v;
    ++n;
  }
  std::int64_t first_seq() const { return runs.front().first; }
  std::int64_t last_seq() const { return runs.back().first + runs.back().second - 1; }
  // The row's blob (format above) into out.
  void blob(std::string& out) const;
  void clear() {
    body.clear();
    runs.clear();
    n = 0;
    ordered = true;
    prev_step = 0;
    prev_time = prev_value = 0;
  }
};

// Calls f(seq, step, time, value) for every point of a block blob, in logging order.
template <class F>
void decode_block(const void* data, int bytes, F&& f) {
  if (!data || bytes < 1) corrupt_block("empty");
  block_reader r{static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + bytes};
  if (*r.p++ != 1) corrupt_block("unknown format");
  const std::uint64_t n = r.varint(), nruns = r.varint();
  if (nruns > n || n > (1u << 24)) corrupt_block("bad header");
  // Runs are read as the points go: (gap, length) pairs sit before the points.
  const std::uint8_t* runs_at = r.p;
  for (std::uint64_t i = 0; i < 2 * nruns; ++i) r.varint();
  block_reader runs{runs_at, r.p};
  std::int64_t seq = 0, left = 0, step = 0;
  std::uint64_t t = 0, v = 0, total = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (left == 0) {
      if (runs.p == runs.end) corrupt_block("runs end early");
      seq += static_cast<std::int64_t>(runs.varint());
      left = static_cast<std::int64_t>(runs.varint());
      total += static_cast<std::uint64_t>(left);
      if (left <= 0 || total > n) corrupt_block("bad run");
    }
    step = static_cast<std::int64_t>(static_cast<std::uint64_t>(step) + static_cast<std::uint64_t>(unzigzag(r.varint())));
    t ^= r.xor_bits();
    v ^= r.xor_bits();
    f(seq, step, std::bit_cast<double>(t), std::bit_cast<double>(v));
    ++seq;
    --left;
  }
  if (r.p != r.end || left != 0 || runs.p != runs.end) corrupt_block("length mismatch");
}

}  // namespace tracker::store
