// sqlite_backend.cpp — the SQLite implementation of store::backend.
//
// [SECTION] connection and statement helpers
// [SECTION] open, schema check and migrations
// [SECTION] transactions
// [SECTION] runs, config, tags
// [SECTION] series, points, buckets, objects
// [SECTION] maintenance
//
// Why these settings: WAL lets readers (CLI, viewer) read while a writer commits;
// synchronous=NORMAL in WAL mode keeps every commit that returned across a process kill (only
// an OS crash may lose the last commits); BEGIN IMMEDIATE takes the write lock up front so two
// writers never deadlock upgrading a read lock. Busy waits are handled by our own busy handler
// that never gives up for writers, so "database is locked" never reaches a user.
#include "store/backend.hpp"
#include "store/sqlite_migrations.hpp"
#include "store/sqlite_production.hpp"
#include "store/sqlite_statement.hpp"
#include "system_info.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <thread>
#include <unordered_map>

namespace tracker::store {
namespace {

namespace fs = std::filesystem;
using sqlite::fail;
using sqlite::statement;

// =============================================================================================
// [SECTION] connection and statement helpers
// =============================================================================================

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

const char* status_text(run_status s) { return to_string(s); }

run_status status_from_text(const std::string& s) {
  return parse_run_status(s).value_or(run_status::running);
}

// =============================================================================================
// [SECTION] point blocks (schema 4)
// =============================================================================================
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

std::size_t block_points() {
  // Default 512 (docs/performance.md: 256 / 512 / 1024 measured). TRACKER_BLOCK_POINTS overrides
  // it for measurements only; any value reads back, it only changes where blocks are cut.
  static const std::size_t n = [] {
    const char* e = std::getenv("TRACKER_BLOCK_POINTS");
    long v = e ? std::atol(e) : 0;
    return v >= 16 && v <= 65536 ? static_cast<std::size_t>(v) : std::size_t{512};
  }();
  return n;
}

[[noreturn]] void corrupt_block(const char* what) {
  throw error(error_code::store_corrupt, std::string("tracker store: a points block is damaged (") + what +
                                             "); the database file was changed outside tracker");
}

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
  void blob(std::string& out) const {
    out.clear();
    out.push_back(1);
    put_varint(out, static_cast<std::uint64_t>(n));
    put_varint(out, runs.size());
    std::int64_t at = 0;
    for (auto [first, len] : runs) {
      put_varint(out, static_cast<std::uint64_t>(first - at));
      put_varint(out, static_cast<std::uint64_t>(len));
      at = first + len;
    }
    out += body;
  }
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

// =============================================================================================
// [SECTION] the backend
// =============================================================================================

class sqlite_backend final : public backend {
 public:
  sqlite_backend(const std::string& dir, access mode, std::chrono::milliseconds lock_timeout)
      : mode_(mode), lock_timeout_(lock_timeout) {
    const std::string path = database_path(dir);
    std::string open_name = path;
    int flags = mode == access::read_write ? (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
                                           : SQLITE_OPEN_READONLY;
    if (mode == access::read_write) {
      // Only the directory now; media/ (open_directory_media) is created once the database
      // proved to be ours, so a refused foreign database leaves nothing behind.
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec)
        throw error(error_code::store_open_failed,
                    "cannot create store directory " + dir + ": " + ec.message());
    } else {
      std::error_code ec;
      bool there = fs::exists(path, ec);
      if (ec && ec != std::errc::no_such_file_or_directory)
        throw error(error_code::store_open_failed,
                    "cannot read the store at " + dir + ": " + ec.message() + " (check its permissions)");
      if (!there)
        throw error(error_code::store_open_failed,
                    "no tracker store at " + dir + " (" + path +
                        " does not exist); log a run with tracker::init first, or pass --store DIR");
      // A store on a read-only medium (or in a directory this user cannot write) with no
      // writer attached: SQLite could not create the -shm file a WAL read needs, so open the
      // file as immutable. With a writer attached, -wal/-shm exist and the normal path works.
      if (::access(dir.c_str(), W_OK) != 0 && !fs::exists(path + "-wal", ec) && !fs::exists(path + "-shm", ec)) {
        open_name = "file:" + uri_escape(path) + "?immutable=1";
        flags |= SQLITE_OPEN_URI;
      }
    }
    flags |= SQLITE_OPEN_NOMUTEX;  // one connection per thread by contract
    if (sqlite3_open_v2(open_name.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw error(error_code::store_open_failed, "cannot open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_handler(db_, &sqlite_backend::on_busy, this);
    try {
      configure_and_migrate(path);
      media_ = open_directory_media(dir, mode == access::read_write);
    } catch (...) {
      statements_.clear();
      raw_.clear();
      production_.reset();
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }

  ~sqlite_backend() override {
    statements_.clear();  // finalize before close
    raw_.clear();
    production_.reset();
    if (db_) sqlite3_close(db_);
  }

  production_tables& production() override { return *production_; }
  media_sink& media() override { return *media_; }

  // ---- [SECTION] transactions -------------------------------------------------------------
  void begin_write() override {
    reset_active_statements();
    waited_since_ = std::chrono::steady_clock::time_point{};
    int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if ((rc & 0xff) == SQLITE_BUSY) {
      std::string path = sqlite3_db_filename(db_, "main");
      std::string holders = detail::describe_lock_holders(path);
      throw error(error_code::timeout,
                  "the write lock of " + path + " is held by " + (holders.empty() ? "another process" : holders) +
                      " and was not released within " + std::to_string(lock_timeout_.count()) +
                      " ms; nothing was changed (is that process stopped? let it finish, or end it)");
    }
    if (rc != SQLITE_OK) fail(db_, "BEGIN IMMEDIATE failed");
  }
  void commit() override {
    reset_active_statements();
    exec("COMMIT");
  }
  void rollback() noexcept override {
    heads_.clear();  // the open blocks may be ahead of the store
    if (db_ && !sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void set_lock_timeout(std::chrono::milliseconds timeout) override { lock_timeout_ = timeout; }
  void set_wait_observer(std::function<void(double, std::uint64_t)> observer) override {
    wait_observer_ = std::move(observer);
  }

  // ---- [SECTION] runs, config, tags -------------------------------------------------------
  std::optional<run_record> find_run(const std::string& id) override {
    auto& s = stmt(run_select_sql("WHERE id = ?1"));
    s.reset().bind(1, id);
    if (!s.step()) return std::nullopt;
    return read_run(s);
  }

  std::int64_t insert_run(const run_record& r) override {
    stmt("INSERT INTO runs(id, project, name, status, status_reason, created_at, heartbeat_at,"
         " heartbeat_interval, host, pid, pid_start, git_commit, git_branch, note)"
         " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)")
        .reset()
        .bind(1, r.id).bind(2, r.project).bind(3, r.name).bind(4, std::string(status_text(r.stored_status)))
        .bind(5, r.status_reason).bind(6, r.created_at).bind(7, r.heartbeat_at)
        .bind(8, r.heartbeat_interval).bind(9, r.host).bind(10, r.pid).bind(11, r.pid_start)
        .bind(12, r.git_commit).bind(13, r.git_branch).bind(14, r.note)
        .run();
    return sqlite3_last_insert_rowid(db_);
  }

  void update_run_process(std::int64_t rid, const run_record& r) override {
    stmt("UPDATE runs SET status = ?2, status_reason = '', ended_at = NULL, heartbeat_at = ?3,"
         " heartbeat_interval = ?4, host = ?5, pid = ?6, pid_start = ?7,"
         " git_commit = CASE WHEN ?8 = '' THEN git_commit ELSE ?8 END,"
         " git_branch = CASE WHEN ?9 = '' THEN git_branch ELSE ?9 END WHERE rid = ?1")
        .reset()
        .bind(1, rid).bind(2, std::string(status_text(r.stored_status))).bind(3, r.heartbeat_at)
        .bind(4, r.heartbeat_interval).bind(5, r.host).bind(6, r.pid).bind(7, r.pid_start)
        .bind(8, r.git_commit).bind(9, r.git_branch)
        .run();
  }

  void update_run_status(std::int64_t rid, run_status st, const std::string& reason,
                         std::optional<double> ended_at) override {
    stmt("UPDATE runs SET status = ?2, status_reason = ?3, ended_at = ?4, heartbeat_at = ?5"
         " WHERE rid = ?1")
        .reset()
        .bind(1, rid).bind(2, std::string(status_text(st))).bind(3, reason).bind(4, ended_at)
        .bind(5, now_seconds())
        .run();
  }

  void touch_heartbeats(const std::vector<std::int64_t>& rids, double now) override {
    auto& s = stmt("UPDATE runs SET heartbeat_at = ?2 WHERE rid = ?1");
    for (auto rid : rids) s.reset().bind(1, rid).bind(2, now).run();
  }

  std::int64_t count_runs(const std::string& project) override {
    auto& s = stmt("SELECT count(*) FROM runs WHERE project = ?1");
    s.reset().bind(1, project);
    return s.step() ? s.i64(0) : 0;
  }

  std::vector<run_record> list_runs(bool include_deleted, const std::string& project) override {
    // Separate statements, so the project filter can use runs_by_project (an OR would not).
    std::string where = project.empty() ? "WHERE ?1 = ''" : "WHERE project = ?1";
    if (!include_deleted) where += " AND deleted_at IS NULL";
    auto& s = stmt(run_select_sql(where + " ORDER BY created_at DESC, rid DESC"));
    s.reset().bind(1, project);
    std::vector<run_record> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
  }

  std::vector<run_record> find_runs_by_name(const std::string& name) override {
    auto& s = stmt(run_select_sql("WHERE name = ?1 AND deleted_at IS NULL ORDER BY created_at DESC, rid DESC"));
    s.reset().bind(1, name);
    std::vector<run_record> out;
    while (s.step()) out.push_back(read_run(s));
    return out;
  }
  std::optional<run_record> latest_run() override {
    auto& s = stmt(run_select_sql("WHERE deleted_at IS NULL ORDER BY created_at DESC, rid DESC LIMIT 1"));
    s.reset();
    if (!s.step()) return std::nullopt;
    run_record r = read_run(s);
    s.reset();
    return r;
  }
  std::vector<std::pair<std::int64_t, std::string>> tags_of(const std::vector<std::int64_t>& rids) override {
    auto& s = stmt("SELECT rid, tag FROM run_tags WHERE rid IN (SELECT value FROM json_each(?1)) ORDER BY rid, tag");
    s.reset().bind(1, nlohmann::json(rids).dump());
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (s.step()) out.emplace_back(s.i64(0), s.text(1));
    return out;
  }
  std::vector<std::tuple<std::int64_t, std::string, std::string>> config_of(
      const std::vector<std::int64_t>& rids) override {
    auto& s = stmt("SELECT rid, key, value FROM run_config WHERE rid IN (SELECT value FROM json_each(?1))"
                   " ORDER BY rid, key");
    s.reset().bind(1, nlohmann::json(rids).dump());
    std::vector<std::tuple<std::int64_t, std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.i64(0), s.text(1), s.text(2));
    return out;
  }

  std::vector<std::pair<std::string, std::string>> config(std::int64_t rid) override {
    auto& s = stmt("SELECT key, value FROM run_config WHERE rid = ?1 ORDER BY key");
    s.reset().bind(1, rid);
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.text(0), s.text(1));
    return out;
  }
  void put_config(std::int64_t rid, const std::string& key, const std::string& json) override {
    stmt("INSERT OR REPLACE INTO run_config(rid, key, value) VALUES(?1, ?2, ?3)")
        .reset().bind(1, rid).bind(2, key).bind(3, json).run();
  }
  std::vector<std::string> tags(std::int64_t rid) override {
    auto& s = stmt("SELECT tag FROM run_tags WHERE rid = ?1 ORDER BY tag");
    s.reset().bind(1, rid);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.text(0));
    return out;
  }
  void add_tag(std::int64_t rid, const std::string& tag) override {
    stmt("INSERT OR IGNORE INTO run_tags(rid, tag) VALUES(?1, ?2)").reset().bind(1, rid).bind(2, tag).run();
  }
  void remove_tag(std::int64_t rid, const std::string& tag) override {
    stmt("DELETE FROM run_tags WHERE rid = ?1 AND tag = ?2").reset().bind(1, rid).bind(2, tag).run();
  }
  void set_note(std::int64_t rid, const std::string& note) override {
    stmt("UPDATE runs SET note = ?2 WHERE rid = ?1").reset().bind(1, rid).bind(2, note).run();
  }

  // ---- [SECTION] series, points, buckets, objects -----------------------------------------
  std::optional<series_record> find_series(std::int64_t rid, const std::string& key) override {
    auto& s = stmt(series_select_sql("WHERE rid = ?1 AND key = ?2"));
    s.reset().bind(1, rid).bind(2, key);
    if (!s.step()) return std::nullopt;
    return read_series(s);
  }
  std::int64_t insert_series(std::int64_t rid, const std::string& key, goal g) override {
    stmt("INSERT INTO series(rid, key, goal) VALUES(?1, ?2, ?3)")
        .reset().bind(1, rid).bind(2, key).bind(3, static_cast<int>(g)).run();
    return sqlite3_last_insert_rowid(db_);
  }
  void set_series_goal(std::int64_t sid, goal g) override {
    stmt("UPDATE series SET goal = ?2 WHERE sid = ?1").reset().bind(1, sid).bind(2, static_cast<int>(g)).run();
  }
  void update_series_summary(std::int64_t sid, const metric_summary& m) override {
    stmt("UPDATE series SET count = ?2, nonfinite = ?3, min = ?4, max = ?5, last = ?6,"
         " last_step = ?7, last_time = ?8, first_step = ?9 WHERE sid = ?1")
        .reset()
        .bind(1, sid).bind(2, m.count).bind(3, m.nonfinite).bind(4, m.min).bind(5, m.max)
        .bind(6, m.last).bind(7, m.last_step).bind(8, m.last_time).bind(9, m.first_step)
        .run();
  }
  std::vector<series_record> list_series(std::int64_t rid) override {
    auto& s = stmt(series_select_sql("WHERE rid = ?1 ORDER BY key"));
    s.reset().bind(1, rid);
    std::vector<series_record> out;
    while (s.step()) out.push_back(read_series(s));
    return out;
  }
  std::vector<series_record> list_series_of(const std::vector<std::int64_t>& rids,
                                            const std::vector<std::string>& keys) override {
    auto& s = stmt(series_select_sql(
        "WHERE rid IN (SELECT value FROM json_each(?1))"
        " AND (?2 = '[]' OR key IN (SELECT value FROM json_each(?2))) ORDER BY rid, key"));
    s.reset().bind(1, nlohmann::json(rids).dump()).bind(2, nlohmann::json(keys).dump());
    std::vector<series_record> out;
    while (s.step()) out.push_back(read_series(s));
    return out;
  }
  std::int64_t max_step(std::int64_t rid) override {
    auto& s = stmt("SELECT max(last_step) FROM series WHERE rid = ?1 AND count > 0");
    s.reset().bind(1, rid);
    return s.step() && !s.is_null(0) ? s.i64(0) : -1;
  }

  void insert_points(const std::vector<point_row>& rows) override {
    if (rows.empty()) return;
    // Number this commit's points: each series' points get consecutive seqs, in the order the
    // series first appear (a commit is atomic, so only the order within a series is visible).
    std::int64_t next = 0;
    {
      auto& s = stmt("SELECT next FROM points_seq WHERE id = 0");
      s.reset();
      if (!s.step()) fail(db_, "points_seq is missing its row", error_code::store_corrupt);
      next = s.i64(0);
      s.reset();
    }
    order_.clear();
    group_.clear();
    std::int64_t prev_sid = 0;
    std::size_t slot = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i == 0 || rows[i].sid != prev_sid) {  // the writer's batches come in runs of one series
        auto [it, fresh] = group_.try_emplace(rows[i].sid, order_.size());
        if (fresh) order_.emplace_back();
        slot = it->second;
        prev_sid = rows[i].sid;
      }
      order_[slot].push_back(static_cast<std::uint32_t>(i));
    }
    for (const auto& members : order_) {
      const std::int64_t sid = rows[members.front()].sid;
      head_state& h = head_of(sid);
      for (std::uint32_t i : members) {
        const point_row& r = rows[i];
        h.block.add(next++, r.step, r.time, r.value, h.floor);
        if (static_cast<std::size_t>(h.block.n) >= block_points()) write_head(sid, h);  // full: sealed
      }
      if (h.block.n > 0) write_head(sid, h);
    }
    stmt("UPDATE points_seq SET next = ?1 WHERE id = 0").reset().bind(1, next).run();
  }

  std::vector<point> read_points(std::int64_t sid, std::int64_t from, std::int64_t to) override {
    std::vector<point> out;
    if (from > to) return out;
    // Ordered blocks come in seq order with non-decreasing steps: stop at the first that starts
    // after `to`. The others (a late point made them unordered) are all checked.
    auto& o = raw("SELECT min_step, data, n FROM points INDEXED BY points_by_step"
                  " WHERE sid = ?1 AND ordered = 1 AND max_step >= ?2 ORDER BY max_step, seq");
    {
      // Size the result first (the blobs are not read): one allocation instead of a vector
      // doubling its way up, which cost more than the decoding (page faults on fresh memory).
      std::int64_t total = 0;
      o.reset();
      o.bind(1, sid);
      o.bind(2, from);
      while (o.step() && o.i64(0) <= to) total += o.i64(2);
      out.reserve(static_cast<std::size_t>(total));
    }
    o.reset();
    o.bind(1, sid);
    o.bind(2, from);
    while (o.step()) {
      if (o.i64(0) > to) break;
      decode_block(o.blob(1), o.bytes(1), [&](std::int64_t, std::int64_t step, double time, double value) {
        if (step >= from && step <= to) out.push_back(point{step, time, value});
      });
    }
    o.reset();
    auto& u = raw("SELECT data FROM points INDEXED BY points_by_step"
                  " WHERE sid = ?1 AND ordered = 0 AND max_step >= ?2 AND min_step <= ?3");
    u.reset();
    u.bind(1, sid);
    u.bind(2, from);
    u.bind(3, to);
    if (!u.step()) return out;
    // Out-of-order points: sort everything by (step, seq), i.e. ties in logging order.
    struct keyed {
      std::int64_t seq;
      point p;
    };
    std::vector<keyed> all;
    auto keep = [&](std::int64_t seq, std::int64_t step, double time, double value) {
      if (step >= from && step <= to) all.push_back(keyed{seq, point{step, time, value}});
    };
    do decode_block(u.blob(0), u.bytes(0), keep);
    while (u.step());
    u.reset();
    o.reset();
    o.bind(1, sid);
    o.bind(2, from);
    while (o.step()) {
      if (o.i64(0) > to) break;
      decode_block(o.blob(1), o.bytes(1), keep);
    }
    o.reset();
    std::sort(all.begin(), all.end(), [](const keyed& a, const keyed& b) {
      return a.p.step != b.p.step ? a.p.step < b.p.step : a.seq < b.seq;
    });
    out.clear();
    out.reserve(all.size());
    for (auto& k : all) out.push_back(k.p);
    return out;
  }

  std::optional<bucket_row> find_bucket(std::int64_t sid, int level, std::int64_t index) override {
    auto& s = stmt("SELECT idx, count, min, max, last, last_step, first_time, last_time FROM buckets"
                   " WHERE sid = ?1 AND level = ?2 AND idx = ?3");
    s.reset().bind(1, sid).bind(2, level).bind(3, index);
    if (!s.step()) return std::nullopt;
    return read_bucket(s, sid, level);
  }
  void upsert_buckets(const std::vector<bucket_row>& rows) override {
    auto& s = stmt("INSERT OR REPLACE INTO buckets(sid, level, idx, count, min, max, last, last_step,"
                   " first_time, last_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    for (const auto& b : rows)
      s.reset().bind(1, b.sid).bind(2, b.level).bind(3, b.index).bind(4, b.count).bind(5, b.min)
          .bind(6, b.max).bind(7, b.last).bind(8, b.last_step).bind(9, b.first_time)
          .bind(10, b.last_time).run();
  }
  std::vector<bucket_row> read_buckets(std::int64_t sid, int level, std::int64_t first,
                                       std::int64_t last) override {
    auto& s = stmt("SELECT idx, count, min, max, last, last_step, first_time, last_time FROM buckets"
                   " WHERE sid = ?1 AND level = ?2 AND idx BETWEEN ?3 AND ?4 ORDER BY idx");
    s.reset().bind(1, sid).bind(2, level).bind(3, first).bind(4, last);
    std::vector<bucket_row> out;
    while (s.step()) out.push_back(read_bucket(s, sid, level));
    return out;
  }
  std::vector<sequenced_point> read_points_since(std::int64_t cursor, std::size_t limit) override {
    std::vector<sequenced_point> out;
    const std::int64_t newest = newest_point_seq();
    if (limit == 0 || cursor >= newest) return out;
    // Points in (cursor, cursor + window] live in blocks whose last seq is > cursor and whose
    // first seq is <= cursor + window; a block may span many commits, so collect the window,
    // sort by seq, keep what fits. A window with too few points (seqs freed by gc) doubles.
    auto& s = raw("SELECT sid, data FROM points WHERE seq > ?1 AND first_seq <= ?2");
    std::int64_t at = cursor;
    std::int64_t window = static_cast<std::int64_t>(std::min<std::size_t>(std::max<std::size_t>(limit, 4096), 1 << 24));
    std::vector<sequenced_point> got;
    while (out.size() < limit && at < newest) {
      const std::int64_t upto = newest - at <= window ? newest : at + window;
      got.clear();
      s.reset();
      s.bind(1, at);
      s.bind(2, upto);
      while (s.step()) {
        const std::int64_t sid = s.i64(0);
        decode_block(s.blob(1), s.bytes(1), [&](std::int64_t seq, std::int64_t step, double time, double value) {
          if (seq > at && seq <= upto) got.push_back(sequenced_point{seq, point{step, time, value}, sid});
        });
      }
      s.reset();
      std::sort(got.begin(), got.end(), [](const sequenced_point& a, const sequenced_point& b) { return a.seq < b.seq; });
      for (auto& p : got) {
        if (out.size() == limit) break;
        out.push_back(p);
      }
      at = upto;
      if (window < (std::int64_t{1} << 40)) window *= 2;
    }
    return out;
  }
  std::vector<series_name> series_names(const std::vector<std::int64_t>& sids) override {
    auto& s = stmt("SELECT s.sid, r.id, s.key FROM series s JOIN runs r ON r.rid = s.rid"
                   " WHERE s.sid IN (SELECT value FROM json_each(?1))");
    s.reset().bind(1, nlohmann::json(sids).dump());
    std::vector<series_name> out;
    while (s.step()) out.push_back(series_name{s.i64(0), s.text(1), s.text(2)});
    return out;
  }
  std::int64_t newest_point_seq() override {
    auto& s = stmt("SELECT next - 1 FROM points_seq WHERE id = 0");
    s.reset();
    std::int64_t v = s.step() ? s.i64(0) : 0;
    s.reset();
    return v;
  }
  std::vector<sequenced_point> read_points_after(std::int64_t sid, std::int64_t cursor,
                                                 std::size_t limit) override {
    // A series' blocks partition its points in seq order: walk those whose last seq is past
    // the cursor (the series' index, in seq order) and skip the points at or before it.
    std::vector<sequenced_point> out;
    if (limit == 0) return out;
    auto& s = raw("SELECT data FROM points INDEXED BY points_by_sid WHERE sid = ?1 AND seq > ?2 ORDER BY seq");
    s.reset();
    s.bind(1, sid);
    s.bind(2, cursor);
    while (out.size() < limit && s.step())
      decode_block(s.blob(0), s.bytes(0), [&](std::int64_t seq, std::int64_t step, double time, double value) {
        if (seq > cursor && out.size() < limit) out.push_back(sequenced_point{seq, point{step, time, value}, sid});
      });
    s.reset();
    return out;
  }

  void insert_object(std::int64_t rid, const object_record& o) override {
    stmt("INSERT INTO objects(rid, key, kind, step, time, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
        .reset().bind(1, rid).bind(2, o.key).bind(3, o.kind).bind(4, o.step).bind(5, o.time)
        .bind(6, o.body_json).run();
  }
  std::vector<object_record> read_objects(std::int64_t rid, const std::string& key,
                                          const std::string& kind) override {
    auto& s = stmt("SELECT key, kind, step, time, body FROM objects WHERE rid = ?1"
                   " AND (?2 = '' OR key = ?2) AND (?3 = '' OR kind = ?3) ORDER BY key, step, oid");
    s.reset().bind(1, rid).bind(2, key).bind(3, kind);
    std::vector<object_record> out;
    while (s.step()) out.push_back(object_record{s.text(0), s.text(1), s.i64(2), s.real(3), s.text(4)});
    return out;
  }

  std::vector<object_info> list_objects(std::int64_t rid, const std::string& key,
                                         const std::string& kind) override {
    auto& s = stmt("SELECT key, kind, step, time, length(CAST(body AS BLOB)) FROM objects WHERE rid = ?1"
                   " AND (?2 = '' OR key = ?2) AND (?3 = '' OR kind = ?3) ORDER BY key, step, oid");
    s.reset().bind(1, rid).bind(2, key).bind(3, kind);
    std::vector<object_info> out;
    while (s.step()) out.push_back(object_info{s.text(0), s.text(1), s.i64(2), s.real(3), s.i64(4)});
    return out;
  }
  std::optional<object_record> find_object(std::int64_t rid, const std::string& key,
                                           std::optional<std::int64_t> step) override {
    auto& s = step ? stmt("SELECT key, kind, step, time, body FROM objects"
                          " WHERE rid = ?1 AND key = ?2 AND step = ?3 ORDER BY oid DESC LIMIT 1")
                   : stmt("SELECT key, kind, step, time, body FROM objects"
                          " WHERE rid = ?1 AND key = ?2 ORDER BY step DESC, oid DESC LIMIT 1");
    s.reset().bind(1, rid).bind(2, key);
    if (step) s.bind(3, *step);
    if (!s.step()) return std::nullopt;
    object_record o{s.text(0), s.text(1), s.i64(2), s.real(3), s.text(4)};
    s.reset();  // do not keep the read snapshot pinned
    return o;
  }

  // ---- [SECTION] reads for polling --------------------------------------------------------
  std::uint64_t data_version() override {
    auto& s = stmt("PRAGMA data_version");
    s.reset();
    std::uint64_t v = s.step() ? static_cast<std::uint64_t>(s.i64(0)) : 0;
    s.reset();
    return v;
  }
  void begin_read() override {
    reset_active_statements();
    exec("BEGIN");
    // BEGIN is deferred: the snapshot starts at the first read, so take it now.
    auto& s = stmt("SELECT 1 FROM sqlite_master LIMIT 1");
    s.reset();
    s.step();
  }
  void end_read() noexcept override {
    if (db_ && !sqlite3_get_autocommit(db_)) {
      for (sqlite3_stmt* st = sqlite3_next_stmt(db_, nullptr); st; st = sqlite3_next_stmt(db_, st))
        if (sqlite3_stmt_busy(st)) sqlite3_reset(st);
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    }
  }

  // ---- [SECTION] maintenance --------------------------------------------------------------
  void mark_deleted(std::int64_t rid, double now) override {
    stmt("UPDATE runs SET deleted_at = ?2 WHERE rid = ?1").reset().bind(1, rid).bind(2, now).run();
  }
  std::vector<std::string> purge_deleted() override {
    std::vector<std::string> ids;
    {
      auto& s = stmt("SELECT id FROM runs WHERE deleted_at IS NOT NULL");
      s.reset();
      while (s.step()) ids.push_back(s.text(0));
    }
    {
      std::vector<std::int64_t> rids;
      auto& s = stmt("SELECT rid FROM runs WHERE deleted_at IS NOT NULL");
      s.reset();
      while (s.step()) rids.push_back(s.i64(0));
      production_->purge(rids);
    }
    const char* deletes[] = {
        "DELETE FROM points WHERE sid IN (SELECT sid FROM series WHERE rid IN"
        " (SELECT rid FROM runs WHERE deleted_at IS NOT NULL))",
        "DELETE FROM buckets WHERE sid IN (SELECT sid FROM series WHERE rid IN"
        " (SELECT rid FROM runs WHERE deleted_at IS NOT NULL))",
        "DELETE FROM series WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM objects WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM run_config WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM run_tags WHERE rid IN (SELECT rid FROM runs WHERE deleted_at IS NOT NULL)",
        "DELETE FROM runs WHERE deleted_at IS NOT NULL",
    };
    for (const char* sql : deletes) exec(sql);
    heads_.clear();
    return ids;
  }

 private:
  // ---- [SECTION] point blocks: the open block of each series ------------------------------
  // A prepared statement for what sqlite_statement.hpp does not bind (blobs).
  class raw_statement {
   public:
    raw_statement(sqlite3* db, const std::string& sql) : db_(db) {
      if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &st_, nullptr) != SQLITE_OK)
        fail(db, "prepare failed for: " + sql);
    }
    ~raw_statement() { sqlite3_finalize(st_); }
    raw_statement(const raw_statement&) = delete;
    raw_statement& operator=(const raw_statement&) = delete;
    void reset() { sqlite3_reset(st_); }
    void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(st_, i, v)); }
    void bind_blob(int i, const std::string& b) {  // b must outlive the step
      check(sqlite3_bind_blob(st_, i, b.data(), static_cast<int>(b.size()), SQLITE_STATIC));
    }
    bool step() {
      int rc = sqlite3_step(st_);
      if (rc == SQLITE_ROW) return true;
      if (rc == SQLITE_DONE) return false;
      fail(db_, std::string("statement failed: ") + sqlite3_sql(st_));
    }
    std::int64_t i64(int c) const { return sqlite3_column_int64(st_, c); }
    bool is_null(int c) const { return sqlite3_column_type(st_, c) == SQLITE_NULL; }
    double real(int c) const {
      return is_null(c) ? std::numeric_limits<double>::quiet_NaN() : sqlite3_column_double(st_, c);
    }
    const void* blob(int c) const { return sqlite3_column_blob(st_, c); }
    int bytes(int c) const { return sqlite3_column_bytes(st_, c); }

