// production_tables.hpp — the storage interface for production monitoring (prediction and
// reference records, feedback, model classes). Part of a backend (backend::production()), on
// the backend's connection and inside its transactions. See docs/store.md for the tables.
//
// Thread safety and errors as backend: one thread at a time; throws tracker::error.
#pragma once

#include <tracker/production.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tracker::store {

// One prediction or reference record as stored, as its front end validated it.
struct production_row {
  std::int64_t rid = 0;
  int kind = 0;  // production::record_kind
  std::string id;
  double time = 0;
  std::string predicted;
  std::optional<double> confidence;
  std::vector<double> probabilities;  // empty = none
  std::optional<double> latency_ms;
  std::string label;
  std::vector<std::pair<std::string, production::feature_value>> features;  // NaN / "" = missing
  std::vector<std::pair<std::string, std::string>> tags;
  std::string image;
};

struct feedback_row {
  std::string id;
  std::int64_t rid = 0;  // 0 = any model
  double time = 0;
  std::string label;
  std::string flag;
  std::string reason;
};

class production_tables {
 public:
  virtual ~production_tables() = default;

  // Inserts inside the caller's write transaction; rows whose (rid, kind, id) is already
  // stored are skipped. Returns how many were new.
  virtual std::size_t insert_records(const std::vector<production_row>& rows) = 0;
  // Deletes every record of one model and kind (a reference set being replaced).
  virtual void delete_records(std::int64_t rid, int kind) = 0;
  // Identical feedback (same id, model, label, flag, reason) is stored once. Returns new rows.
  virtual std::size_t insert_feedback(const std::vector<feedback_row>& rows) = 0;
  // Records of one model and kind with time in [since, until], oldest first (time, then
  // insertion order); with last, only the newest `last` of them. Fills out's record columns
  // (ids to features, as production::dataset documents them, feedback joined); leaves
  // out.model and out.kind alone.
  virtual void read_records(std::int64_t rid, int kind, double since, double until, std::optional<std::size_t> last,
                            production::dataset& out) = 0;
  virtual void set_model_classes(std::int64_t rid, const std::string& classes_json) = 0;
  virtual std::optional<std::string> model_classes(std::int64_t rid) = 0;
  // gc: rows of deleted runs.
  virtual void purge(const std::vector<std::int64_t>& rids) = 0;

  // Migration 5, inside its transaction: schema 4's production_records (when there) become
  // blocks and ids, and the old table is dropped.
  virtual void convert_v4_records() = 0;
  // The write transaction was rolled back: state cached from it is void.
  virtual void rolled_back() noexcept = 0;
};

}  // namespace tracker::store
