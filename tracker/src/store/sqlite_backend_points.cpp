// sqlite_backend_points.cpp — the SQLite backend's series, points, buckets and objects. Points
// are stored in blocks (point_blocks.hpp). A series' newest points (its open block) are stored
// in points_tail, one small row per commit, until they fill a block; then they become one row
// of points (head_of, seal_head). points_tail is small, so its rows cost a commit few pages.
#include "store/sqlite_backend.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace tracker::store {

using sqlite::fail;
using sqlite::statement;

std::optional<series_record> sqlite_backend::find_series(std::int64_t rid, const std::string& key) {
  auto& s = stmt(series_select_sql("WHERE rid = ?1 AND key = ?2"));
  s.reset().bind(1, rid).bind(2, key);
  if (!s.step()) return std::nullopt;
  return read_series(s);
}

std::int64_t sqlite_backend::insert_series(std::int64_t rid, const std::string& key, goal g) {
  stmt("INSERT INTO series(rid, key, goal) VALUES(?1, ?2, ?3)")
      .reset().bind(1, rid).bind(2, key).bind(3, static_cast<int>(g)).run();
  return sqlite3_last_insert_rowid(db_);
}

void sqlite_backend::set_series_goal(std::int64_t sid, goal g) {
  stmt("UPDATE series SET goal = ?2 WHERE sid = ?1").reset().bind(1, sid).bind(2, static_cast<int>(g)).run();
}

void sqlite_backend::update_series_summary(std::int64_t sid, const metric_summary& m) {
  stmt("UPDATE series SET count = ?2, nonfinite = ?3, min = ?4, max = ?5, last = ?6,"
       " last_step = ?7, last_time = ?8, first_step = ?9 WHERE sid = ?1")
      .reset()
      .bind(1, sid).bind(2, m.count).bind(3, m.nonfinite).bind(4, m.min).bind(5, m.max)
      .bind(6, m.last).bind(7, m.last_step).bind(8, m.last_time).bind(9, m.first_step)
      .run();
}

std::vector<series_record> sqlite_backend::list_series(std::int64_t rid) {
  auto& s = stmt(series_select_sql("WHERE rid = ?1 ORDER BY key"));
  s.reset().bind(1, rid);
  std::vector<series_record> out;
  while (s.step()) out.push_back(read_series(s));
  return out;
}

std::vector<series_record> sqlite_backend::list_series_of(const std::vector<std::int64_t>& rids,
                                                          const std::vector<std::string>& keys) {
  auto& s = stmt(series_select_sql(
      "WHERE rid IN (SELECT value FROM json_each(?1))"
      " AND (?2 = '[]' OR key IN (SELECT value FROM json_each(?2))) ORDER BY rid, key"));
  s.reset().bind(1, nlohmann::json(rids).dump()).bind(2, nlohmann::json(keys).dump());
  std::vector<series_record> out;
  while (s.step()) out.push_back(read_series(s));
  return out;
}

std::int64_t sqlite_backend::max_step(std::int64_t rid) {
  auto& s = stmt("SELECT max(last_step) FROM series WHERE rid = ?1 AND count > 0");
  s.reset().bind(1, rid);
  return s.step() && !s.is_null(0) ? s.i64(0) : -1;
}

void sqlite_backend::insert_points(const std::vector<point_row>& rows) {
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
  auto& insert = raw(insert_tail_sql);
  for (const auto& members : order_) {
    const std::int64_t sid = rows[members.front()].sid;
    head_state& h = head_of(sid);
    // This commit's points of the series become one new row of points_tail (`fresh_`), unless
    // they fill the open block: then the whole tail is sealed into one full block of points.
    fresh_.clear();
    std::int64_t fresh_floor = h.block.n > 0 ? std::max(h.floor, h.block.max_step) : h.floor;
    for (std::uint32_t i : members) {
      const point_row& r = rows[i];
      h.block.add(next, r.step, r.time, r.value, h.floor);
      fresh_.add(next, r.step, r.time, r.value, fresh_floor);
      ++next;
      if (static_cast<std::size_t>(h.block.n) >= block_points()) {
        seal_head(sid, h);
        fresh_.clear();
        fresh_floor = h.floor;
      }
    }
    if (fresh_.n > 0) {
      insert_block(insert, sid, fresh_);
      h.latest = fresh_.last_seq();
      h.tail.push_back(h.latest);
    }
  }
  stmt("UPDATE points_seq SET next = ?1 WHERE id = 0").reset().bind(1, next).run();
}

