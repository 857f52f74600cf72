// sqlite_production.cpp — the SQLite implementation of store::production_tables, on the
// connection of the sqlite_backend that owns it (so its writes share that transaction).
//
// Records live in blocks (schema 5; production_blocks.hpp has the format): the records of one
// model and kind, in insertion order, a few hundred per row. production_ids holds every stored
// id: a record whose id is there is a duplicate and skipped.
//
// The newest blocks of a (model, kind) that are not full yet — its open tail, sizes falling
// toward the newest — take new records. A commit at least as big as the open records (or a
// block) is packed with them into full blocks and one open block: the rewrite costs at most
// twice what the commit adds. A smaller commit is a block of its own; then, like a binary
// counter, an open block no bigger than the next takes that one's records, and when the two
// would fill a block the tail is packed again. Single-record commits thus rewrite a few KiB
// each (amortized: a record is moved about log2(512) = 9 times) instead of the whole newest
// block, and still end in full blocks. Records keep insertion order (bid, then position): a
// block only takes records from the blocks right after it.
#include "store/sqlite_production.hpp"

#include "store/production_blocks.hpp"
#include "store/sqlite_statement.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <tuple>
#include <unordered_map>

namespace tracker::store {
namespace {

using sqlite::statement;
namespace block = production_block;

class sqlite_production final : public production_tables {
 public:
  explicit sqlite_production(sqlite3*& db) : db_(db), statements_(db) {}
  ~sqlite_production() override { statements_.clear(); }

  std::size_t insert_records(const std::vector<production_row>& rows) override {
    auto& ids = statements_.get("INSERT OR IGNORE INTO production_ids(rid, kind, id) VALUES(?1, ?2, ?3)");
    std::size_t added = 0;
    std::vector<const production_row*> fresh;  // new records of one (model, kind)
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const production_row& r = rows[i];
      ids.reset().bind(1, r.rid).bind(2, r.kind).bind(3, r.id).run();
      if (sqlite3_changes(db_) != 0) fresh.push_back(&r);
      const bool last_of_key = i + 1 == rows.size() || rows[i + 1].rid != r.rid || rows[i + 1].kind != r.kind;
      if (last_of_key && !fresh.empty()) {
        append(tail_of(r.rid, r.kind), fresh);
        added += fresh.size();
        fresh.clear();
      }
    }
    return added;
  }

  void delete_records(std::int64_t rid, int kind) override {
    statements_.get("DELETE FROM production_blocks WHERE rid = ?1 AND kind = ?2").reset().bind(1, rid).bind(2, kind).run();
    statements_.get("DELETE FROM production_ids WHERE rid = ?1 AND kind = ?2").reset().bind(1, rid).bind(2, kind).run();
    tails_.erase({rid, kind});
  }