   private:
    void check(int rc) {
      if (rc != SQLITE_OK) fail(db_, "bind failed");
    }
    sqlite3* db_;
    sqlite3_stmt* st_ = nullptr;
  };

  raw_statement& raw(const std::string& sql) {
    reset_active_statements();
    auto it = raw_.find(sql);
    if (it == raw_.end()) it = raw_.emplace(sql, std::make_unique<raw_statement>(db_, sql)).first;
    return *it->second;
  }

  // The open block of a series as this connection last wrote it. Checked against the store on
  // every use (another process may have written the series since), dropped on rollback.
  struct head_state {
    block_builder block;  // points of the series' open block; empty when the last one is full
    std::int64_t stored = 0;  // seq (rowid) of the row that holds `block`, 0 if none
    std::int64_t latest = 0;  // seq of the series' newest row, 0 if none
    std::int64_t floor = std::numeric_limits<std::int64_t>::min();  // max step of earlier blocks
  };

  std::int64_t latest_block(std::int64_t sid) {
    auto& s = raw("SELECT seq FROM points INDEXED BY points_by_sid WHERE sid = ?1 ORDER BY seq DESC LIMIT 1");
    s.reset();
    s.bind(1, sid);
    std::int64_t v = s.step() ? s.i64(0) : 0;
    s.reset();
    return v;
  }

