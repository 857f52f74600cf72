// store_source.cpp — the adapter over tracker::reader (see the table in store_source.hpp).
#include "model/store_source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace tracker::ui {

namespace fs = std::filesystem;

std::string default_store_dir() {
  const char* env = std::getenv("TRACKER_DIR");
  return env && *env ? env : "./tracker-store";
}

store_source store_source::open(const std::string& store_dir) {
  std::error_code ec;
  if (!fs::exists(store_dir, ec))
    throw error(error_code::store_open_failed, "no tracker store at '" + store_dir +
                                                   "': the directory does not exist "
                                                   "(pass --store DIR or set $TRACKER_DIR)");
  if (!fs::is_directory(store_dir, ec))
    throw error(error_code::store_open_failed, "'" + store_dir + "' is not a directory");
  if (!fs::exists(fs::path(store_dir) / "tracker.db", ec))
    throw error(error_code::store_open_failed,
                "'" + store_dir +
                    "' is not a tracker store (no tracker.db): the store is empty; "
                    "log a run into it first");
  try {
    reader r = reader::open(store_dir);
    // Touch the schema now, so a damaged file fails here with a message, not mid-frame.
    r.runs();
    return store_source(std::move(r), store_dir);
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(error_code::store_corrupt,
                "cannot read the store in '" + store_dir + "': " + e.what());
  }
}

std::uint64_t store_source::data_version() { return reader_.data_version(); }

std::vector<run_info> store_source::runs() {
  ++stats_.queries;
  return reader_.runs();
}

std::map<std::string, std::vector<metric_summary>> store_source::summaries(
    const std::vector<std::string>& run_ids) {
  std::map<std::string, std::vector<metric_summary>> out;
  if (run_ids.empty()) return out;
  ++stats_.queries;
  auto all = reader_.summaries_of(run_ids);
  for (std::size_t i = 0; i < run_ids.size() && i < all.size(); ++i)
    out[run_ids[i]] = std::move(all[i]);
  return out;
}

point_batch store_source::points_after(const std::string& run_id, const std::string& key,
                                       std::int64_t cursor, std::size_t limit) {
  ++stats_.queries;
  point_batch b = reader_.points_after(run_id, key, cursor, limit);
  stats_.points_read += b.points.size();
  return b;
}

std::vector<point> store_source::points_after_step(const std::string& run_id,
                                                   const std::string& key,
                                                   std::int64_t after_step) {
  ++stats_.queries;
  if (after_step == std::numeric_limits<std::int64_t>::max()) return {};
  auto pts = reader_.points(run_id, key, after_step + 1);
  stats_.points_read += pts.size();
  return pts;
}

point_changes store_source::points_since(std::int64_t cursor, std::size_t limit) {
  ++stats_.queries;
  point_changes c = reader_.points_since(cursor, limit);
  for (const series_points& s : c.series) stats_.points_read += s.points.size();
  return c;
}

std::int64_t store_source::cursor_now() {
  ++stats_.queries;
  return reader_.cursor_now();
}

std::vector<object_info> store_source::object_index(const std::string& run_id,
                                                    const std::string& key,
                                                    const std::string& kind) {
  ++stats_.queries;
  return reader_.object_index(run_id, key, kind);
}

std::optional<object_record> store_source::object(const std::string& run_id, const std::string& key,
                                                  std::int64_t step) {
  ++stats_.queries;
  ++stats_.objects_read;
  return reader_.object(run_id, key, step);
}

std::optional<std::vector<std::uint8_t>> store_source::media(const std::string& key) {
  ++stats_.queries;
  return reader_.media(key);
}

std::vector<span_bucket> store_source::buckets(const std::string& run_id, const std::string& key,
                                               std::int64_t from, std::int64_t to,
                                               std::size_t max_buckets) {
  ++stats_.queries;
  auto bs = reader_.buckets(run_id, key, from, to, max_buckets);
  stats_.buckets_read += bs.size();
  std::vector<span_bucket> out;
  out.reserve(bs.size());
  const double nan = std::nan("");
  for (const bucket& b : bs)
    out.push_back(span_bucket{b.step_begin, b.step_end, b.last_step, b.count, b.min.value_or(nan),
                              b.max.value_or(nan), b.last, b.first_time, b.last_time});
  return out;
}

}  // namespace tracker::ui
