// metrics.cpp — see tracker/metrics.hpp. The pure computation; the log_* wrappers that put
// its results into a run are in metrics_logging.cpp.
//
// [SECTION] index
//   helpers (errors, body versions)
//   confusion_matrix
//   classification report, most_confused
//   histograms
//   tables
//   epoch_average
#include <tracker/metrics.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <utility>

namespace tracker::metrics {

namespace {

// ---- helpers ---------------------------------------------------------------------------------

[[noreturn]] void invalid(const std::string& message) {
  throw tracker::error(error_code::invalid_argument, message);
}

// Every body carries "version"; a missing one reads as 1 (hand-written bodies), a newer one is
// refused so an old reader never misreads a format it does not know.
void check_version(const nlohmann::json& body, std::string_view kind) {
  if (!body.is_object())
    invalid(std::string(kind) + " body must be a JSON object, got " + body.type_name());
  auto it = body.find("version");
  if (it == body.end()) return;
  if (!it->is_number_integer() && !it->is_number_unsigned())
    invalid(std::string(kind) + " body: \"version\" must be an integer");
  const auto v = it->get<std::int64_t>();
  if (v < 1 || v > body_version)
    invalid(std::string(kind) + " body has version " + std::to_string(v) +
            ", this tracker reads up to version " + std::to_string(body_version) +
            " (upgrade tracker to read it)");
}

const nlohmann::json& member(const nlohmann::json& body, const char* name, std::string_view kind) {
  auto it = body.find(name);
  if (it == body.end()) invalid(std::string(kind) + " body has no \"" + name + "\"");
  return *it;
}

// A JSON count: a non-negative integer (an integral float such as 5.0 is accepted too).
std::int64_t json_count(const nlohmann::json& v, const std::string& what) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      invalid(what + " is too large");
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < 0) invalid(what + " is negative (" + std::to_string(i) + ")");
    return i;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!(d >= 0) || d != std::floor(d) || d > 9.2e18) invalid(what + " is not a non-negative integer");
    return static_cast<std::int64_t>(d);
  }
  invalid(what + " must be a number, got " + v.type_name());
}

// Finite doubles as numbers (integral ones as integers, so indices read "17" not "17.0");
// NaN/±Inf as the strings the CLI's JSON uses.
nlohmann::json number_json(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == std::floor(v) && std::fabs(v) <= 9007199254740992.0)  // 2^53: exact as an integer
    return static_cast<std::int64_t>(v);
  return v;
}