  head_state& head_of(std::int64_t sid) {
    const std::int64_t latest = latest_block(sid);
    auto it = heads_.find(sid);
    if (it != heads_.end() && it->second.latest == latest) return it->second;
    if (it == heads_.end() && heads_.size() >= 4096) heads_.clear();  // bounded; reloaded on use
    head_state& h = heads_[sid];
    h = head_state{};
    h.latest = latest;
    if (latest == 0) return h;
    {
      auto& s = raw("SELECT max(max_step) FROM points INDEXED BY points_by_step WHERE sid = ?1 AND seq <> ?2");
      s.reset();
      s.bind(1, sid);
      s.bind(2, latest);
      if (s.step() && !s.is_null(0)) h.floor = s.i64(0);
      s.reset();
    }
    auto& s = raw("SELECT n, max_step, ordered, data FROM points WHERE seq = ?1");
    s.reset();
    s.bind(1, latest);
    if (!s.step()) corrupt_block("newest block vanished");
    if (static_cast<std::size_t>(s.i64(0)) >= block_points()) {
      h.floor = std::max(h.floor, s.i64(1));
    } else {
      decode_block(s.blob(3), s.bytes(3), [&](std::int64_t seq, std::int64_t step, double time, double value) {
        h.block.add(seq, step, time, value, h.floor);
      });
      h.block.ordered = s.i64(2) != 0;
      h.stored = latest;
    }
    s.reset();
    return h;
  }