  std::size_t insert_feedback(const std::vector<feedback_row>& rows) override {
    auto& s = statements_.get(
        "INSERT OR IGNORE INTO production_feedback(id, rid, time, label, flag, reason)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
    std::size_t added = 0;
    for (const feedback_row& f : rows) {
      s.reset().bind(1, f.id).bind(2, f.rid).bind(3, f.time).bind(4, f.label).bind(5, f.flag).bind(6, f.reason).run();
      added += static_cast<std::size_t>(sqlite3_changes(db_));
    }
    return added;
  }

  void read_records(std::int64_t rid, int kind, double since, double until, std::optional<std::size_t> last,
                    production::dataset& out) override {
    if (last && *last == 0) return;
    // One snapshot for every statement below: a writer may move records between blocks.
    const snapshot read_snapshot(db_);
    // The blocks that may hold records of the window, in insertion order.
    struct candidate {
      std::int64_t bid;
      double min_time, max_time;
    };
    std::vector<candidate> candidates;
    {
      auto& s = statements_.get(
          "SELECT bid, min_time, max_time FROM production_blocks INDEXED BY production_blocks_by_time"
          " WHERE rid = ?1 AND kind = ?2 AND max_time >= ?3 AND min_time <= ?4");
      s.reset().bind(1, rid).bind(2, kind).bind(3, since).bind(4, until);
      while (s.step()) candidates.push_back({s.i64(0), s.real(1), s.real(2)});
    }
    std::sort(candidates.begin(), candidates.end(), [](auto& a, auto& b) { return a.bid < b.bid; });
    std::vector<std::string> blobs(candidates.size());
    std::vector<bool> needed(candidates.size(), !last);
    // Incremental blob I/O reads a block straight into its buffer (a SELECT would copy it twice).
    struct blob_handle {
      sqlite3_blob* h = nullptr;
      ~blob_handle() { sqlite3_blob_close(h); }
    } blob;
    auto load = [&](std::size_t k) {
      const std::int64_t bid = candidates[k].bid;
      const int rc = blob.h ? sqlite3_blob_reopen(blob.h, bid)
                            : sqlite3_blob_open(db_, "main", "production_blocks", "data", bid, 0, &blob.h);
      if (rc != SQLITE_OK) sqlite::fail(db_, "reading production block " + std::to_string(bid));
      blobs[k].resize(static_cast<std::size_t>(sqlite3_blob_bytes(blob.h)));
      if (sqlite3_blob_read(blob.h, blobs[k].data(), static_cast<int>(blobs[k].size()), 0) != SQLITE_OK)
        sqlite::fail(db_, "reading production block " + std::to_string(bid));
    };
    if (last) {
      // Newest blocks first, until no unread block can hold one of the newest `last` records.
      std::vector<std::size_t> newest(candidates.size());
      for (std::size_t k = 0; k < newest.size(); ++k) newest[k] = k;
      std::sort(newest.begin(), newest.end(), [&](std::size_t a, std::size_t b) {
        return candidates[a].max_time > candidates[b].max_time;
      });
      std::priority_queue<double, std::vector<double>, std::greater<>> top;  // the newest times seen
      for (std::size_t k : newest) {
        if (top.size() >= *last && candidates[k].max_time < top.top()) break;
        load(k);
        needed[k] = true;
        const block::view v = block::parse(blobs[k].data(), blobs[k].size());
        for (std::size_t i = 0; i < v.n; ++i) {
          const double t = block::f64_at(v.times, i);
          if (t < since || t > until) continue;
          top.push(t);
          if (top.size() > *last) top.pop();
        }
      }
    }
    std::vector<block::view> views;
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      if (!needed[k]) continue;
      if (blobs[k].empty()) load(k);
      views.push_back(block::parse(blobs[k].data(), blobs[k].size()));
    }

    // Records in the window, oldest first: time, then insertion order (block, row).
    std::vector<block::pick> order;
    std::vector<double> times;
    for (std::size_t b = 0; b < views.size(); ++b)
      for (std::size_t i = 0; i < views[b].n; ++i) {
        const double t = block::f64_at(views[b].times, i);
        if (t < since || t > until) continue;
        order.push_back({static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(i)});
        times.push_back(t);
      }
    if (!std::is_sorted(times.begin(), times.end())) {  // records that came in out of time order
      std::vector<std::uint32_t> by_time(order.size());
      for (std::size_t i = 0; i < by_time.size(); ++i) by_time[i] = static_cast<std::uint32_t>(i);
      std::stable_sort(by_time.begin(), by_time.end(), [&](auto a, auto b) { return times[a] < times[b]; });
      std::vector<block::pick> sorted(order.size());
      for (std::size_t i = 0; i < by_time.size(); ++i) sorted[i] = order[by_time[i]];
      order = std::move(sorted);
    }
    if (last && order.size() > *last) order.erase(order.begin(), order.end() - static_cast<std::ptrdiff_t>(*last));
    block::fill(views, order, out);
    join_feedback(rid, out);
  }

  void set_model_classes(std::int64_t rid, const std::string& classes_json) override {
    statements_.get("INSERT OR REPLACE INTO production_models(rid, classes) VALUES(?1, ?2)")
        .reset().bind(1, rid).bind(2, classes_json).run();
  }

  std::optional<std::string> model_classes(std::int64_t rid) override {
    auto& s = statements_.get("SELECT classes FROM production_models WHERE rid = ?1");
    s.reset().bind(1, rid);
    if (!s.step()) return std::nullopt;
    return s.text(0);
  }