std::optional<double> number_from_json(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

double ratio(std::int64_t num, std::int64_t den) {  // zero_division = 0
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

// =============================================================================================
// [SECTION] confusion_matrix
// =============================================================================================

confusion_matrix::confusion_matrix(std::vector<std::string> labels) : labels_(std::move(labels)) {
  std::set<std::string_view> seen;
  for (const std::string& l : labels_) {
    if (l.empty()) invalid("confusion_matrix: a label is empty");
    if (!seen.insert(l).second) invalid("confusion_matrix: label '" + l + "' appears twice");
  }
  counts_.assign(labels_.size() * labels_.size(), 0);
}

void confusion_matrix::add(std::int64_t true_idx, std::int64_t pred_idx, std::int64_t n) {
  const auto k = static_cast<std::int64_t>(size());
  if (true_idx < 0 || true_idx >= k || pred_idx < 0 || pred_idx >= k)
    invalid("confusion_matrix::add: class index (" + std::to_string(true_idx) + ", " +
            std::to_string(pred_idx) + ") outside [0, " + std::to_string(k) +
            ") — was the matrix built with every class label?");
  if (n < 0) invalid("confusion_matrix::add: negative count " + std::to_string(n));
  counts_[static_cast<std::size_t>(true_idx * k + pred_idx)] += n;
}

void confusion_matrix::add_all(const std::int64_t* true_idx, const std::int64_t* pred_idx,
                               std::size_t count) {
  const auto k = static_cast<std::int64_t>(size());
  for (std::size_t i = 0; i < count; ++i)
    if (true_idx[i] < 0 || true_idx[i] >= k || pred_idx[i] < 0 || pred_idx[i] >= k)
      invalid("confusion_matrix::add_all: pair " + std::to_string(i) + " has class index (" +
              std::to_string(true_idx[i]) + ", " + std::to_string(pred_idx[i]) +
              ") outside [0, " + std::to_string(k) + "); nothing was added");
  for (std::size_t i = 0; i < count; ++i)
    ++counts_[static_cast<std::size_t>(true_idx[i] * k + pred_idx[i])];
}

void confusion_matrix::merge(const confusion_matrix& other) {
  if (other.labels_ != labels_)
    invalid("confusion_matrix::merge: the matrices have different labels");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

void confusion_matrix::reset() noexcept { std::fill(counts_.begin(), counts_.end(), 0); }

std::int64_t confusion_matrix::at(std::size_t true_idx, std::size_t pred_idx) const {
  if (true_idx >= size() || pred_idx >= size())
    invalid("confusion_matrix::at: index outside the matrix");
  return counts_[true_idx * size() + pred_idx];
}

std::int64_t confusion_matrix::total() const noexcept {
  return std::accumulate(counts_.begin(), counts_.end(), std::int64_t{0});
}

std::int64_t confusion_matrix::correct() const noexcept {
  std::int64_t c = 0;
  for (std::size_t i = 0; i < size(); ++i) c += counts_[i * size() + i];
  return c;
}

nlohmann::json confusion_matrix::to_json() const {
  nlohmann::json matrix = nlohmann::json::array();
  for (std::size_t i = 0; i < size(); ++i) {
    auto row_begin = counts_.begin() + static_cast<std::ptrdiff_t>(i * size());
    matrix.push_back(std::vector<std::int64_t>(row_begin, row_begin + static_cast<std::ptrdiff_t>(size())));
  }
  return {{"version", body_version}, {"labels", labels_}, {"matrix", std::move(matrix)}};
}

confusion_matrix confusion_matrix::from_json(const nlohmann::json& body) {
  constexpr std::string_view kind = "confusion_matrix";
  check_version(body, kind);
  const nlohmann::json& labels = member(body, "labels", kind);
  const nlohmann::json& matrix = member(body, "matrix", kind);
  if (!labels.is_array()) invalid("confusion_matrix body: \"labels\" must be an array");
  std::vector<std::string> names;
  for (const auto& l : labels) {
    if (!l.is_string()) invalid("confusion_matrix body: every label must be a string");
    names.push_back(l.get<std::string>());
  }
  confusion_matrix cm(std::move(names));
  const std::size_t k = cm.size();
  if (!matrix.is_array() || matrix.size() != k)
    invalid("confusion_matrix body: \"matrix\" must have one row per label (" + std::to_string(k) +
            " rows)");
  for (std::size_t i = 0; i < k; ++i) {
    const nlohmann::json& row = matrix[i];
    if (!row.is_array() || row.size() != k)
      invalid("confusion_matrix body: row " + std::to_string(i) + " must have " + std::to_string(k) +
              " counts (the matrix is square)");
    for (std::size_t j = 0; j < k; ++j)
      cm.counts_[i * k + j] =
          json_count(row[j], "confusion_matrix body: matrix[" + std::to_string(i) + "][" +
                                 std::to_string(j) + "]");
  }
  return cm;
}

// =============================================================================================
// [SECTION] classification report, most_confused
// =============================================================================================

nlohmann::json classification_report::to_json() const {
  auto avg = [](const average_scores& a) {
    return nlohmann::json{{"precision", a.precision}, {"recall", a.recall}, {"f1", a.f1}};
  };
  nlohmann::json classes = nlohmann::json::array();
  for (const class_scores& c : per_class)
    classes.push_back({{"label", c.label}, {"precision", c.precision}, {"recall", c.recall},
                       {"f1", c.f1}, {"support", c.support}, {"predicted", c.predicted}});
  return {{"accuracy", accuracy}, {"total", total},        {"macro", avg(macro)},
          {"micro", avg(micro)},  {"weighted", avg(weighted)}, {"per_class", std::move(classes)}};
}

classification_report compute_report(const confusion_matrix& cm) {
  const std::size_t k = cm.size();
  const std::vector<std::int64_t>& c = cm.counts();
  classification_report r;
  r.total = cm.total();
  const std::int64_t correct = cm.correct();
  r.accuracy = ratio(correct, r.total);

  r.per_class.resize(k);
  for (std::size_t i = 0; i < k; ++i) {
    class_scores& s = r.per_class[i];
    s.label = cm.labels()[i];
    for (std::size_t j = 0; j < k; ++j) {
      s.support += c[i * k + j];    // row: true class i
      s.predicted += c[j * k + i];  // column: predicted class i
    }
    const std::int64_t tp = c[i * k + i];
    s.precision = ratio(tp, s.predicted);
    s.recall = ratio(tp, s.support);
    // sklearn's F-beta with beta = 1: (1+b²)tp / ((1+b²)tp + b²fn + fp) = 2tp / (support +
    // predicted). Equal to 2PR/(P+R) whenever that is defined, and 0 (not NaN) when tp = 0.
    s.f1 = ratio(2 * tp, s.support + s.predicted);
  }

  if (k > 0) {
    double sp = 0, sr = 0, sf = 0, wp = 0, wr = 0, wf = 0;
    for (const class_scores& s : r.per_class) {
      sp += s.precision;
      sr += s.recall;
      sf += s.f1;
      const auto w = static_cast<double>(s.support);
      wp += w * s.precision;
      wr += w * s.recall;
      wf += w * s.f1;
    }
    const auto n = static_cast<double>(k);
    r.macro = {sp / n, sr / n, sf / n};
    if (r.total > 0) {
      const auto w = static_cast<double>(r.total);  // sum of supports
      r.weighted = {wp / w, wr / w, wf / w};
    }
  }
  // Micro: tp = trace, tp + fp = sum of column sums = total, tp + fn = sum of row sums = total;
  // so precision = recall = F1 = accuracy for single-label data over all labels.
  r.micro = {r.accuracy, r.accuracy, r.accuracy};
  return r;
}

std::vector<confusion_pair> most_confused(const confusion_matrix& cm, std::int64_t min_count) {
  std::vector<confusion_pair> pairs;
  const std::size_t k = cm.size();
  const std::int64_t floor_count = std::max<std::int64_t>(min_count, 1);  // never list zeros
  for (std::size_t i = 0; i < k; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      if (i == j) continue;
      const std::int64_t n = cm.counts()[i * k + j];
      if (n >= floor_count) pairs.push_back({cm.labels()[i], cm.labels()[j], n, i, j});
    }
  // Row-major generation + stable sort: ties stay by true index, then predicted index.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const confusion_pair& a, const confusion_pair& b) { return a.count > b.count; });
  return pairs;
}

// =============================================================================================
// [SECTION] histograms
// =============================================================================================

namespace {

template <class T>
histogram make_histogram_impl(const T* values, std::size_t n, std::size_t bins) {
  if (bins == 0) invalid("make_histogram: bins must be at least 1");
  if (n > 0 && values == nullptr) invalid("make_histogram: values is null");
  histogram h;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -lo;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<double>(values[i]);
    if (!std::isfinite(v)) {
      ++h.nonfinite;
      continue;
    }
    ++h.count;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (h.count > 0) {
    h.min = lo;
    h.max = hi;
  } else {
    lo = 0;  // numpy's default range for no data
    hi = 1;
  }
  if (lo == hi) {  // numpy widens a zero range by 0.5 each side; huge values need more
    const double half = std::max(0.5, std::fabs(lo) * 1e-9);
    lo -= half;
    hi += half;
  }

  // Edges as numpy.linspace(lo, hi, bins + 1): lo + i * step, the last one exactly hi.
  // hi - lo can overflow (e.g. -1e308 .. 1e308): then step is computed from halves.
  const auto nb = static_cast<double>(bins);
  const bool range_finite = std::isfinite(hi - lo);
  const double step = range_finite ? (hi - lo) / nb : (hi / nb - lo / nb);
  h.edges.resize(bins + 1);
  for (std::size_t i = 0; i < bins; ++i) h.edges[i] = lo + static_cast<double>(i) * step;
  h.edges[bins] = hi;
  h.counts.assign(bins, 0);
  if (h.count == 0) return h;

  const double norm = range_finite ? nb / (hi - lo) : nb / (hi / 2 - lo / 2) / 2;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = static_cast<double>(values[i]);
    if (!std::isfinite(v)) continue;
    const double pos = range_finite ? (v - lo) * norm : (v / 2 - lo / 2) * norm * 2;
    auto b = static_cast<std::size_t>(std::clamp(pos, 0.0, nb - 1));  // v == hi -> last bin
    // numpy's correction for rounding: the edges, not the arithmetic, decide.
    if (b > 0 && v < h.edges[b]) --b;
    else if (b + 1 < bins && v >= h.edges[b + 1]) ++b;
    ++h.counts[b];
  }
  return h;
}

}  // namespace

histogram make_histogram(const float* values, std::size_t n, std::size_t bins) {
  return make_histogram_impl(values, n, bins);
}

histogram make_histogram(const double* values, std::size_t n, std::size_t bins) {
  return make_histogram_impl(values, n, bins);
}

nlohmann::json histogram::to_json() const {
  nlohmann::json j = {{"version", body_version}, {"edges", edges}, {"counts", counts},
                      {"nonfinite", nonfinite}};
  j["min"] = count > 0 ? nlohmann::json(min) : nlohmann::json(nullptr);
  j["max"] = count > 0 ? nlohmann::json(max) : nlohmann::json(nullptr);
  j["count"] = count;
  return j;
}

histogram histogram::from_json(const nlohmann::json& body) {
  constexpr std::string_view kind = "histogram";
  check_version(body, kind);
  histogram h;
  const nlohmann::json& edges = member(body, "edges", kind);
  const nlohmann::json& counts = member(body, "counts", kind);
  if (!edges.is_array() || !counts.is_array())
    invalid("histogram body: \"edges\" and \"counts\" must be arrays");
  if (counts.empty()) invalid("histogram body: \"counts\" is empty (at least one bin)");
  if (edges.size() != counts.size() + 1)
    invalid("histogram body: " + std::to_string(edges.size()) + " edges for " +
            std::to_string(counts.size()) + " bins (expected bins + 1)");
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (!edges[i].is_number()) invalid("histogram body: edge " + std::to_string(i) + " is not a number");
    const double e = edges[i].get<double>();
    if (!std::isfinite(e)) invalid("histogram body: edge " + std::to_string(i) + " is not finite");
    if (i > 0 && e < h.edges.back()) invalid("histogram body: edges decrease at " + std::to_string(i));
    h.edges.push_back(e);
  }
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    h.counts.push_back(json_count(counts[i], "histogram body: counts[" + std::to_string(i) + "]"));
    sum += h.counts.back();
  }
  if (auto it = body.find("nonfinite"); it != body.end())
    h.nonfinite = json_count(*it, "histogram body: \"nonfinite\"");
  h.count = sum;
  if (auto it = body.find("count"); it != body.end()) {
    h.count = json_count(*it, "histogram body: \"count\"");
    if (h.count != sum)
      invalid("histogram body: \"count\" is " + std::to_string(h.count) +
              " but the counts add up to " + std::to_string(sum));
  }
  auto read_bound = [&](const char* name, double& out) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (h.count > 0) invalid(std::string("histogram body: \"") + name + "\" is missing");
      return;
    }
    if (!it->is_number()) invalid(std::string("histogram body: \"") + name + "\" is not a number");
    out = it->get<double>();
  };
  read_bound("min", h.min);
  read_bound("max", h.max);
  return h;
}

