// query.cpp — the read-only query API (tracker::reader), conditions, and maintenance calls.
//
// Reads never go through the writer: a reader opens its own read-only connection, so the CLI
// and the viewer can read while training processes commit.
#include <tracker/query.hpp>

#include "aggregate.hpp"
#include "gc.hpp"
#include "run_ref.hpp"
#include "store/backend.hpp"
#include "system_info.hpp"
#include "validate.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <set>
#include <unordered_map>
#include <sstream>

namespace tracker {
namespace {

// How stale a heartbeat may be before a "running" run reads as crashed: three missed beats,
// plus slack for a writer that is busy committing a large batch.
bool heartbeat_stale(const store::run_record& r, double now) {
  return now - r.heartbeat_at > 3 * r.heartbeat_interval + 5.0;
}

// A stored "running" is only believed while the process that writes it can still be alive.
void resolve_effective_status(store::run_record& r, const std::string& this_host, double now) {
  r.status = r.stored_status;
  if (r.stored_status != run_status::running) return;
  if (r.host == this_host && r.pid > 0 && !detail::process_alive(r.pid, r.pid_start)) {
    r.status = run_status::crashed;
    r.status_reason = "process " + std::to_string(r.pid) + " ended without finishing the run";
  } else if (heartbeat_stale(r, now)) {
    r.status = run_status::crashed;
    r.status_reason = "no heartbeat for " + std::to_string(static_cast<long long>(now - r.heartbeat_at)) + " s";
  }
}

// A finite decimal number, all of s: "0.85", "-1e-3". Not "nan", "inf", "0x10" or " 5",
// which std::stod would take (a gate on "nan" can never pass and would read as a failure).
std::optional<double> parse_number(const std::string& s) {
  double v = 0;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, v, std::chars_format::general);
  if (s.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

// One comparison for numbers and for text (config values that are not numbers).
template <class T>
bool compare(const T& a, const std::string& op, const T& b) {
  if (op == "=" || op == "==") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  return false;
}

std::string config_json(store::backend& b, std::int64_t rid) {
  nlohmann::json j = nlohmann::json::object();
  for (auto& [k, v] : b.config(rid)) {
    auto parsed = nlohmann::json::parse(v, nullptr, false);
    j[k] = parsed.is_discarded() ? nlohmann::json(v) : parsed;
  }
  return j.dump();
}

}  // namespace

// ---- conditions ------------------------------------------------------------------------------

// A metric condition against a summary (empty: the run has no such metric).
condition_result evaluate_metric(const condition& c, const std::optional<metric_summary>& s);

condition parse_condition(const std::string& text) {
  static const char* ops[] = {">=", "<=", "!=", "==", "=", "<", ">"};
  std::size_t at = std::string::npos;
  std::string op;
  for (std::size_t i = 0; i < text.size() && at == std::string::npos; ++i)
    for (const char* candidate : ops)
      if (text.compare(i, std::strlen(candidate), candidate) == 0) {
        at = i;
        op = candidate;
        break;
      }
  if (at == std::string::npos || at == 0)
    throw error(error_code::invalid_argument,
                "cannot parse condition \"" + text + "\": expected KEY OP VALUE, e.g. 'val/acc>=0.85'");
  condition c;
  std::string lhs = text.substr(0, at);
  c.op = op == "==" ? "=" : op;
  c.value = text.substr(at + op.size());
  auto trim = [](std::string s) {
    s.erase(0, s.find_first_not_of(" \t"));
    s.erase(s.find_last_not_of(" \t") + 1);
    return s;
  };
  lhs = trim(lhs);
  c.value = trim(c.value);
  if (c.value.empty()) throw error(error_code::invalid_argument, "condition \"" + text + "\" has no value after " + op);
  if (lhs.rfind("config.", 0) == 0) {
    c.on = condition::subject::config;
    c.key = lhs.substr(7);
    c.field.clear();
  } else {
    c.on = condition::subject::metric;
    c.key = lhs;
    for (const char* field : {"last", "min", "max", "best", "count"}) {
      std::string suffix = std::string(".") + field;
      if (lhs == suffix)
        throw error(error_code::invalid_argument,
                    "condition \"" + text + "\" has no metric key before " + suffix + ", e.g. 'train/loss" + suffix + "<0.3'");
      if (lhs.size() > suffix.size() && lhs.compare(lhs.size() - suffix.size(), suffix.size(), suffix) == 0) {
        c.key = lhs.substr(0, lhs.size() - suffix.size());
        c.field = field;
        break;
      }
    }
    if (!parse_number(c.value))
      throw error(error_code::invalid_argument, "condition \"" + text + "\": \"" + c.value +
                                                    "\" is not a finite decimal number");
    if (auto problem = detail::key_problem(c.key)) throw error(error_code::invalid_argument, "condition \"" + text + "\": " + *problem);
  }
  if (c.key.empty()) throw error(error_code::invalid_argument, "condition \"" + text + "\" has no key");
  return c;
}

// ---- reader ----------------------------------------------------------------------------------

reader reader::open(const std::string& store_dir) {
  return reader(store::open(store_dir, store::access::read_only), store_dir);
}

reader::reader(std::unique_ptr<store::backend> backend, std::string dir)
    : backend_(std::move(backend)), dir_(std::move(dir)) {}
reader::reader(reader&&) noexcept = default;
reader& reader::operator=(reader&&) noexcept = default;
reader::~reader() = default;

const std::string& reader::store_dir() const { return dir_; }

std::vector<run_info> reader::runs(const run_filter& filter) const {
  std::string host = detail::host_name();
  double now = detail::now_seconds();
  // A fixed number of queries however many runs there are: runs, then tags, config and the
  // summaries the conditions need, each for all candidates at once.
  std::vector<store::run_record> candidates;
  for (auto& r : backend_->list_runs(filter.include_deleted, filter.project.value_or(""))) {
    resolve_effective_status(r, host, now);
    if (filter.status && r.status != *filter.status) continue;
    candidates.push_back(std::move(r));
  }
  std::vector<std::int64_t> rids;
  std::unordered_map<std::int64_t, store::run_record*> by_rid;
  for (auto& r : candidates) {
    rids.push_back(r.rid);
    by_rid[r.rid] = &r;
  }
  for (auto& [rid, tag] : backend_->tags_of(rids)) by_rid[rid]->tags.push_back(std::move(tag));
  std::unordered_map<std::int64_t, nlohmann::json> configs;
  for (auto& [rid, key, value] : backend_->config_of(rids)) {
    auto parsed = nlohmann::json::parse(value, nullptr, false);
    configs[rid][key] = parsed.is_discarded() ? nlohmann::json(value) : parsed;
  }
  std::vector<std::string> metric_keys;
  for (const auto& c : filter.where)
    if (c.on == condition::subject::metric) metric_keys.push_back(c.key);
  std::map<std::pair<std::int64_t, std::string>, metric_summary> summaries;
  if (!metric_keys.empty())
    for (auto& s : backend_->list_series_of(rids, metric_keys))
      if (s.summary.count > 0) summaries.emplace(std::pair(s.rid, s.summary.key), s.summary);

  std::vector<run_info> out;
  for (auto& r : candidates) {
    bool tags_ok = std::all_of(filter.tags.begin(), filter.tags.end(), [&](const std::string& t) {
      return std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end();
    });
    if (!tags_ok) continue;
    auto cfg = configs.find(r.rid);
    r.config_json = cfg == configs.end() ? "{}" : cfg->second.dump();
    bool where_ok = std::all_of(filter.where.begin(), filter.where.end(), [&](const condition& c) {
      if (c.on == condition::subject::config) return evaluate(r, c).passed;
      auto it = summaries.find({r.rid, c.key});
      return evaluate_metric(c, it == summaries.end() ? std::nullopt : std::optional(it->second)).passed;
    });
    if (where_ok) out.push_back(static_cast<run_info&>(r));
  }
  return out;
}

run_info reader::run(const std::string& ref) const {
  store::run_record r = detail::resolve_run(*backend_, ref, dir_);
  resolve_effective_status(r, detail::host_name(), detail::now_seconds());
  r.tags = backend_->tags(r.rid);
  r.config_json = config_json(*backend_, r.rid);
  return static_cast<run_info&>(r);
}

namespace {
std::int64_t require_rid(store::backend& b, const std::string& run_id, const std::string& dir) {
  auto r = b.find_run(run_id);
  if (!r) throw error(error_code::run_not_found, "no run with id \"" + run_id + "\" in " + dir);
  return r->rid;
}
}  // namespace

std::vector<metric_summary> reader::summaries(const std::string& run_id) const {
  std::vector<metric_summary> out;
  for (auto& s : backend_->list_series(require_rid(*backend_, run_id, dir_)))
    if (s.summary.count > 0) out.push_back(s.summary);
  return out;
}

std::optional<metric_summary> reader::summary(const std::string& run_id, const std::string& key) const {
  auto s = backend_->find_series(require_rid(*backend_, run_id, dir_), key);
  if (!s || s->summary.count == 0) return std::nullopt;
  return s->summary;
}

std::vector<point> reader::points(const std::string& run_id, const std::string& key, std::int64_t from,
                                  std::int64_t to) const {
  auto s = backend_->find_series(require_rid(*backend_, run_id, dir_), key);
  if (!s) return {};
  return backend_->read_points(s->sid, from, to);
}

namespace {

// A pyramid row (or one raw point) with the exact step range it covers.
struct covered_row {
  store::bucket_row row;
  std::int64_t begin;
  std::int64_t end;
};

// Appends rows covering exactly the steps [from, to] of series sid: whole buckets of the given
// level, and the partial buckets at both edges from the next finer level, down to raw points.
// So min/max never include a point outside the range, at a cost of at most 7 extra rows per
// level and edge (plus up to 63 raw points per edge). Only buckets below the level's stored top
// are read whole: from the top up the writer has not stored them yet, or stored them while
// still open (writer_pyramid.cpp), so finer levels and raw points cover those steps.
using level_tops = std::optional<std::int64_t>[detail::pyramid_levels + 1];

void cover_exactly(store::backend& b, std::int64_t sid, std::int64_t from, std::int64_t to, int level,
                   const level_tops& tops, std::vector<covered_row>& out) {
  if (from > to) return;
  if (level == 0) {
    for (const point& p : b.read_points(sid, from, to)) {
      store::bucket_row r;
      detail::add_point(r, p.step, p.time, p.value);
      out.push_back({r, p.step, p.step});
    }
    return;
  }
  using wide = __int128;
  const wide w = detail::bucket_width(level);
  const std::int64_t first = detail::bucket_index(from, level), last = detail::bucket_index(to, level);
  const std::int64_t full_lo = wide{first} * w == from ? first : first + 1;
  std::int64_t full_hi = wide{last} * w + w - 1 == to ? last : last - 1;
  if (!tops[level]) full_hi = full_lo - 1;
  else full_hi = std::min(full_hi, *tops[level] - 1);
  if (full_lo > full_hi) {  // no whole bucket inside: the finer level covers it all
    cover_exactly(b, sid, from, to, level - 1, tops, out);
    return;
  }
  if (wide{from} < wide{full_lo} * w)
    cover_exactly(b, sid, from, static_cast<std::int64_t>(wide{full_lo} * w - 1), level - 1, tops, out);
  for (auto& r : b.read_buckets(sid, level, full_lo, full_hi))
    out.push_back({r, static_cast<std::int64_t>(wide{r.index} * w), static_cast<std::int64_t>(wide{r.index} * w + w - 1)});
  if (wide{to} > wide{full_hi} * w + w - 1)
    cover_exactly(b, sid, static_cast<std::int64_t>(wide{full_hi} * w + w), to, level - 1, tops, out);
}

}  // namespace

std::vector<bucket> reader::buckets(const std::string& run_id, const std::string& key, std::int64_t from,
                                    std::int64_t to, std::size_t max_buckets) const {
  auto s = backend_->find_series(require_rid(*backend_, run_id, dir_), key);
  if (!s || s->summary.count == 0 || max_buckets == 0 || to < from) return {};
  // Clamp to the steps that exist, so an open range costs nothing extra.
  from = std::max(from, s->summary.first_step);
  to = std::min(to, s->summary.last_step);
  if (to < from) return {};
  const __int128 span = static_cast<__int128>(to) - from + 1;
  const __int128 budget = static_cast<__int128>(max_buckets) * 4;  // rows we accept to read

  // The finest resolution whose row count stays within budget: raw points, then levels.
  int level = 0;
  if (std::min<__int128>(span, s->summary.count) > budget) {
    level = 1;
    while (level < detail::pyramid_levels && span / detail::bucket_width(level) > budget) ++level;
  }
  std::vector<covered_row> rows;
  level_tops tops;
  for (int l = 1; l <= level; ++l) tops[l] = backend_->top_bucket(s->sid, l);
  cover_exactly(*backend_, s->sid, from, to, level, tops, rows);

  std::vector<bucket> out;
  auto emit = [&](const store::bucket_row& r, std::int64_t begin, std::int64_t end) {
    if (r.count == 0) return;
    out.push_back(bucket{std::max(begin, from), std::min(end, to), r.count, r.min, r.max, r.last,
                         r.last_step, r.first_time, r.last_time});
  };
  if (rows.size() <= max_buckets) {
    for (auto& r : rows) emit(r.row, r.begin, r.end);
    return out;
  }
  // Too many rows: merge them into at most max_buckets groups of equal step width over
  // [from, to]. A group reports the step range of the rows it merged.
  store::bucket_row acc;
  std::int64_t acc_slot = -1, acc_begin = 0, acc_end = 0;
  for (auto& r : rows) {
    std::int64_t b = std::max(r.begin, from);
    auto slot = static_cast<std::int64_t>((static_cast<__int128>(b) - from) * max_buckets / span);
    if (slot != acc_slot) {
      if (acc_slot >= 0) emit(acc, acc_begin, acc_end);
      acc = store::bucket_row{};
      acc_slot = slot;
      acc_begin = b;
    }
    acc_end = std::min(r.end, to);
    detail::merge(acc, r.row);
  }
  if (acc_slot >= 0) emit(acc, acc_begin, acc_end);
  return out;
}

std::vector<object_record> reader::objects(const std::string& run_id, const std::string& key,
                                           const std::string& kind) const {
  return backend_->read_objects(require_rid(*backend_, run_id, dir_), key, kind);
}

std::optional<object_record> reader::object(const std::string& run_id, const std::string& key,
                                            std::optional<std::int64_t> step) const {
  return backend_->find_object(require_rid(*backend_, run_id, dir_), key, step);
}

std::optional<std::vector<std::uint8_t>> reader::media(const std::string& key) const {
  return backend_->media().find(key);
}

std::vector<object_info> reader::object_index(const std::string& run_id, const std::string& key,
                                              const std::string& kind) const {
  return backend_->list_objects(require_rid(*backend_, run_id, dir_), key, kind);
}

std::vector<std::vector<metric_summary>> reader::summaries_of(const std::vector<std::string>& run_ids,
                                                              const std::vector<std::string>& keys) const {
  std::vector<std::int64_t> rids;
  std::unordered_map<std::int64_t, std::vector<std::size_t>> slots;  // rid -> positions in run_ids
  for (std::size_t i = 0; i < run_ids.size(); ++i)
    if (auto r = backend_->find_run(run_ids[i])) {
      if (slots[r->rid].empty()) rids.push_back(r->rid);
      slots[r->rid].push_back(i);
    }
  std::vector<std::vector<metric_summary>> out(run_ids.size());
  for (auto& s : backend_->list_series_of(rids, keys))
    if (s.summary.count > 0)
      for (std::size_t i : slots[s.rid]) out[i].push_back(s.summary);
  return out;
}

point_batch reader::points_after(const std::string& run_id, const std::string& key, std::int64_t cursor,
                                 std::size_t limit) const {
  point_batch out;
  out.cursor = cursor;
  auto s = backend_->find_series(require_rid(*backend_, run_id, dir_), key);
  if (!s || limit == 0) return out;
  auto rows = backend_->read_points_after(s->sid, cursor, limit);
  out.more = rows.size() == limit;
  out.points.reserve(rows.size());
  for (auto& r : rows) out.points.push_back(r.value);
  if (!rows.empty()) out.cursor = rows.back().seq;
  return out;
}

point_changes reader::points_since(std::int64_t cursor, std::size_t limit) const {
  point_changes out;
  out.cursor = cursor;
  if (limit == 0) return out;
  auto rows = backend_->read_points_since(cursor, limit);
  out.more = rows.size() == limit;
  if (rows.empty()) return out;
  out.cursor = rows.back().seq;
  std::unordered_map<std::int64_t, std::size_t> slot;  // sid -> index in out.series
  std::vector<std::int64_t> sids;
  for (auto& r : rows)
    if (slot.emplace(r.sid, sids.size()).second) sids.push_back(r.sid);
  out.series.resize(sids.size());
  for (auto& n : backend_->series_names(sids)) {
    auto& s = out.series[slot[n.sid]];
    s.run_id = std::move(n.run_id);
    s.key = std::move(n.key);
  }
  for (auto& r : rows) out.series[slot[r.sid]].points.push_back(r.value);
  // A series deleted (gc) between the two queries has no name: drop it.
  std::erase_if(out.series, [](const series_points& s) { return s.run_id.empty(); });
  return out;
}

std::int64_t reader::cursor_now() const { return backend_->newest_point_seq(); }

std::uint64_t reader::data_version() const { return backend_->data_version(); }

reader::snapshot reader::begin_snapshot() const {
  backend_->begin_read();
  return snapshot(backend_.get());
}

reader::snapshot::~snapshot() {
  if (backend_) backend_->end_read();
}

condition_result reader::evaluate(const run_info& run, const condition& c) const {
  condition_result res;
  if (c.on == condition::subject::config) {
    auto config = nlohmann::json::parse(run.config_json, nullptr, false);
    if (config.is_discarded() || !config.contains(c.key)) {
      res.actual_text = "missing";
      return res;
    }
    const auto& v = config[c.key];
    res.actual_text = v.is_string() ? v.get<std::string>() : v.dump();
    auto rhs = parse_number(c.value);
    if (v.is_number() && rhs) {
      res.actual = v.get<double>();
      res.passed = compare(*res.actual, c.op, *rhs);
    } else {
      res.passed = compare(res.actual_text, c.op, c.value);
    }
    return res;
  }
  return evaluate_metric(c, summary(run.id, c.key));
}

condition_result evaluate_metric(const condition& c, const std::optional<metric_summary>& s) {
  condition_result res;
  if (!s) {
    res.actual_text = "missing";
    return res;
  }
  std::optional<double> v;
  if (c.field == "last" || c.field.empty()) v = s->last;
  else if (c.field == "min") v = s->min;
  else if (c.field == "max") v = s->max;
  else if (c.field == "best") v = s->best();
  else if (c.field == "count") v = static_cast<double>(s->count);
  if (!v) {
    res.actual_text = c.field == "best" ? "no best (metric has no goal)" : "no finite value";
    return res;
  }
  res.actual = v;
  std::ostringstream os;
  os << *v;
  res.actual_text = os.str();
  auto rhs = parse_number(c.value);
  res.passed = rhs && !std::isnan(*v) && compare(*v, c.op, *rhs);
  return res;
}

// ---- maintenance -------------------------------------------------------------------------------

void delete_run(const std::string& store_dir, const std::string& run_id, std::chrono::milliseconds lock_timeout) {
  auto b = store::open(store_dir, store::access::read_write, lock_timeout);
  store::write_transaction t(*b);
  auto r = b->find_run(run_id);
  if (!r || r->deleted) throw error(error_code::run_not_found, "no run with id \"" + run_id + "\" in " + store_dir);
  b->mark_deleted(r->rid, detail::now_seconds());
  t.commit();
}

void upgrade_store(const std::string& store_dir, std::chrono::milliseconds lock_timeout) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(store_dir) / "tracker.db", ec))
    throw error(error_code::store_open_failed, "no tracker store at '" + store_dir + "'");
  store::open(store_dir, store::access::read_write, lock_timeout);  // migrates on open
}

