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
    throw error(error_code::store_open_failed,
                "no tracker store at '" + store_dir + "': the directory does not exist "
                "(pass --store DIR or set $TRACKER_DIR)");
  if (!fs::is_directory(store_dir, ec))
    throw error(error_code::store_open_failed, "'" + store_dir + "' is not a directory");
  if (!fs::exists(fs::path(store_dir) / "tracker.db", ec))
    throw error(error_code::store_open_failed,
                "'" + store_dir + "' is not a tracker store (no tracker.db): the store is empty; "
                "log a run into it first");
  reader r = reader::open(store_dir);
  // Touch the schema now, so a damaged file fails here with a message, not mid-frame.
  r.runs();
  return store_source(std::move(r), store_dir);
}

std::uint64_t store_source::data_version() {
  // Fallback until reader::data_version() exists: every commit in WAL mode appends to
  // tracker.db-wal (size/mtime change) and a checkpoint rewrites tracker.db.
  auto mix = [](std::uint64_t h, std::uint64_t v) { return (h ^ v) * 1099511628211ull; };
  std::uint64_t h = 1469598103934665603ull;
  for (const char* name : {"tracker.db", "tracker.db-wal"}) {
    struct stat st {};
    std::string path = dir_ + "/" + name;
    if (::stat(path.c_str(), &st) == 0) {
      h = mix(h, static_cast<std::uint64_t>(st.st_size));
      h = mix(h, static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                     static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
    } else {
      h = mix(h, 0);
    }
  }
  return h;
}

std::vector<run_info> store_source::runs() {
  ++stats_.queries;
  return reader_.runs();
}

std::map<std::string, std::vector<metric_summary>> store_source::summaries(
    const std::vector<std::string>& run_ids) {
  std::map<std::string, std::vector<metric_summary>> out;
  for (const std::string& id : run_ids) {
    ++stats_.queries;
    try {
      out[id] = reader_.summaries(id);
    } catch (const error& e) {
      if (e.code() != error_code::run_not_found) throw;  // deleted meanwhile: skip it
    }
  }
  return out;
}

std::vector<point> store_source::points_after(const std::string& run_id, const std::string& key,
                                              std::int64_t after_step) {
  ++stats_.queries;
  if (after_step == std::numeric_limits<std::int64_t>::max()) return {};
  auto pts = reader_.points(run_id, key, after_step + 1);
  stats_.points_read += pts.size();
  return pts;
}

std::vector<span_bucket> store_source::raw(const std::string& run_id, const std::string& key,
                                           std::int64_t from, std::int64_t to) {
  ++stats_.queries;
  auto pts = reader_.points(run_id, key, from, to);
  stats_.points_read += pts.size();
  std::vector<span_bucket> out;
  out.reserve(pts.size());
  for (const point& p : pts) {
    const double nan = std::nan("");
    bool finite = std::isfinite(p.value);
    out.push_back(span_bucket{p.step, p.step, p.step, 1, finite ? p.value : nan,
                              finite ? p.value : nan, p.value, p.time, p.time});
  }
  return out;
}

std::vector<span_bucket> store_source::buckets(const std::string& run_id, const std::string& key,
                                               std::int64_t from, std::int64_t to,
                                               std::size_t max_buckets, std::int64_t step0,
                                               double t0, std::int64_t step1, double t1) {
  ++stats_.queries;
  auto bs = reader_.buckets(run_id, key, from, to, max_buckets);
  stats_.buckets_read += bs.size();
  // Interpolated times: exact at both ends, linear between (a run logs at a roughly steady
  // rate). Replaced by the bucket's own first/last time once the core reports them.
  auto time_at = [&](std::int64_t s) {
    if (step1 <= step0) return t1;
    double f = double(s - step0) / double(step1 - step0);
    return t0 + std::clamp(f, 0.0, 1.0) * (t1 - t0);
  };
  std::vector<span_bucket> out;
  out.reserve(bs.size());
  const double nan = std::nan("");
  for (const bucket& b : bs)
    out.push_back(span_bucket{b.step_begin, b.step_end, b.last_step, b.count, b.min.value_or(nan),
                              b.max.value_or(nan), b.last, time_at(b.step_begin),
                              time_at(b.last_step)});
  return out;
}

}  // namespace tracker::ui
