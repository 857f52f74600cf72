// tracker/production.hpp — what a deployed model saw and answered, and what its users said
// back, stored next to the training run that made the model.
//
//   namespace prod = tracker::production;
//   prod::store s = prod::store::open("tracker-store");
//   prod::model_info m = s.model("fashion-cnn");            // run id, name or "latest"
//   prod::record r;
//   r.id = "req-17"; r.predicted = "Shirt"; r.probabilities = {...};
//   r.features = {{"brightness", 0.71}, {"source", std::string("upload")}};
//   s.write(m, prod::record_kind::prediction, {r});          // all or nothing, committed
//   s.write_feedback({{.id = "req-17", .label = "Coat"}});  // joins on the id, in any order
//
//   tracker::reader rd = tracker::reader::open("tracker-store");
//   prod::dataset cur = prod::read(rd, m.run_id, prod::record_kind::prediction, {.last = 1000});
//
// Three kinds of rows, all keyed by the model's run:
//   * prediction records — one per answered request (production traffic);
//   * reference records  — the same shape plus the true label: what the model saw and answered
//                          in validation, the baseline production is compared with (drift);
//   * feedback           — a true label and/or a flag for a prediction id. It may arrive before
//                          its prediction; it joins whenever both are there.
// A record's id is unique per model and kind: writing the same id again is ignored and counted
// as a duplicate, so a client may retry a batch whose answer it never got.
//
// Errors: tracker::error; a bad record throws record_error naming the record and field, and
// nothing of that write is stored.
#pragma once

#include <tracker/types.hpp>

#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tracker {
class reader;
}

namespace tracker::production {

// A feature value: a number (NaN = missing) or a category ("" = missing).
using feature_value = std::variant<double, std::string>;

enum class record_kind : std::uint8_t { prediction = 0, reference = 1 };
const char* to_string(record_kind k) noexcept;  // "prediction", "reference"

struct record {
  std::string id;     // required: 1..256 bytes, no control characters
  double time = 0;    // unix seconds; 0 = when it is written
  std::vector<std::pair<std::string, feature_value>> features;  // names unique, 1..256 bytes
  std::string predicted;               // predicted class name (required)
  std::vector<double> probabilities;   // optional; entry i = the model's class i, each in [0, 1]
  std::optional<double> confidence;    // optional, in [0, 1]; default: the predicted class's probability
  std::optional<double> latency_ms;    // optional, >= 0
  std::vector<std::pair<std::string, std::string>> tags;
  std::string label;      // the true class: required in reference records, empty in predictions
  std::string image_png;  // input: PNG bytes to store in media/ (at most limits::max_image_bytes)
  std::string image;      // output: the stored image's path, relative to the store directory
};

struct feedback {
  std::string id;      // the prediction's id (required)
  std::string label;   // the true class, if the user gave one
  std::string flag;    // e.g. "incorrect" ("" = no flag); a feedback needs a label or a flag
  std::string reason;  // free text that came with the flag
  double time = 0;     // unix seconds; 0 = when it is written
};

// Bounds on what one record may hold (server, import and client all apply these).
struct limits {
  static constexpr std::size_t max_id_bytes = 256;
  static constexpr std::size_t max_name_bytes = 256;        // feature, tag and class names
  static constexpr std::size_t max_text_bytes = 4096;       // category values, tag values, reasons
  static constexpr std::size_t max_features = 1000;
  static constexpr std::size_t max_classes = 10'000;
  static constexpr std::size_t max_image_bytes = 4 << 20;   // 4 MiB of PNG
};

// A record (or feedback) that failed validation: index in the write, and the field's path
// ("features.brightness", "prediction.probabilities[3]"). what() reads
// "record 3: prediction.label: unknown class 'Sock' (the model's classes are ...)".
class record_error : public error {
 public:
  record_error(std::size_t index, std::string field, const std::string& message);
  std::size_t index() const noexcept { return index_; }
  const std::string& field() const noexcept { return field_; }
  const std::string& reason() const noexcept { return reason_; }  // the message without the prefix