  void purge(const std::vector<std::int64_t>& rids) override {
    for (std::int64_t rid : rids) {
      statements_.get("DELETE FROM production_blocks WHERE rid = ?1").reset().bind(1, rid).run();
      statements_.get("DELETE FROM production_ids WHERE rid = ?1").reset().bind(1, rid).run();
      statements_.get("DELETE FROM production_feedback WHERE rid = ?1").reset().bind(1, rid).run();
      statements_.get("DELETE FROM production_models WHERE rid = ?1").reset().bind(1, rid).run();
    }
    tails_.clear();
  }

  void convert_v4_records() override;

  void rolled_back() noexcept override { tails_.clear(); }

 private:
  // A read transaction for the statements of one read, unless the caller holds one already
  // (reader::begin_snapshot).
  struct snapshot {
    sqlite3* db;
    bool own;
    explicit snapshot(sqlite3* d) : db(d), own(sqlite3_get_autocommit(d) != 0) {
      if (own && sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) sqlite::fail(db, "BEGIN failed");
    }
    ~snapshot() {
      if (!own || sqlite3_get_autocommit(db)) return;
      sqlite::reset_active_statements(db);
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
  };

  [[noreturn]] static void fail_vanished() {
    throw error(error_code::store_corrupt, "tracker store: a production block vanished while being read");
  }

  // The open blocks of a (model, kind) as this connection last wrote them, oldest first.
  // Checked against the store on every use (another process may have written since); dropped
  // on rollback. production_blocks.bid is AUTOINCREMENT and a block's n only grows (records
  // leave a block only when it is deleted), so the newest block's (bid, n) names the tail.
  struct open_block {
    std::int64_t bid = 0;  // 0: not stored yet
    block::builder block;
  };
  struct tail {
    std::int64_t rid = 0;
    int kind = 0;
    std::vector<open_block> blocks;
    std::int64_t newest_bid = 0, newest_n = 0;  // the newest row as last seen
  };

  std::pair<std::int64_t, std::int64_t> newest_block(std::int64_t rid, int kind) {
    auto& s = statements_.get(
        "SELECT bid, n FROM production_blocks INDEXED BY production_blocks_by_model"
        " WHERE rid = ?1 AND kind = ?2 ORDER BY bid DESC LIMIT 1");
    s.reset().bind(1, rid).bind(2, kind);
    std::pair<std::int64_t, std::int64_t> out{0, 0};
    if (s.step()) out = {s.i64(0), s.i64(1)};
    s.reset();
    return out;
  }

  tail& tail_of(std::int64_t rid, int kind) {
    const auto [bid, n] = newest_block(rid, kind);
    const std::pair key{rid, kind};
    auto it = tails_.find(key);
    if (it != tails_.end() && it->second.newest_bid == bid && it->second.newest_n == n) return it->second;
    if (it == tails_.end() && tails_.size() >= 64) tails_.clear();  // bounded; reloaded on use
    tail& t = tails_[key];
    t = tail{};
    t.rid = rid;
    t.kind = kind;
    t.newest_bid = bid;
    t.newest_n = n;
    // Reload: the newest blocks back to the first full one.
    auto& s = statements_.get(
        "SELECT bid, data FROM production_blocks INDEXED BY production_blocks_by_model"
        " WHERE rid = ?1 AND kind = ?2 AND bid < ?3 ORDER BY bid DESC LIMIT 1");
    for (std::int64_t before = bid + 1; before > 0 && t.blocks.size() < 32;) {
      s.reset().bind(1, rid).bind(2, kind).bind(3, before);
      if (!s.step()) break;
      open_block b;
      b.bid = before = s.i64(0);
      for (const production_row& r : block::rows(block::parse(s.blob(1), s.bytes(1)), rid, kind)) b.block.add(r);
      s.reset();
      if (b.block.full()) break;
      t.blocks.insert(t.blocks.begin(), std::move(b));
    }
    s.reset();
    return t;
  }

