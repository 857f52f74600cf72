// samples.cpp — see samples.hpp.
#include "model/samples.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace tracker::ui {

namespace {

std::optional<std::size_t> find_any(const std::vector<metrics::column>& cols,
                                    std::initializer_list<const char*> names) {
  for (const char* n : names)
    for (std::size_t i = 0; i < cols.size(); ++i)
      if (cols[i].name == n && cols[i].type != metrics::column_type::image) return i;
  return std::nullopt;
}

bool missing(const metrics::cell& c) {
  if (std::holds_alternative<std::monostate>(c)) return true;
  if (auto d = std::get_if<double>(&c)) return std::isnan(*d);
  return false;
}

}  // namespace

std::optional<sample_table> parse_table(const std::string& body_json, std::string* why) {
  try {
    metrics::table t = metrics::table::from_json(nlohmann::json::parse(body_json));
    sample_table out;
    out.columns = t.columns();
    out.rows = t.rows();
    for (std::size_t i = 0; i < out.columns.size(); ++i)
      if (out.columns[i].type == metrics::column_type::image) {
        out.image = i;
        break;
      }
    out.truth =
        find_any(out.columns, {"true", "true_label", "label", "target", "y_true", "actual"});
    out.predicted =
        find_any(out.columns, {"predicted", "predicted_label", "pred", "prediction", "y_pred"});
    out.loss = find_any(out.columns, {"loss"});
    out.confidence = find_any(out.columns, {"confidence", "prob", "probability", "p", "score"});
    return out;
  } catch (const std::exception& e) {
    if (why) *why = e.what();
    return std::nullopt;
  }
}

table_query default_query(const sample_table& t) {
  table_query q;
  if (t.loss) {
    q.sort_column = int(*t.loss);
    q.descending = true;
  }
  return q;
}

std::vector<std::size_t> query_rows(const sample_table& t, const table_query& q) {
  std::vector<std::size_t> rows;
  auto text_is = [&](std::size_t r, std::optional<std::size_t> col, const std::string& want) {
    if (want.empty()) return true;
    if (!col) return false;
    const metrics::cell& c = t.rows[r][*col];
    if (auto s = std::get_if<std::string>(&c)) return *s == want;
    return cell_text(c) == want;
  };
  for (std::size_t r = 0; r < t.rows.size(); ++r)
    if (text_is(r, t.truth, q.truth) && text_is(r, t.predicted, q.predicted)) rows.push_back(r);
  if (q.sort_column < 0 || std::size_t(q.sort_column) >= t.columns.size()) return rows;
  const std::size_t col = std::size_t(q.sort_column);
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    const metrics::cell& x = t.rows[a][col];
    const metrics::cell& y = t.rows[b][col];
    bool mx = missing(x), my = missing(y);
    if (mx || my) return !mx && my;  // missing last, whatever the direction
    if (x.index() != y.index()) return x.index() < y.index();
    bool less, greater;
    if (auto dx = std::get_if<double>(&x)) {
      double dy = std::get<double>(y);
      less = *dx < dy;
      greater = *dx > dy;
    } else {
      const auto& sx = std::get<std::string>(x);
      const auto& sy = std::get<std::string>(y);
      less = sx < sy;
      greater = sx > sy;
    }
    return q.descending ? greater : less;
  });
  return rows;
}

std::vector<std::string> distinct_text(const sample_table& t, std::size_t column) {
  std::set<std::string> v;
  for (const auto& row : t.rows)
    if (column < row.size() && !missing(row[column])) v.insert(cell_text(row[column]));
  return {v.begin(), v.end()};
}

std::string cell_text(const metrics::cell& c) {
  if (std::holds_alternative<std::monostate>(c)) return "";
  if (auto s = std::get_if<std::string>(&c)) return *s;
  double d = std::get<double>(c);
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Inf" : "-Inf";
  char buf[32];
  if (d == std::floor(d) && std::abs(d) < 1e15)
    std::snprintf(buf, sizeof buf, "%.0f", d);
  else
    std::snprintf(buf, sizeof buf, "%.4g", d);
  return buf;
}

}  // namespace tracker::ui
