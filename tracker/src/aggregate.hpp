// aggregate.hpp — the arithmetic the writer maintains next to raw points, independent of any
// database: per-series summaries and the down-sampling pyramid.
//
// The pyramid: level L (1..levels) groups steps into buckets of width 8^(L+1) (64, 512, 4096,
// 32768, 262144 steps); bucket index = floor(step / width). Each bucket keeps count, min and max
// of its finite values, the value at its highest step, and the earliest and latest wall time. A chart of any zoom reads at most a
// few thousand bucket rows instead of millions of points, and min/max keep every spike visible.
// Why start at 64, not 16: the bucket rows are stored beside the points, and width 16 added
// 6.7% more rows (~8% of throughput); width 64 adds 1.8%, and ranges under 4·W·64 steps are
// read raw anyway (docs/performance.md).
#pragma once

#include "store/backend.hpp"

#include <cstdint>

namespace tracker::detail {

constexpr int pyramid_levels = 5;

// The writer stores a series' new pyramid buckets once this many points went into them (and
// when the run closes), not with every commit: at a training rate the pyramid was about half
// of the pages a commit wrote (docs/performance.md, "CPU at a training rate").
constexpr std::int64_t pyramid_write_points = 512;

constexpr std::int64_t bucket_width(int level) noexcept { return std::int64_t{1} << (3 * (level + 1)); }

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

constexpr std::int64_t bucket_index(std::int64_t step, int level) noexcept {
  return floor_div(step, bucket_width(level));
}

// Adds one point. Non-finite values count but do not move min/max; "last" is the value at the
// highest step, and among equal steps the one added later.
void add_point(metric_summary& s, std::int64_t step, double time, double value) noexcept;
void add_point(store::bucket_row& b, std::int64_t step, double time, double value) noexcept;
// Merges b into into (used when re-bucketing for a read).
void merge(store::bucket_row& into, const store::bucket_row& b) noexcept;

}  // namespace tracker::detail