void sqlite_backend::seal_open_blocks(std::int64_t rid) {
  std::vector<std::int64_t> sids;
  {
    auto& s = raw("SELECT DISTINCT sid FROM points_tail WHERE sid IN (SELECT sid FROM series WHERE rid = ?1)");
    s.reset();
    s.bind(1, rid);
    while (s.step()) sids.push_back(s.i64(0));
    s.reset();
  }
  for (std::int64_t sid : sids) {
    head_state& h = head_of(sid);
    if (h.block.n > 0) seal_head(sid, h);
  }
}

std::vector<point> sqlite_backend::read_points(std::int64_t sid, std::int64_t from, std::int64_t to) {
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
  // The series' tail (points_tail, its newest points), read once: appended as it is when every
  // row of it is ordered (no step below an earlier point's), else sorted in with the rest.
  struct keyed {
    std::int64_t seq;
    point p;
  };
  std::vector<keyed> tail;
  bool tail_ordered = true;
  {
    auto& t = raw("SELECT ordered, data FROM points_tail INDEXED BY points_tail_by_sid WHERE sid = ?1 ORDER BY seq");
    t.reset();
    t.bind(1, sid);
    while (t.step()) {
      tail_ordered = tail_ordered && t.i64(0) != 0;
      decode_block(t.blob(1), t.bytes(1), [&](std::int64_t seq, std::int64_t step, double time, double value) {
        if (step >= from && step <= to) tail.push_back(keyed{seq, point{step, time, value}});
      });
    }
    t.reset();
  }
  auto& u = raw("SELECT data FROM points INDEXED BY points_by_step"
                " WHERE sid = ?1 AND ordered = 0 AND max_step >= ?2 AND min_step <= ?3");
  u.reset();
  u.bind(1, sid);
  u.bind(2, from);
  u.bind(3, to);
  const bool unordered_blocks = u.step();
  if (!unordered_blocks && tail_ordered) {
    u.reset();
    for (const keyed& k : tail) out.push_back(k.p);
    return out;
  }
  // Out-of-order points: sort everything by (step, seq), i.e. ties in logging order.
  std::vector<keyed> all = std::move(tail);
  auto keep = [&](std::int64_t seq, std::int64_t step, double time, double value) {
    if (step >= from && step <= to) all.push_back(keyed{seq, point{step, time, value}});
  };
  if (unordered_blocks) {
    do decode_block(u.blob(0), u.bytes(0), keep);
    while (u.step());
  }
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

std::optional<bucket_row> sqlite_backend::find_bucket(std::int64_t sid, int level, std::int64_t index) {
  auto& s = stmt("SELECT idx, count, min, max, last, last_step, first_time, last_time FROM buckets"
                 " WHERE sid = ?1 AND level = ?2 AND idx = ?3");
  s.reset().bind(1, sid).bind(2, level).bind(3, index);
  if (!s.step()) return std::nullopt;
  return read_bucket(s, sid, level);
}

void sqlite_backend::upsert_buckets(const std::vector<bucket_row>& rows) {
  auto& s = stmt("INSERT OR REPLACE INTO buckets(sid, level, idx, count, min, max, last, last_step,"
                 " first_time, last_time) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  for (const auto& b : rows)
    s.reset().bind(1, b.sid).bind(2, b.level).bind(3, b.index).bind(4, b.count).bind(5, b.min)
        .bind(6, b.max).bind(7, b.last).bind(8, b.last_step).bind(9, b.first_time)
        .bind(10, b.last_time).run();
}

std::optional<std::int64_t> sqlite_backend::top_bucket(std::int64_t sid, int level) {
  auto& s = stmt("SELECT max(idx) FROM buckets WHERE sid = ?1 AND level = ?2");  // one seek
  s.reset().bind(1, sid).bind(2, level);
  std::optional<std::int64_t> top;
  if (s.step() && !s.is_null(0)) top = s.i64(0);
  s.reset();
  return top;
}

std::vector<bucket_row> sqlite_backend::read_buckets(std::int64_t sid, int level, std::int64_t first,
                                                     std::int64_t last) {
  auto& s = stmt("SELECT idx, count, min, max, last, last_step, first_time, last_time FROM buckets"
                 " WHERE sid = ?1 AND level = ?2 AND idx BETWEEN ?3 AND ?4 ORDER BY idx");
  s.reset().bind(1, sid).bind(2, level).bind(3, first).bind(4, last);
  std::vector<bucket_row> out;
  while (s.step()) out.push_back(read_bucket(s, sid, level));
  return out;
}

std::vector<sequenced_point> sqlite_backend::read_points_since(std::int64_t cursor, std::size_t limit) {
  std::vector<sequenced_point> out;
  const std::int64_t newest = newest_point_seq();
  if (limit == 0 || cursor >= newest) return out;
  // Points in (cursor, cursor + window] live in blocks whose last seq is > cursor and whose
  // first seq is <= cursor + window; a block may span many commits, so collect the window,
  // sort by seq, keep what fits. A window with too few points (seqs freed by gc) doubles.
  auto& s = raw("SELECT sid, data FROM points WHERE seq > ?1 AND first_seq <= ?2"
                " UNION ALL SELECT sid, data FROM points_tail WHERE seq > ?1 AND first_seq <= ?2");
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

std::vector<series_name> sqlite_backend::series_names(const std::vector<std::int64_t>& sids) {
  auto& s = stmt("SELECT s.sid, r.id, s.key FROM series s JOIN runs r ON r.rid = s.rid"
                 " WHERE s.sid IN (SELECT value FROM json_each(?1))");
  s.reset().bind(1, nlohmann::json(sids).dump());
  std::vector<series_name> out;
  while (s.step()) out.push_back(series_name{s.i64(0), s.text(1), s.text(2)});
  return out;
}

std::int64_t sqlite_backend::newest_point_seq() {
  auto& s = stmt("SELECT next - 1 FROM points_seq WHERE id = 0");
  s.reset();
  std::int64_t v = s.step() ? s.i64(0) : 0;
  s.reset();
  return v;
}

std::vector<sequenced_point> sqlite_backend::read_points_after(std::int64_t sid, std::int64_t cursor,
                                                               std::size_t limit) {
  // A series' blocks partition its points in seq order: walk those whose last seq is past
  // the cursor (the series' index, in seq order) and skip the points at or before it.
  std::vector<sequenced_point> out;
  if (limit == 0) return out;
  auto& s = raw("SELECT seq, data FROM points INDEXED BY points_by_sid WHERE sid = ?1 AND seq > ?2"
                " UNION ALL SELECT seq, data FROM points_tail INDEXED BY points_tail_by_sid WHERE sid = ?1 AND seq > ?2"
                " ORDER BY 1");
  s.reset();
  s.bind(1, sid);
  s.bind(2, cursor);
  while (out.size() < limit && s.step())
    decode_block(s.blob(1), s.bytes(1), [&](std::int64_t seq, std::int64_t step, double time, double value) {
      if (seq > cursor && out.size() < limit) out.push_back(sequenced_point{seq, point{step, time, value}, sid});
    });
  s.reset();
  return out;
}

void sqlite_backend::insert_object(std::int64_t rid, const object_record& o) {
  stmt("INSERT INTO objects(rid, key, kind, step, time, body) VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
      .reset().bind(1, rid).bind(2, o.key).bind(3, o.kind).bind(4, o.step).bind(5, o.time)
      .bind(6, o.body_json).run();
}

std::vector<object_record> sqlite_backend::read_objects(std::int64_t rid, const std::string& key,
                                                        const std::string& kind) {
  auto& s = stmt("SELECT key, kind, step, time, body FROM objects WHERE rid = ?1"
                 " AND (?2 = '' OR key = ?2) AND (?3 = '' OR kind = ?3) ORDER BY key, step, oid");
  s.reset().bind(1, rid).bind(2, key).bind(3, kind);
  std::vector<object_record> out;
  while (s.step()) out.push_back(object_record{s.text(0), s.text(1), s.i64(2), s.real(3), s.text(4)});
  return out;
}

std::vector<object_info> sqlite_backend::list_objects(std::int64_t rid, const std::string& key,
                                                      const std::string& kind) {
  auto& s = stmt("SELECT key, kind, step, time, length(CAST(body AS BLOB)) FROM objects WHERE rid = ?1"
                 " AND (?2 = '' OR key = ?2) AND (?3 = '' OR kind = ?3) ORDER BY key, step, oid");
  s.reset().bind(1, rid).bind(2, key).bind(3, kind);
  std::vector<object_info> out;
  while (s.step()) out.push_back(object_info{s.text(0), s.text(1), s.i64(2), s.real(3), s.i64(4)});
  return out;
}

std::optional<object_record> sqlite_backend::find_object(std::int64_t rid, const std::string& key,
                                                         std::optional<std::int64_t> step) {
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

sqlite_backend::raw_statement& sqlite_backend::raw(const std::string& sql) {
  reset_active_statements();
  auto it = raw_.find(sql);
  if (it == raw_.end()) it = raw_.emplace(sql, std::make_unique<raw_statement>(db_, sql)).first;
  return *it->second;
}

std::int64_t sqlite_backend::latest_block(std::int64_t sid) {
  auto& s = raw("SELECT max(seq) FROM (SELECT max(seq) AS seq FROM points INDEXED BY points_by_sid WHERE sid = ?1"
                " UNION ALL SELECT max(seq) FROM points_tail INDEXED BY points_tail_by_sid WHERE sid = ?1)");
  s.reset();
  s.bind(1, sid);
  std::int64_t v = s.step() ? s.i64(0) : 0;
  s.reset();
  return v;
}

sqlite_backend::head_state& sqlite_backend::head_of(std::int64_t sid) {
  const std::int64_t latest = latest_block(sid);
  auto it = heads_.find(sid);
  if (it != heads_.end() && it->second.latest == latest) return it->second;
  if (it == heads_.end() && heads_.size() >= 4096) heads_.clear();  // bounded; reloaded on use
  head_state& h = heads_[sid];
  h = head_state{};
  h.latest = latest;
  if (latest == 0) return h;
  {
    auto& s = raw("SELECT max(max_step) FROM points INDEXED BY points_by_step WHERE sid = ?1");  // sealed
    s.reset();
    s.bind(1, sid);
    if (s.step() && !s.is_null(0)) h.floor = s.i64(0);
    s.reset();
  }
  auto& s = raw("SELECT seq, data FROM points_tail INDEXED BY points_tail_by_sid WHERE sid = ?1 ORDER BY seq");
  s.reset();
  s.bind(1, sid);
  while (s.step()) {
    decode_block(s.blob(1), s.bytes(1), [&](std::int64_t seq, std::int64_t step, double time, double value) {
      h.block.add(seq, step, time, value, h.floor);
    });
    h.tail.push_back(s.i64(0));
  }
  s.reset();
  return h;
}

void sqlite_backend::insert_block(raw_statement& ins, std::int64_t sid, const block_builder& b) {
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

void sqlite_backend::seal_head(std::int64_t sid, head_state& h) {
  auto& d = raw("DELETE FROM points_tail WHERE seq = ?1");
  for (std::int64_t seq : h.tail) {
    d.reset();
    d.bind(1, seq);
    d.step();
    d.reset();
  }
  insert_block(raw(insert_block_sql), sid, h.block);
  h.latest = h.block.last_seq();
  h.floor = std::max(h.floor, h.block.max_step);
  h.block.clear();
  h.tail.clear();
}

bucket_row sqlite_backend::read_bucket(statement& s, std::int64_t sid, int level) {
  bucket_row b{sid, level, s.i64(0), s.i64(1), s.opt_real(2), s.opt_real(3), s.real(4), s.i64(5)};
  b.first_time = s.opt_real(6).value_or(0);
  b.last_time = s.opt_real(7).value_or(0);
  return b;
}

std::string sqlite_backend::series_select_sql(const std::string& tail) {
  return "SELECT sid, rid, key, goal, count, nonfinite, min, max, last, last_step, last_time,"
         " first_step FROM series " + tail;
}

series_record sqlite_backend::read_series(statement& s) {
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

}  // namespace tracker::store