  void insert_block(raw_statement& ins, std::int64_t sid, const block_builder& b) {
    b.blob(blob_);
    ins.reset();
    ins.bind(1, b.last_seq());
    ins.bind(2, sid);
    ins.bind(3, b.n);
    ins.bind(4, b.first_seq());
    ins.bind(5, b.min_step);
    ins.bind(6, b.max_step);
    ins.bind(7, b.ordered ? 1 : 0);
    ins.bind_blob(8, blob_);
    ins.step();
    ins.reset();
  }
  static constexpr const char* insert_block_sql =
      "INSERT INTO points(seq, sid, n, first_seq, min_step, max_step, ordered, data)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

  // Stores the open block of a series (replacing its previous version); a full block is sealed
  // and the next point starts a new one.
  void write_head(std::int64_t sid, head_state& h) {
    if (h.stored) {
      auto& d = raw("DELETE FROM points WHERE seq = ?1");
      d.reset();
      d.bind(1, h.stored);
      d.step();
      d.reset();
    }
    insert_block(raw(insert_block_sql), sid, h.block);
    h.latest = h.block.last_seq();
    if (static_cast<std::size_t>(h.block.n) >= block_points()) {
      h.floor = std::max(h.floor, h.block.max_step);
      h.block.clear();
      h.stored = 0;
    } else {
      h.stored = h.latest;
    }
  }