  void store(tail& t, open_block& b) {
    b.block.encode(blob_);
    if (b.bid) {
      statements_.get("UPDATE production_blocks SET n = ?2, min_time = ?3, max_time = ?4, data = ?5 WHERE bid = ?1")
          .reset().bind(1, b.bid).bind(2, static_cast<std::int64_t>(b.block.size())).bind(3, b.block.min_time())
          .bind(4, b.block.max_time()).bind_blob(5, blob_).run();
    } else {
      statements_.get("INSERT INTO production_blocks(rid, kind, n, min_time, max_time, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6)")
          .reset().bind(1, t.rid).bind(2, t.kind).bind(3, static_cast<std::int64_t>(b.block.size()))
          .bind(4, b.block.min_time()).bind(5, b.block.max_time()).bind_blob(6, blob_).run();
      b.bid = sqlite3_last_insert_rowid(db_);
    }
  }

  std::vector<production_row> records_of(const open_block& b) {
    b.block.encode(blob_);  // decoded again: moves are rare (amortized O(log) per record)
    return block::rows(block::parse(blob_.data(), blob_.size()), 0, 0);
  }
  void drop(const open_block& b) {
    statements_.get("DELETE FROM production_blocks WHERE bid = ?1").reset().bind(1, b.bid).run();
  }

