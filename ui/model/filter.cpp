// filter.cpp — filter parsing and matching, and the selection.
#include "model/filter.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cmath>

namespace tracker::ui {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool contains_ci(const std::string& haystack, const std::string& needle_lower) {
  if (needle_lower.empty()) return true;
  return lower(haystack).find(needle_lower) != std::string::npos;
}

// Splits on whitespace; "double quotes" group. Returns false on an unterminated quote.
bool split_terms(std::string_view text, std::vector<std::string>& out) {
  std::string cur;
  bool quoted = false, any = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
      any = true;
    } else if (!quoted && std::isspace(static_cast<unsigned char>(c))) {
      if (any) out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (any) out.push_back(cur);
  return !quoted;
}

bool looks_like_condition(const std::string& t) {
  return t.find_first_of("<>=!") != std::string::npos;
}

std::optional<double> as_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    double v = std::stod(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  return std::nullopt;
}

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

}  // namespace

filter_parse_result parse_filter(std::string_view text) {
  filter_parse_result res;
  std::vector<std::string> words;
  if (!split_terms(text, words)) {
    res.ok = false;
    res.error = "unterminated quote";
    return res;
  }
  for (const std::string& w : words) {
    filter_term t;
    auto prefixed = [&](const char* p) { return w.size() > std::strlen(p) && w.rfind(p, 0) == 0; };
    if (prefixed("tag:")) {
      t.what = filter_term::kind::tag;
      t.text = w.substr(4);
    } else if (prefixed("project:")) {
      t.what = filter_term::kind::project;
      t.text = w.substr(8);
    } else if (prefixed("status:")) {
      auto s = parse_run_status(lower(w.substr(7)));
      if (!s) {
        res.ok = false;
        res.error =
            "unknown status '" + w.substr(7) + "' (running, finished, failed, killed, crashed)";
        return res;
      }
      t.what = filter_term::kind::status;
      t.status = *s;
    } else if (w == "tag:" || w == "status:" || w == "project:") {
      res.ok = false;
      res.error = "'" + w + "' needs a value, e.g. tag:cnn";
      return res;
    } else if (looks_like_condition(w)) {
      try {
        t.cond = tracker::parse_condition(w);
        t.what = filter_term::kind::condition;
      } catch (const std::exception& e) {
        res.ok = false;
        res.error = e.what();
        return res;
      }
    } else {
      t.what = filter_term::kind::text;
      t.text = lower(w);
    }
    res.expr.terms.push_back(std::move(t));
  }
  return res;
}

bool evaluate(const tracker::condition& c, const run_row& row) {
  if (c.on == tracker::condition::subject::config) {
    auto it = row.config.find(c.key);
    if (it == row.config.end()) return false;
    auto rhs = as_number(c.value);
    if (it->second.number && rhs) return compare(*it->second.number, c.op, *rhs);
    return compare(it->second.text, c.op, c.value);
  }
  auto it = row.metrics.find(c.key);
  if (it == row.metrics.end()) return false;
  const metric_summary& m = it->second;
  std::optional<double> v;
  if (c.field == "last" || c.field.empty())
    v = m.last;
  else if (c.field == "min")
    v = m.min;
  else if (c.field == "max")
    v = m.max;
  else if (c.field == "best")
    v = m.best();
  else if (c.field == "count")
    v = static_cast<double>(m.count);
  auto rhs = as_number(c.value);
  return v && rhs && !std::isnan(*v) && compare(*v, c.op, *rhs);
}

bool matches(const run_filter_expr& f, const run_row& row) {
  for (const filter_term& t : f.terms) {
    switch (t.what) {
      case filter_term::kind::text: {
        const run_info& r = row.info;
        bool hit = contains_ci(r.name, t.text) || contains_ci(r.id, t.text) ||
                   contains_ci(r.project, t.text) || contains_ci(r.note, t.text) ||
                   std::any_of(r.tags.begin(), r.tags.end(),
                               [&](const std::string& tag) { return contains_ci(tag, t.text); });
        if (!hit) return false;
        break;
      }
      case filter_term::kind::tag:
        if (std::find(row.info.tags.begin(), row.info.tags.end(), t.text) == row.info.tags.end())
          return false;
        break;
      case filter_term::kind::project:
        if (row.info.project != t.text) return false;
        break;
      case filter_term::kind::status:
        if (row.info.status != t.status) return false;
        break;
      case filter_term::kind::condition:
        if (!evaluate(t.cond, row)) return false;
        break;
    }
  }
  return true;
}

std::vector<std::size_t> apply_filter(const run_filter_expr& f, const catalog& cat) {
  std::vector<std::size_t> out;
  out.reserve(cat.runs.size());
  for (std::size_t i = 0; i < cat.runs.size(); ++i)
    if (f.empty() || matches(f, cat.runs[i])) out.push_back(i);
  return out;
}

// ---- selection ---------------------------------------------------------------------------------

void selection::click(const std::string& id, click_modifiers mods,
                      const std::vector<std::string>& visible) {
  if (mods.shift && !anchor_.empty()) {
    auto a = std::find(visible.begin(), visible.end(), anchor_);
    auto b = std::find(visible.begin(), visible.end(), id);
    if (a != visible.end() && b != visible.end()) {
      if (a > b) std::swap(a, b);
      if (!mods.ctrl) ids_.clear();
      for (auto it = a; it <= b; ++it) ids_.insert(*it);
      return;  // the anchor stays where the range started
    }
  }
  if (mods.ctrl)
    toggle(id);
  else
    ids_ = {id};
  anchor_ = id;
}

void selection::select_all(const std::vector<std::string>& visible) {
  ids_.insert(visible.begin(), visible.end());
}
void selection::set(std::vector<std::string> ids) {
  ids_ = std::set<std::string>(ids.begin(), ids.end());
  anchor_ = ids.empty() ? "" : ids.front();
}
void selection::clear() {
  ids_.clear();
  anchor_.clear();
}
void selection::toggle(const std::string& id) {
  if (!ids_.erase(id)) ids_.insert(id);
}
void selection::retain(const catalog& cat) {
  for (auto it = ids_.begin(); it != ids_.end();)
    it = cat.find(*it) ? std::next(it) : ids_.erase(it);
}

std::vector<std::string> selection::ordered(const catalog& cat) const {
  std::vector<std::string> out;
  for (const run_row& r : cat.runs)
    if (ids_.count(r.info.id)) out.push_back(r.info.id);
  return out;
}

}  // namespace tracker::ui
