// sqlite_production.cpp — the SQLite implementation of store::production_tables, on the
// connection of the sqlite_backend that owns it (so its writes share that transaction).
#include "store/sqlite_production.hpp"

#include "store/sqlite_statement.hpp"

#include <algorithm>
#include <limits>

namespace tracker::store {
namespace {

using sqlite::statement;

class sqlite_production final : public production_tables {
 public:
  explicit sqlite_production(sqlite3*& db) : db_(db), statements_(db) {}
  ~sqlite_production() override { statements_.clear(); }

  std::size_t insert_records(const std::vector<production_row>& rows) override {
    auto& s = statements_.get(
        "INSERT OR IGNORE INTO production_records(rid, kind, id, time, predicted, confidence,"
        " probabilities, latency_ms, label, features, tags, image)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    std::size_t added = 0;
    for (const production_row& r : rows) {
      s.reset().bind(1, r.rid).bind(2, r.kind).bind(3, r.id).bind(4, r.time).bind(5, r.predicted);
      s.bind(6, r.confidence);
      text_or_null(s, 7, r.probabilities_json);
      s.bind(8, r.latency_ms).bind(9, r.label).bind(10, r.features_json);
      text_or_null(s, 11, r.tags_json);
      s.bind(12, r.image).run();
      added += static_cast<std::size_t>(sqlite3_changes(db_));
    }
    return added;
  }

  void delete_records(std::int64_t rid, int kind) override {
    statements_.get("DELETE FROM production_records WHERE rid = ?1 AND kind = ?2").reset().bind(1, rid).bind(2, kind).run();
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

  std::vector<joined_production_row> read_records(std::int64_t rid, int kind, double since, double until,
                                                  std::optional<std::size_t> last) override {
    // Feedback of this model or of any model (rid 0); the latest by time, then arrival.
    static const std::string columns =
        "SELECT p.prid, p.id, p.time, p.predicted, p.confidence, p.probabilities, p.latency_ms, p.label,"
        " p.features, p.tags, p.image,"
        " (SELECT f.label FROM production_feedback f WHERE f.id = p.id AND f.rid IN (0, p.rid)"
        "   AND f.label <> '' ORDER BY f.time DESC, f.fid DESC LIMIT 1),"
        " (SELECT f.flag || char(31) || f.reason FROM production_feedback f WHERE f.id = p.id"
        "   AND f.rid IN (0, p.rid) AND f.flag <> '' ORDER BY f.time DESC, f.fid DESC LIMIT 1)"
        " FROM production_records p WHERE p.rid = ?1 AND p.kind = ?2 AND p.time BETWEEN ?3 AND ?4";
    auto& s = last ? statements_.get(columns + " ORDER BY p.time DESC, p.prid DESC LIMIT ?5")
                   : statements_.get(columns + " ORDER BY p.time, p.prid");
    s.reset().bind(1, rid).bind(2, kind).bind(3, since).bind(4, until);
    if (last)
      s.bind(5, static_cast<std::int64_t>(std::min<std::size_t>(*last, std::numeric_limits<std::int64_t>::max())));
    std::vector<joined_production_row> out;
    while (s.step()) {
      joined_production_row j;
      production_row& r = j.row;
      r.rid = rid;
      r.kind = kind;
      r.id = s.text(1);
      r.time = s.real(2);
      r.predicted = s.text(3);
      r.confidence = s.opt_real(4);
      r.probabilities_json = s.text(5);
      r.latency_ms = s.opt_real(6);
      r.label = s.text(7);
      r.features_json = s.text(8);
      r.tags_json = s.text(9);
      r.image = s.text(10);
      j.feedback_label = s.text(11);
      std::string flag = s.text(12);
      if (auto sep = flag.find('\x1f'); sep != std::string::npos) {
        j.reason = flag.substr(sep + 1);
        flag.resize(sep);
      }
      j.flag = std::move(flag);
      out.push_back(std::move(j));
    }
    if (last) std::reverse(out.begin(), out.end());
    return out;
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
      statements_.get("DELETE FROM production_records WHERE rid = ?1").reset().bind(1, rid).run();
      statements_.get("DELETE FROM production_feedback WHERE rid = ?1").reset().bind(1, rid).run();
      statements_.get("DELETE FROM production_models WHERE rid = ?1").reset().bind(1, rid).run();
    }
  }

 private:
  static void text_or_null(statement& s, int i, const std::string& v) {
    if (v.empty())
      s.bind_null(i);
    else
      s.bind(i, v);
  }

  sqlite3*& db_;
  sqlite::statement_cache statements_;
};

}  // namespace

std::unique_ptr<production_tables> make_sqlite_production(sqlite3*& db) {
  return std::make_unique<sqlite_production>(db);
}

}  // namespace tracker::store