std::size_t gc(const std::string& store_dir, std::chrono::milliseconds lock_timeout) {
  auto b = store::open(store_dir, store::access::read_write, lock_timeout);
  return detail::collect_garbage(*b);
}

namespace detail {

// See gc.hpp.
std::size_t collect_garbage(store::backend& b) {
  std::vector<std::string> purged;
  {
    store::write_transaction t(b);
    purged = b.purge_deleted();
    t.commit();
  }
  // Files after rows: a crash in between leaves orphan media (removed by the next gc, which
  // removes the media of every run without a row), never rows pointing at no file.
  std::set<std::string> live;
  for (const auto& r : b.list_runs(true, "")) live.insert(r.id);
  std::string failed;
  for (const std::string& id : b.media().runs()) {
    if (live.count(id)) continue;
    try {
      b.media().remove_run(id);
    } catch (const std::exception& e) {
      failed += (failed.empty() ? "" : "; ") + std::string(e.what());
    }
  }
  if (!failed.empty())
    throw error(error_code::io_error, "gc purged " + std::to_string(purged.size()) +
                                          " deleted runs' rows, but not all their media: " + failed +
                                          " (run gc again once that is fixed)");
  return purged.size();
}

// See run_ref.hpp.
store::run_record resolve_run(store::backend& b, const std::string& ref, const std::string& dir) {
  std::optional<store::run_record> found;
  if (ref == "latest") {
    found = b.latest_run();
  } else {
    found = b.find_run(ref);
    if (found && found->deleted) found.reset();
    if (!found) {
      auto named = b.find_runs_by_name(ref);
      if (named.size() > 1) {
        std::string ids;
        for (auto& r : named) ids += (ids.empty() ? "" : ", ") + r.id;
        throw error(error_code::run_ambiguous, "run name \"" + ref + "\" matches " + std::to_string(named.size()) +
                                                   " runs (" + ids + "); use the id");
      }
      if (!named.empty()) found = std::move(named.front());
    }
  }
  if (!found)
    throw error(error_code::run_not_found, ref == "latest" ? "store " + dir + " has no runs"
                                                           : "no run with id or name \"" + ref + "\" in " + dir);
  return std::move(*found);
}
}  // namespace detail

}  // namespace tracker
