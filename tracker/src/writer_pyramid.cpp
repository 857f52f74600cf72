// writer_pyramid.cpp — the down-sampling pyramid (aggregate.hpp) as the writer keeps it: new
// buckets gather in memory and are stored in batches, every pyramid_write_points points of a
// series and when its run closes. The store's rule, which readers rely on (query.cpp,
// docs/store.md): at each level, every bucket below the level's highest stored index is exact;
// the steps from that bucket up are covered by finer levels and, below level 1, raw points.
#include "writer_core.hpp"

#include "aggregate.hpp"

#include <iterator>
#include <limits>

namespace tracker::detail {

namespace {

store::bucket_row& bucket_in(std::map<std::int64_t, store::bucket_row>& level_map, std::int64_t sid, int level,
                             std::int64_t index) {
  store::bucket_row& b = level_map[index];
  b.sid = sid;
  b.level = level;
  b.index = index;
  return b;
}

}  // namespace

// A series this process starts writing to (again): what the store holds below each level's top
// is exact; everything from the tops up is rebuilt, level 1 from the raw points above its top
// (fewer than pyramid_write_points plus one bucket's worth, as the writer stores them), each
// coarser level from the level below.
void writer_core::load_pyramid(series_cache& s) {
  pyramid_state& p = s.pyramid;
  p = pyramid_state{};
  for (int level = 1; level <= pyramid_levels; ++level) p.stored_top[level] = backend_->top_bucket(s.sid, level);
  constexpr std::int64_t lowest = std::numeric_limits<std::int64_t>::min();
  const std::int64_t from = p.stored_top[1] ? *p.stored_top[1] * bucket_width(1) : lowest;
  for (const point& pt : backend_->read_points(s.sid, from, std::numeric_limits<std::int64_t>::max())) {
    add_point(bucket_in(p.pending[1], s.sid, 1, bucket_index(pt.step, 1)), pt.step, pt.time, pt.value);
    ++p.unwritten_points;
  }
  for (int level = 2; level <= pyramid_levels; ++level) {
    auto fold = [&](const store::bucket_row& child) {
      merge(bucket_in(p.pending[level], s.sid, level, floor_div(child.index, 8)), child);
    };
    // The stored, exact children of this level's pending buckets: from the first child of
    // its top bucket up to (not including) the level below's own top.
    const std::optional<std::int64_t>& below_top = p.stored_top[level - 1];
    if (below_top) {
      const std::int64_t first_child = p.stored_top[level] ? *p.stored_top[level] * 8 : lowest;
      if (first_child < *below_top)
        for (const auto& child : backend_->read_buckets(s.sid, level - 1, first_child, *below_top - 1)) fold(child);
    }
    for (const auto& [index, child] : p.pending[level - 1]) fold(child);
  }
}

void writer_core::add_to_pyramid(series_cache& s, std::int64_t step, double time, double value) {
  pyramid_state& p = s.pyramid;
  for (int level = 1; level <= pyramid_levels; ++level) {
    const std::int64_t index = bucket_index(step, level);
    if (p.stored_top[level] && index < *p.stored_top[level]) {
      // A late point into a stored, exact bucket: updated in this transaction, so the rule
      // "below the top is exact" holds at every commit.
      auto [it, inserted] = buckets_.try_emplace(bucket_key{s.sid, index, level});
      if (inserted) {
        if (auto stored = backend_->find_bucket(s.sid, level, index)) it->second = *stored;
        it->second.sid = s.sid;
        it->second.level = level;
        it->second.index = index;
      }
      add_point(it->second, step, time, value);
      continue;
    }
    store::bucket_row* b = p.current[level];
    if (!b || b->index != index) b = p.current[level] = &bucket_in(p.pending[level], s.sid, level, index);
    add_point(*b, step, time, value);
  }
  ++p.unwritten_points;
}

// Moves a series' pending buckets into this transaction's writes. Each level keeps its top
// bucket pending (it may still grow); the ones below it are now stored for good.
void writer_core::take_pending_buckets(series_cache& s) {
  pyramid_state& p = s.pyramid;
  for (int level = 1; level <= pyramid_levels; ++level) {
    auto& pending = p.pending[level];
    if (pending.empty()) continue;
    for (const auto& [index, b] : pending) bucket_rows_.push_back(b);
    p.stored_top[level] = pending.rbegin()->first;
    pending.erase(pending.begin(), std::prev(pending.end()));
    p.current[level] = nullptr;
  }
  p.unwritten_points = 0;
}

// A closing run: every pending bucket of its series, in the closing transaction. The caches
// are dropped right after (close_run), so they are not updated here.
void writer_core::write_pyramid_of(const run_channel& run) {
  bucket_rows_.clear();
  for (const auto& s : run.by_key)
    if (s && s->pyramid.unwritten_points > 0)
      for (const auto& level_map : s->pyramid.pending)
        for (const auto& [index, b] : level_map) bucket_rows_.push_back(b);
  backend_->upsert_buckets(bucket_rows_);
}

}  // namespace tracker::detail