  bool points_in_blocks() {
    statement s(db_, "SELECT count(*) FROM pragma_table_info('points') WHERE name = 'data'");
    return s.step() && s.i64(0) > 0;
  }

  // Migration 4: the rows of schema 3's points table (renamed points_v3) become blocks; a
  // point's seq is its old rowid, so cursors held by viewers stay valid.
  void convert_points_v3() {
    {
      auto& ins = raw(insert_block_sql);
      raw_statement rows(db_, "SELECT rowid, sid, step, time, value FROM points_v3 ORDER BY rowid");
      std::unordered_map<std::int64_t, head_state> open;  // every series' block being filled
      while (rows.step()) {
        const std::int64_t sid = rows.i64(1);
        head_state& h = open[sid];
        h.block.add(rows.i64(0), rows.i64(2), rows.real(3), rows.real(4), h.floor);
        if (static_cast<std::size_t>(h.block.n) >= block_points()) {
          insert_block(ins, sid, h.block);
          h.floor = std::max(h.floor, h.block.max_step);
          h.block.clear();
        }
      }
      rows.reset();
      for (auto& [sid, h] : open)
        if (h.block.n > 0) insert_block(ins, sid, h.block);
    }
    exec("DROP TABLE points_v3");
    heads_.clear();
  }

  // ---- [SECTION] open, schema check and migrations ----------------------------------------
  void configure_and_migrate(const std::string& path) {
    // All three from one snapshot: another process may be creating the store right now, and
    // reading them apart could see its version without its application_id, or its tables
    // without its marks (and call a store being created "another application's").
    exec("BEGIN");
    int app_id = pragma_int("application_id");
    int version = pragma_int("user_version");
    std::int64_t tables = table_count();
    exec("COMMIT");
    if (version > schema_version)
      throw error(error_code::schema_too_new,
                  "store " + path + " has schema version " + std::to_string(version) +
                      " but this tracker supports up to " + std::to_string(schema_version) +
                      ": it was written by a newer tracker. Upgrade tracker to read it, or point "
                      "--store / TRACKER_DIR at another directory. Nothing was changed.");
    if (version > 0 && app_id != sqlite_schema::application_id)
      throw error(error_code::store_corrupt, path + " is an SQLite database but not a tracker store");
    // Before anything changes the file (WAL mode, a schema): a database with tables but
    // without our marks is someone else's, and is left exactly as it was.
    if (version == 0 && app_id != sqlite_schema::application_id && tables > 0)
      throw error(error_code::store_corrupt, path + " is another application's SQLite database, not a tracker "
                                                    "store; nothing was changed (point --store / TRACKER_DIR elsewhere)");

    if (mode_ == access::read_only) {
      if (version == 0)
        throw error(error_code::store_open_failed,
                    "store " + path + " is empty (no tracker schema yet); log a run with tracker::init first");
      if (version < schema_version)
        throw error(error_code::store_open_failed,
                    "store " + path + " has schema version " + std::to_string(version) +
                        ", older than this tracker's " + std::to_string(schema_version) +
                        "; open it once for writing (tracker::init) to upgrade it");
      return;
    }
    enable_wal();
    exec("PRAGMA synchronous=NORMAL");
    if (version == schema_version) return;

    // Migrate under the write lock; re-read the version inside, another process may have won.
    begin_write();
    try {
      version = pragma_int("user_version");
      if (version > 0 && pragma_int("application_id") != sqlite_schema::application_id)
        throw error(error_code::store_corrupt, path + " is an SQLite database but not a tracker store");
      if (version == 0) {
        // A non-empty database without our application_id is someone else's file.
        auto& s = stmt("SELECT count(*) FROM sqlite_master");
        s.reset();
        if (s.step() && s.i64(0) > 0)
          throw error(error_code::store_corrupt, path + " is an SQLite database but not a tracker store");
        exec("PRAGMA application_id=" + std::to_string(sqlite_schema::application_id));
      }
      for (const auto& m : sqlite_schema::migrations) {
        if (m.version <= version) continue;
        reset_active_statements();  // an unfinished read of sqlite_master would lock DROP/ALTER
        // Points already in blocks (a newer store labelled older by hand, as tests that fake an
        // old version do): migration 4 has nothing to convert.
        if (m.version == 4 && points_in_blocks()) {
          exec("PRAGMA user_version=4");
          continue;
        }
        exec(m.sql);
        if (m.version == 4) convert_points_v3();
        exec("PRAGMA user_version=" + std::to_string(m.version));
      }
      commit();
    } catch (...) {
      rollback();
      throw;
    }
  }