// =============================================================================================
// [SECTION] tables
// =============================================================================================

const char* to_string(column_type t) noexcept {
  switch (t) {
    case column_type::number: return "number";
    case column_type::text: return "text";
    case column_type::image: return "image";
  }
  return "unknown";
}

std::optional<column_type> parse_column_type(std::string_view s) noexcept {
  if (s == "number") return column_type::number;
  if (s == "text") return column_type::text;
  if (s == "image") return column_type::image;
  return std::nullopt;
}

table::table(std::vector<column> columns) : columns_(std::move(columns)) {
  std::set<std::string_view> seen;
  for (const column& c : columns_) {
    if (c.name.empty()) invalid("table: a column name is empty");
    if (!seen.insert(c.name).second) invalid("table: column '" + c.name + "' appears twice");
    if (!parse_column_type(to_string(c.type))) invalid("table: column '" + c.name + "' has an unknown type");
  }
}

std::optional<std::size_t> table::find_column(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return i;
  return std::nullopt;
}

void table::add_row(std::vector<cell> row) {
  if (row.size() != columns_.size())
    invalid("table::add_row: " + std::to_string(row.size()) + " cells for " +
            std::to_string(columns_.size()) + " columns");
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (std::holds_alternative<std::monostate>(row[i])) continue;
    const bool is_number = std::holds_alternative<double>(row[i]);
    if (is_number != (columns_[i].type == column_type::number))
      invalid("table::add_row: column '" + columns_[i].name + "' is " + to_string(columns_[i].type) +
              " but the cell holds " + (is_number ? "a number" : "a string"));
  }
  rows_.push_back(std::move(row));
}