  // The open blocks' records, then `fresh`, in order, cut again into full blocks: the oldest
  // block takes the first (its n only grows), new rows the rest; the last, if not full, stays open.
  void repack(tail& t, const std::vector<const production_row*>& fresh) {
    open_block b;  // the oldest open block goes on as it is (the common case: the only one)
    std::vector<production_row> old;
    for (std::size_t k = 0; k < t.blocks.size(); ++k) {
      if (k == 0) {
        b = std::move(t.blocks[0]);
        continue;
      }
      auto rows = records_of(t.blocks[k]);
      old.insert(old.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
      drop(t.blocks[k]);
    }
    t.blocks.clear();
    const std::size_t total = old.size() + fresh.size();
    for (std::size_t i = 0; i < total;) {
      for (; i < total && !b.block.full(); ++i) b.block.add(i < old.size() ? old[i] : *fresh[i - old.size()]);
      store(t, b);
      if (b.block.full())
        b = open_block{};
      else
        t.blocks.push_back(std::move(b));
    }
  }

  // Adds records (all new, of t's model and kind) to the tail; see the file comment.
  void append(tail& t, const std::vector<const production_row*>& fresh) {
    std::size_t open = 0;
    for (const open_block& b : t.blocks) open += b.block.size();
    // A commit as big as the open records (or a block): rewriting them costs at most twice it.
    if (fresh.size() >= open || fresh.size() >= block::max_records()) {
      repack(t, fresh);
    } else {
      t.blocks.emplace_back();
      open_block& b = t.blocks.back();
      for (const production_row* r : fresh) b.block.add(*r);
      store(t, b);
      if (b.block.full()) t.blocks.clear();  // full by bytes: older open blocks stay as they are
    }
    // Like a binary counter: an open block no bigger than the next takes its records.
    while (t.blocks.size() >= 2) {
      open_block& below = t.blocks[t.blocks.size() - 2];
      open_block& top = t.blocks.back();
      if (below.block.size() > top.block.size()) break;
      if (below.block.size() + top.block.size() >= block::max_records()) {
        repack(t, {});
        break;
      }
      for (const production_row& r : records_of(top)) below.block.add(r);
      store(t, below);
      drop(top);
      t.blocks.pop_back();
      if (t.blocks.back().block.full()) t.blocks.clear();  // full by bytes
    }
    std::tie(t.newest_bid, t.newest_n) = newest_block(t.rid, t.kind);
  }

  // Label, flag and reason from feedback of this model or of any model (rid 0): per record,
  // the latest feedback with a label and the latest with a flag (by time, then arrival).
  void join_feedback(std::int64_t rid, production::dataset& d) {
    const std::size_t n = d.ids.size();
    struct joined {
      std::string label, flag, reason;
    };
    auto apply = [&](joined& j, statement& s, int col) {
      if (std::string label = s.text(col); !label.empty()) j.label = std::move(label);
      if (std::string flag = s.text(col + 1); !flag.empty()) {
        j.flag = std::move(flag);
        j.reason = s.text(col + 2);
      }
    };
    auto set = [&](std::size_t i, joined& j) {
      if (!j.label.empty()) d.label[i] = std::move(j.label);
      d.flag[i] = std::move(j.flag);
      d.reason[i] = std::move(j.reason);
    };
    if (n <= 1000) {  // a few records: look each up by id
      auto& s = statements_.get(
          "SELECT label, flag, reason FROM production_feedback WHERE id = ?1 AND rid IN (0, ?2) ORDER BY time, fid");
      for (std::size_t i = 0; i < n; ++i) {
        s.reset().bind(1, d.ids[i]).bind(2, rid);
        joined j;
        while (s.step()) apply(j, s, 0);
        set(i, j);
      }
      return;
    }
    std::unordered_map<std::string, joined> by_id;
    {
      auto& s = statements_.get(
          "SELECT id, label, flag, reason FROM production_feedback INDEXED BY production_feedback_by_model"
          " WHERE rid IN (0, ?1) ORDER BY time, fid");
      s.reset().bind(1, rid);
      while (s.step()) apply(by_id[s.text(0)], s, 1);
    }
    if (by_id.empty()) return;
    for (std::size_t i = 0; i < n; ++i)
      if (auto it = by_id.find(d.ids[i]); it != by_id.end()) {
        joined j = it->second;  // a copy: the same id may be read twice (e.g. in another window)
        set(i, j);
      }
  }

  sqlite3*& db_;
  sqlite::statement_cache statements_;
  std::map<std::pair<std::int64_t, int>, tail> tails_;
  std::string blob_;
};

// Migration 5: schema 4's rows (production_records, when the store has it) become blocks, in
// insertion order (prid) per model and kind. Read in rowid chunks: a statement left stepping
// would be reset by the inserts (statement_cache resets active statements).
void sqlite_production::convert_v4_records() {
  {
    auto& s = statements_.get("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'production_records'");
    s.reset();
    const bool present = s.step() && s.i64(0) > 0;
    s.reset();
    if (!present) return;
  }
  using nlohmann::json;
  std::int64_t after = 0;
  for (;;) {
    std::vector<production_row> rows;
    {
      auto& s = statements_.get(
          "SELECT prid, rid, kind, id, time, predicted, confidence, probabilities, latency_ms, label, features, tags,"
          " image FROM production_records WHERE prid > ?1 ORDER BY prid LIMIT 4096");
      s.reset().bind(1, after);
      while (s.step()) {
        production_row r;
        after = s.i64(0);
        r.rid = s.i64(1);
        r.kind = static_cast<int>(s.i64(2));
        r.id = s.text(3);
        r.time = s.real(4);
        r.predicted = s.text(5);
        r.confidence = s.opt_real(6);
        const json probabilities = json::parse(s.text(7), nullptr, false);
        if (probabilities.is_array())
          for (const json& p : probabilities)
            r.probabilities.push_back(p.is_number() ? p.get<double>() : std::numeric_limits<double>::quiet_NaN());
        r.latency_ms = s.opt_real(8);
        r.label = s.text(9);
        const json features = json::parse(s.text(10), nullptr, false);
        if (features.is_object())
          for (const auto& [name, value] : features.items()) {
            if (value.is_string())
              r.features.emplace_back(name, value.get<std::string>());
            else
              r.features.emplace_back(name, value.is_number() ? value.get<double>() : std::numeric_limits<double>::quiet_NaN());
          }
        const json tags = json::parse(s.text(11), nullptr, false);
        if (tags.is_object())
          for (const auto& [k, v] : tags.items()) r.tags.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
        r.image = s.text(12);
        rows.push_back(std::move(r));
      }
      s.reset();
    }
    if (rows.empty()) break;
    // One model and kind after another, each in prid order.
    std::stable_sort(rows.begin(), rows.end(), [](const production_row& a, const production_row& b) {
      return std::pair(a.rid, a.kind) < std::pair(b.rid, b.kind);
    });
    insert_records(rows);
  }
  statements_.clear();  // no statement may hold the table being dropped
  if (sqlite3_exec(db_, "DROP TABLE production_records", nullptr, nullptr, nullptr) != SQLITE_OK)
    sqlite::fail(db_, "migration 5: DROP TABLE production_records");
  tails_.clear();
}

}  // namespace

std::unique_ptr<production_tables> make_sqlite_production(sqlite3*& db) {
  return std::make_unique<sqlite_production>(db);
}

}  // namespace tracker::store