  // WAL is persistent in the file, so only the first opener switches it. Switching needs an
  // exclusive lock and SQLite answers SQLITE_BUSY at once, without the busy handler, while
  // another process is creating the same store: retry here (found by a regression test).
  void enable_wal() {
    for (int attempt = 0;; ++attempt) {
      std::string mode;
      int rc = sqlite3_exec(
          db_, "PRAGMA journal_mode=WAL",
          [](void* out, int, char** values, char**) {
            if (values[0]) *static_cast<std::string*>(out) = values[0];
            return 0;
          },
          &mode, nullptr);
      if (rc == SQLITE_OK && mode == "wal") return;
      int primary = rc & 0xff;
      if ((rc != SQLITE_OK && primary != SQLITE_BUSY && primary != SQLITE_LOCKED) || attempt >= 1000)
        fail(db_, "cannot switch " + std::string(sqlite3_db_filename(db_, "main")) + " to WAL mode");
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20, 1 + attempt)));
    }
  }

  std::int64_t table_count() {
    statement s(db_, "SELECT count(*) FROM sqlite_master");
    return s.step() ? s.i64(0) : 0;
  }

  static std::string uri_escape(const std::string& path) {
    std::string out;
    for (unsigned char c : path) {
      if (c == '%' || c == '?' || c == '#' || c <= 0x20 || c >= 0x7f) {
        const char* hex = "0123456789ABCDEF";
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  }

  int pragma_int(const char* name) {
    statement s(db_, (std::string("PRAGMA ") + name).c_str());
    return s.step() ? static_cast<int>(s.i64(0)) : 0;
  }

  void exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string text = msg ? msg : "unknown error";
      sqlite3_free(msg);
      throw error(error_code::io_error, "tracker store: " + text + " (while running: " +
                                            sql.substr(0, 60) + ")");
    }
  }

  void reset_active_statements() { sqlite::reset_active_statements(db_); }
  statement& stmt(const std::string& sql) { return statements_.get(sql); }

  static std::string run_select_sql(const std::string& tail) {
    return "SELECT rid, id, project, name, status, status_reason, created_at, ended_at,"
           " heartbeat_at, heartbeat_interval, host, pid, pid_start, git_commit, git_branch, note,"
           " deleted_at FROM runs " + tail;
  }
  run_record read_run(statement& s) {
    run_record r;
    r.rid = s.i64(0);
    r.id = s.text(1);
    r.project = s.text(2);
    r.name = s.text(3);
    r.stored_status = r.status = status_from_text(s.text(4));
    r.status_reason = s.text(5);
    r.created_at = s.real(6);
    r.ended_at = s.opt_real(7);
    r.heartbeat_at = s.real(8);
    r.heartbeat_interval = s.real(9);
    r.host = s.text(10);
    r.pid = s.i64(11);
    r.pid_start = s.i64(12);
    r.git_commit = s.text(13);
    r.git_branch = s.text(14);
    r.note = s.text(15);
    r.deleted = !s.is_null(16);
    return r;
  }

  static bucket_row read_bucket(statement& s, std::int64_t sid, int level) {
    bucket_row b{sid, level, s.i64(0), s.i64(1), s.opt_real(2), s.opt_real(3), s.real(4), s.i64(5)};
    b.first_time = s.opt_real(6).value_or(0);
    b.last_time = s.opt_real(7).value_or(0);
    return b;
  }

  static std::string series_select_sql(const std::string& tail) {
    return "SELECT sid, rid, key, goal, count, nonfinite, min, max, last, last_step, last_time,"
           " first_step FROM series " + tail;
  }
  series_record read_series(statement& s) {
    series_record r;
    r.sid = s.i64(0);
    r.rid = s.i64(1);
    r.summary.key = s.text(2);
    r.summary.metric_goal = static_cast<goal>(s.i64(3));
    r.summary.count = s.i64(4);
    r.summary.nonfinite = s.i64(5);
    r.summary.min = s.opt_real(6);
    r.summary.max = s.opt_real(7);
    r.summary.last = s.real(8);
    r.summary.last_step = s.i64(9);
    r.summary.last_time = s.real(10);
    r.summary.first_step = s.i64(11);
    return r;
  }

  // Busy handler: writers wait as long as it takes (reporting how long); readers give up after
  // 10 s, which only happens while another process recovers a crashed WAL.
  static int on_busy(void* self_ptr, int retries) {
    auto* self = static_cast<sqlite_backend*>(self_ptr);
    auto now = std::chrono::steady_clock::now();
    if (retries == 0) self->waited_since_ = now;
    double waited = std::chrono::duration<double>(now - self->waited_since_).count();
    if (self->wait_observer_) self->wait_observer_(waited, static_cast<std::uint64_t>(retries));
    if (self->mode_ == access::read_only && waited > 10.0) return 0;
    if (self->lock_timeout_ != std::chrono::milliseconds::max() &&
        waited * 1000.0 > static_cast<double>(self->lock_timeout_.count()))
      return 0;
    // Back off from 0.1 ms up to 20 ms so short transactions of other writers interleave.
    int micros = std::min(20000, 100 << std::min(retries, 8));
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
    return 1;
  }

  sqlite3* db_ = nullptr;
  access mode_;
  std::chrono::milliseconds lock_timeout_;  // longest wait for another process's write lock
  sqlite::statement_cache statements_{db_};
  std::unique_ptr<production_tables> production_ = make_sqlite_production(db_);
  std::unique_ptr<media_sink> media_;  // files under <dir>/media/
  std::function<void(double, std::uint64_t)> wait_observer_;
  std::chrono::steady_clock::time_point waited_since_{};
  std::unordered_map<std::string, std::unique_ptr<raw_statement>> raw_;  // blob statements
  std::unordered_map<std::int64_t, head_state> heads_;                  // sid -> open block
  std::unordered_map<std::int64_t, std::size_t> group_;                 // insert_points scratch
  std::vector<std::vector<std::uint32_t>> order_;
  std::string blob_;
};

}  // namespace

std::string database_path(const std::string& dir) { return (fs::path(dir) / "tracker.db").string(); }

std::unique_ptr<backend> open(const std::string& location, access mode, std::chrono::milliseconds lock_timeout) {
  for (const char* scheme : {"postgresql://", "postgres://"})
    if (location.rfind(scheme, 0) == 0)
      throw error(error_code::store_open_failed,
                  "store " + location + ": PostgreSQL stores are planned but this build has no PostgreSQL backend; "
                  "use a directory (SQLite)");
  return open_sqlite(location, mode, lock_timeout);
}

std::unique_ptr<backend> open_sqlite(const std::string& dir, access mode, std::chrono::milliseconds lock_timeout) {
  return std::make_unique<sqlite_backend>(dir, mode, lock_timeout);
}

}  // namespace tracker::store