nlohmann::json table::to_json() const {
  nlohmann::json cols = nlohmann::json::array();
  for (const column& c : columns_) cols.push_back({{"name", c.name}, {"type", to_string(c.type)}});
  nlohmann::json rows = nlohmann::json::array();
  for (const std::vector<cell>& r : rows_) {
    nlohmann::json out = nlohmann::json::array();
    for (const cell& c : r) {
      if (const auto* d = std::get_if<double>(&c)) out.push_back(number_json(*d));
      else if (const auto* s = std::get_if<std::string>(&c)) out.push_back(*s);
      else out.push_back(nullptr);
    }
    rows.push_back(std::move(out));
  }
  return {{"version", body_version}, {"columns", std::move(cols)}, {"rows", std::move(rows)}};
}

table table::from_json(const nlohmann::json& body) {
  constexpr std::string_view kind = "table";
  check_version(body, kind);
  const nlohmann::json& cols = member(body, "columns", kind);
  const nlohmann::json& rows = member(body, "rows", kind);
  if (!cols.is_array() || !rows.is_array())
    invalid("table body: \"columns\" and \"rows\" must be arrays");
  std::vector<column> columns;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const nlohmann::json& c = cols[i];
    auto name = c.is_object() ? c.find("name") : c.end();
    auto type = c.is_object() ? c.find("type") : c.end();
    if (!c.is_object() || name == c.end() || !name->is_string() || type == c.end() || !type->is_string())
      invalid("table body: column " + std::to_string(i) + " must be {\"name\": ..., \"type\": ...}");
    auto t = parse_column_type(type->get_ref<const std::string&>());
    if (!t)
      invalid("table body: column '" + name->get<std::string>() + "' has unknown type '" +
              type->get<std::string>() + "' (expected number, text or image)");
    columns.push_back({name->get<std::string>(), *t});
  }
  table out(std::move(columns));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const nlohmann::json& row = rows[r];
    if (!row.is_array() || row.size() != out.columns_.size())
      invalid("table body: row " + std::to_string(r) + " must be an array of " +
              std::to_string(out.columns_.size()) + " cells");
    std::vector<cell> cells;
    cells.reserve(row.size());
    for (std::size_t i = 0; i < row.size(); ++i) {
      const nlohmann::json& v = row[i];
      if (v.is_null()) {
        cells.emplace_back(std::monostate{});
      } else if (out.columns_[i].type == column_type::number) {
        auto d = number_from_json(v);
        if (!d)
          invalid("table body: row " + std::to_string(r) + ", column '" + out.columns_[i].name +
                  "' is not a number");
        cells.emplace_back(*d);
      } else {
        if (!v.is_string())
          invalid("table body: row " + std::to_string(r) + ", column '" + out.columns_[i].name +
                  "' is not a string");
        cells.emplace_back(v.get<std::string>());
      }
    }
    out.rows_.push_back(std::move(cells));
  }
  return out;
}

// =============================================================================================
// [SECTION] epoch_average
// =============================================================================================

void epoch_average::add(double value, double weight) noexcept {
  sum_ += weight * value;
  weight_ += weight;
  ++count_;
}

double epoch_average::mean() const noexcept {
  if (count_ == 0 || weight_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return sum_ / weight_;
}

}  // namespace tracker::metrics