 private:
  std::size_t index_;
  std::string field_;
  std::string reason_;
};

// The model a production record belongs to: a training run, and the classes it predicts
// (from the reference set, or from the run's latest confusion matrix; empty if neither).
struct model_info {
  std::string run_id;
  std::string run_name;
  std::vector<std::string> classes;  // class i's name; maps label indices to names
};

struct write_result {
  std::size_t accepted = 0;    // records (or feedback) now stored
  std::size_t duplicates = 0;  // ids that were already stored (ignored)
};

// ---- JSON (the HTTP API and `tracker import` share this shape; see docs/http.md) -------------
//   {"id":"r-1","timestamp":"2026-11-22T10:00:00Z","features":{"brightness":0.71,"source":"upload"},
//    "prediction":{"label":"Shirt","probabilities":[...],"confidence":0.9},"latency_ms":12.5,
//    "tags":{"env":"prod"},"image":"<base64 PNG>","label":"Coat"}
// Labels may be class names or indices into model.classes; timestamps ISO-8601 (with Z or an
// offset) or unix seconds; a feature value null means missing. Throws record_error(index, ...).
record record_from_json(const nlohmann::json& j, record_kind kind, const model_info& model, std::size_t index);
feedback feedback_from_json(const nlohmann::json& j, const model_info* model, std::size_t index);
nlohmann::json to_json(const record& r);  // image_png as base64 under "image"
nlohmann::json to_json(const feedback& f);

// ISO-8601 ("2026-11-22T10:00:00Z", "...T10:00:00.5+01:00", "2026-11-22") or unix seconds as
// text, to unix seconds. nullopt when it is neither.
std::optional<double> parse_time(const std::string& text);

// Checks a record against the rules above (and model.classes when known); normalizes an index
// label to its class name and fills confidence from the probabilities. Throws record_error.
void validate(record& r, record_kind kind, const model_info& model, std::size_t index);
void validate(feedback& f, const model_info* model, std::size_t index);

// ---- writing -------------------------------------------------------------------------------

class store;
}  // namespace tracker::production
namespace tracker::detail {  // the project's own front ends, which validate first (src/production_write.hpp)
production::write_result write_validated(production::store& s, const production::model_info& model,
                                         production::record_kind kind, std::vector<production::record> records);
}  // namespace tracker::detail
namespace tracker::production {
// A read-write handle on a store for production data. Thread-safe: concurrent writes from many
// threads (the HTTP server's) are committed together, one transaction for all that are waiting
// (group commit), and each write returns once its records are committed.
class store {
 public:
  static store open(const std::string& location,
                    std::chrono::milliseconds lock_timeout = std::chrono::seconds(30));
  store(store&&) noexcept;
  store& operator=(store&&) noexcept;
  ~store();

  const std::string& location() const;
  // The schema version of the open store (docs/store.md); open() migrated it to this build's.
  int schema_version() const;

  // A training run by id, name (when unique) or "latest"; throws run_not_found.
  model_info model(const std::string& ref);
  // Records the classes a model predicts (class i = classes[i]); the reference recorder calls it.
  void set_classes(const std::string& run_id, const std::vector<std::string>& classes);

  // Validates every record (record_error: nothing stored), stores images in media/, then
  // commits all records in one transaction. Returns once committed.
  write_result write(const model_info& model, record_kind kind, std::vector<record> records);
  // The same, replacing every reference record the model had, in the same transaction (the
  // reference is what the latest validation pass saw).
  write_result replace_reference(const model_info& model, std::vector<record> records);
  // Feedback joins on the prediction id, of any model (or of model when given).
  write_result write_feedback(std::vector<feedback> items, const model_info* model = nullptr);

 private:
  friend write_result tracker::detail::write_validated(production::store&, const production::model_info&,
                                                      production::record_kind, std::vector<production::record>);
  struct impl;
  explicit store(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

// ---- reading -------------------------------------------------------------------------------
// Which records: all, a time range (unix seconds, inclusive), and/or only the newest `last`.
struct window {
  std::optional<double> since;
  std::optional<double> until;
  std::optional<std::size_t> last;
};

// One feature across the rows of a dataset. A feature is numeric when every present value is a
// number, else categorical (numbers then read as their shortest text, "0.5").
struct feature_column {
  std::string name;
  bool numeric = true;
  std::vector<double> numbers;       // numeric: one per row, NaN = missing
  std::vector<std::string> categories;  // categorical: one per row, "" = missing
};

// Records of one model and kind, column by column, oldest first. For predictions, label, flag
// and reason come from the joined feedback (the latest feedback with a label gives the label,
// the latest with a flag gives flag and reason); "" where none.
struct dataset {
  model_info model;
  record_kind kind = record_kind::prediction;
  std::vector<std::string> ids;
  std::vector<double> times;
  std::vector<std::string> predicted;
  std::vector<double> confidence;            // NaN where unknown
  std::vector<double> latency_ms;            // NaN where unknown
  std::vector<std::string> label;            // true class, "" unknown
  std::vector<std::string> flag;
  std::vector<std::string> reason;
  std::vector<std::string> image;            // path relative to the store directory, "" none
  std::vector<feature_column> features;      // sorted by name
  std::size_t size() const { return ids.size(); }
};

dataset read(const reader& from, const std::string& run_ref, record_kind kind, const window& w = {});
// The model a run reference names, with its classes (read-only).
model_info read_model(const reader& from, const std::string& run_ref);

}  // namespace tracker::production
