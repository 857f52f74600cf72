// filter.hpp — the runs filter box and the run selection.
//
// Filter syntax: whitespace-separated terms, all of which must hold.
//   free text            substring (case-insensitive) of name, id, project, a tag or the note
//   tag:T                the run has tag T
//   status:S             effective status (running|finished|failed|killed|crashed)
//   project:P            the run's project is P
//   KEY OP VALUE         the CLI's condition syntax (tracker::parse_condition):
//                        val/accuracy>=0.85  train/loss.min<0.3  config.lr=0.001
// "quoted text" keeps spaces inside a term. A bad term gives an error message and no filter,
// never an exception.
#pragma once

#include "model/catalog.hpp"

#include <tracker/query.hpp>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::ui {

struct filter_term {
  enum class kind : std::uint8_t { text, tag, status, project, condition } what = kind::text;
  std::string text;  // lower-cased for kind::text
  run_status status = run_status::running;
  tracker::condition cond;
};

struct run_filter_expr {
  std::vector<filter_term> terms;
  bool empty() const { return terms.empty(); }
};

struct filter_parse_result {
  bool ok = true;
  std::string error;  // shown under the filter box
  run_filter_expr expr;
};

filter_parse_result parse_filter(std::string_view text);
bool matches(const run_filter_expr& f, const run_row& row);
// Indices into cat.runs that match, in catalog order.
std::vector<std::size_t> apply_filter(const run_filter_expr& f, const catalog& cat);

// Evaluates a condition against a catalog row, with the semantics of reader::evaluate (config:
// numeric when both sides are numbers, else text; metrics: field last|min|max|best|count).
bool evaluate(const tracker::condition& c, const run_row& row);

// ---- selection ---------------------------------------------------------------------------------

struct click_modifiers {
  bool shift = false;  // extend from the anchor over the visible order
  bool ctrl = false;   // toggle one run
};

// The set of selected run ids. The selection drives the charts; it survives catalog refreshes
// (ids are stable) and filtering (a hidden run stays selected, as in W&B).
class selection {
 public:
  // A click on run `id` in a table whose rows are `visible` (top to bottom):
  // plain click selects only it; ctrl toggles it; shift selects anchor..id (added to the
  // selection with ctrl+shift, replacing it with shift alone).
  void click(const std::string& id, click_modifiers mods, const std::vector<std::string>& visible);
  void select_all(const std::vector<std::string>& visible);  // adds every visible run
  void set(std::vector<std::string> ids);
  void clear();
  void toggle(const std::string& id);
  // Drops ids that no longer exist (deleted runs).
  void retain(const catalog& cat);

  bool contains(const std::string& id) const { return ids_.count(id) > 0; }
  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }
  const std::set<std::string>& ids() const { return ids_; }
  const std::string& anchor() const { return anchor_; }
  // Selected ids in catalog order (newest first), for legends and charts.
  std::vector<std::string> ordered(const catalog& cat) const;

 private:
  std::set<std::string> ids_;
  std::string anchor_;
};

}  // namespace tracker::ui
