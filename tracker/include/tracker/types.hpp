// tracker/types.hpp — plain data types shared by the logging API, the query API and the CLI.
//
// Nothing here does I/O or owns a thread; every type is a value you may copy freely.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tracker {

// ---------------------------------------------------------------------------------------------
// Errors (the setup regime). Opening a store, creating a run, changing config: these throw
// tracker::error with a stable code and a message that says what to do. The logging path
// (run::log) never throws: see set_error_handler() in tracker.hpp.
// ---------------------------------------------------------------------------------------------
enum class error_code : std::uint8_t {
  invalid_argument = 1,  // a bad key, name, option or expression
  store_open_failed,     // the directory or database could not be opened or created
  schema_too_new,        // the store was written by a newer tracker; upgrade tracker
  store_corrupt,         // the database is not a tracker store or is damaged
  io_error,              // SQLite or the file system failed while reading or writing
  config_conflict,       // a config key was set again with a different value
  run_not_found,         // no run matches the id / name / "latest"
  run_ambiguous,         // a name matches several runs; use the id
  run_exists,            // init() with an id that exists and resume == never
  run_closed,            // the run was finished; setup calls are refused
  timeout,               // flush() or finish() could not commit within the bound
};

// Stable, lower-case name of a code ("schema_too_new"), for messages and JSON.
const char* to_string(error_code code) noexcept;

class error : public std::runtime_error {
 public:
  error(error_code code, const std::string& message) : std::runtime_error(message), code_(code) {}
  error_code code() const noexcept { return code_; }

 private:
  error_code code_;
};

// ---------------------------------------------------------------------------------------------
// Metric goals: which direction is "best" (like W&B's define_metric(summary="max")).
// ---------------------------------------------------------------------------------------------
enum class goal : std::uint8_t {
  none = 0,      // no best value is reported
  minimize = 1,  // best = min (losses, errors)
  maximize = 2,  // best = max (accuracy, F1, ...)
};

const char* to_string(goal g) noexcept;

// The goal inferred from a key when none was declared: "*loss*", "*error*", "*err", "*mse*",
// "*mae*", "*perplexity*" minimize; "*acc*", "*f1*", "*precision*", "*recall*", "*auc*",
// "*iou*", "*map*", "*score*" maximize; anything else has no goal.
goal infer_goal(const std::string& key) noexcept;

// ---------------------------------------------------------------------------------------------
// Run status. Stored values are running / finished / failed / killed; readers additionally
// report "crashed" for a run whose process died without a word (see run_info::status).
// ---------------------------------------------------------------------------------------------
enum class run_status : std::uint8_t { running, finished, failed, killed, crashed };

const char* to_string(run_status s) noexcept;
std::optional<run_status> parse_run_status(const std::string& s) noexcept;

// Everything the store knows about one run, as readers see it.
struct run_info {
  std::string id;       // short random id, unique in the store ("k3v9x2qa")
  std::string project;  // grouping, "default" unless set
  std::string name;     // readable, not necessarily unique ("brisk-otter-3")
  run_status status = run_status::running;         // effective: stale "running" reads "crashed"
  run_status stored_status = run_status::running;  // what the writer last recorded
  std::string status_reason;  // failure message, signal name, or why it reads as crashed
  double created_at = 0;      // unix seconds
  std::optional<double> ended_at;
  double heartbeat_at = 0;        // last sign of life from the writing process
  double heartbeat_interval = 0;  // seconds between heartbeats the writer promised
  std::string host;
  std::int64_t pid = 0;
  std::string git_commit;  // empty when the working directory was not a git checkout
  std::string git_branch;
  std::string note;
  std::vector<std::string> tags;  // sorted
  std::string config_json;        // the run's config as a JSON object (text, to keep json out)
  bool deleted = false;
};

// Per-metric summary, maintained by the writer in the same transaction as the points.
// Non-finite values (NaN, +-Inf) are stored and counted but ignored by min/max/best.
struct metric_summary {
  std::string key;
  goal metric_goal = goal::none;
  std::int64_t count = 0;      // every point, finite or not
  std::int64_t nonfinite = 0;  // NaN / +-Inf points among count
  std::optional<double> min;   // over finite values; empty if none
  std::optional<double> max;
  double last = 0;  // value at the highest step (a later log wins a tie); may be NaN
  std::int64_t last_step = 0;
  double last_time = 0;  // unix seconds of that point
  std::int64_t first_step = 0;
  // best = min or max according to metric_goal; empty for goal::none or no finite value.
  std::optional<double> best() const {
    if (metric_goal == goal::minimize) return min;
    if (metric_goal == goal::maximize) return max;
    return std::nullopt;
  }
};

// One raw metric point. NaN is stored as SQL NULL and read back as NaN.
struct point {
  std::int64_t step = 0;
  double time = 0;  // unix seconds
  double value = 0;
};

// One bucket of a down-sampled series: what a chart needs to draw a pixel column without
// hiding spikes. Steps [step_begin, step_end] are the bucket's range; count, min, max, last
// and the times cover exactly the points with a step in that range. last_step is the highest
// step actually present. min/max ignore non-finite values (empty if the bucket has none).
struct bucket {
  std::int64_t step_begin = 0;
  std::int64_t step_end = 0;
  std::int64_t count = 0;
  std::optional<double> min;
  std::optional<double> max;
  double last = 0;
  std::int64_t last_step = 0;
  double first_time = 0;  // unix seconds of the earliest and latest point in the bucket
  double last_time = 0;   // (for charts over wall time or time since the run started)
};

// New points of one series since a cursor (reader::points_after): what a live chart appends.
struct point_batch {
  std::vector<point> points;  // in insertion order, which is not necessarily step order
  std::int64_t cursor = 0;    // pass it back to read only what was written after these
  bool more = false;          // the limit was reached: call again for the rest
};

// Points of every series written since a cursor (reader::points_since): one poll of a live
// viewer, whatever the number of runs and keys.
struct series_points {
  std::string run_id;
  std::string key;
  std::vector<point> points;  // in insertion order
};
struct point_changes {
  std::vector<series_points> series;  // series that got points, in order of first new point
  std::int64_t cursor = 0;            // pass it back next time
  bool more = false;                  // the limit was reached: call again for the rest
};

// A stored object without its body (reader::object_index): enough to list and choose.
struct object_info {
  std::string key;
  std::string kind;
  std::int64_t step = 0;
  double time = 0;
  std::int64_t size = 0;  // bytes of the JSON body
};

// A stored object (confusion matrix, table, histogram, ...): JSON body plus metadata.
// Media files it references live under the store's media/ directory, by relative path.
struct object_record {
  std::string key;
  std::string kind;  // "confusion_matrix", "table", "histogram", ...
  std::int64_t step = 0;
  double time = 0;
  std::string body_json;
};

}  // namespace tracker
