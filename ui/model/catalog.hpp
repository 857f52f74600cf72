// catalog.hpp — the runs of a store as the viewer holds them: one immutable snapshot of run
// metadata, flattened config and metric summaries, plus the column/sort/group/colour helpers
// that the runs table and the charts share.
//
// A catalog is built on the loader thread and handed to the frame as shared_ptr<const catalog>;
// nothing mutates it afterwards, so the frame reads it without a lock.
#pragma once

#include <tracker/types.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tracker::ui {

struct config_value {
  std::string text;              // as shown (strings without quotes)
  std::optional<double> number;  // when the JSON value is a number (or a bool: 0/1)
};

struct run_row {
  run_info info;
  std::uint32_t color = 0;                        // see assign_colors(); IM_COL32 layout
  std::map<std::string, metric_summary> metrics;  // by key
  std::map<std::string, config_value> config;     // flattened "a.b" keys
  // Seconds from creation to the end, or to the last sign of life of a live run.
  double duration() const;
  bool live() const { return info.status == run_status::running; }
};

struct catalog {
  std::vector<run_row> runs;             // newest first
  std::vector<std::string> metric_keys;  // union over runs, sorted
  std::vector<std::string> config_keys;  // union over runs, sorted
  std::map<std::string, std::size_t> by_id;
  std::uint64_t data_version = 0;

  const run_row* find(const std::string& id) const;
  // Resolves what a user types: an id, a unique name, or "latest". Empty when none or several.
  std::optional<std::string> resolve(const std::string& ref, std::string* why = nullptr) const;
};

catalog build_catalog(std::vector<run_info> runs,
                      std::map<std::string, std::vector<metric_summary>> summaries,
                      std::uint64_t data_version);

// ---- columns and sorting -------------------------------------------------------------------

enum class column_kind : std::uint8_t {
  name,
  id,
  project,
  status,
  tags,
  created,
  duration,
  config,
  metric
};
enum class summary_field : std::uint8_t { last, min, max, best };

const char* to_string(summary_field f) noexcept;

struct column_ref {
  column_kind kind = column_kind::name;
  std::string key;                            // config or metric key
  summary_field field = summary_field::last;  // metric columns only
  std::string label() const;                  // "lr", "val/acc (best)"
  bool operator==(const column_ref&) const = default;
};
inline column_ref column(column_kind kind, std::string key = {},
                         summary_field field = summary_field::last) {
  column_ref c;
  c.kind = kind;
  c.key = std::move(key);
  c.field = field;
  return c;
}

struct sort_spec {
  column_ref column;
  bool ascending = true;
};

// A cell value as the table shows and sorts it.
struct cell {
  std::string text;
  std::optional<double> number;  // sorts numerically when set
  bool missing = true;
};
cell cell_of(const run_row& row, const column_ref& col);

// Sorts indices into catalog.runs by the specs in order (the first spec is the primary key).
// Missing values go last in either direction; ties keep the catalog's order (newest first).
void sort_rows(std::vector<std::size_t>& order, const catalog& cat,
               const std::vector<sort_spec>& specs);

// ---- grouping ----------------------------------------------------------------------------------

struct group_by {
  enum class kind : std::uint8_t { none, project, config } by = kind::none;
  std::string key;  // config key
};

struct row_group {
  std::string label;              // "project: fashion", "lr = 0.001", "(missing)"
  std::vector<std::size_t> rows;  // indices into catalog.runs, in the given order
};

// Groups the (already filtered and sorted) order; groups appear in order of their first row.
std::vector<row_group> group_rows(const std::vector<std::size_t>& order, const catalog& cat,
                                  const group_by& g);

// ---- colours ---------------------------------------------------------------------------------

// Run colours come from a palette of 20 colours chosen to be told apart on the dark theme.
// A run's preferred slot is a hash of its id; runs are assigned oldest first and a run whose
// slot is taken moves to the next free one (until all 20 are used, then slots repeat). So a
// run keeps its colour in every view and session, adding newer runs never changes an older
// run's colour, and the first 20 runs of a store never share one.
// Packed like ImGui's IM_COL32: R | G<<8 | B<<16 | A<<24.
constexpr std::size_t palette_size = 20;
std::uint32_t palette_color(std::size_t slot);
std::size_t preferred_slot(const std::string& id);
void assign_colors(std::vector<run_row>& runs_newest_first);
// The preferred colour of an id alone (for runs not in a catalog).
std::uint32_t run_color(const std::string& id);
// A colour for a group label (same rule, different salt).
std::uint32_t group_color(const std::string& label);
std::uint32_t with_alpha(std::uint32_t rgba, float alpha);

}  // namespace tracker::ui
