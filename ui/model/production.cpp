// production.cpp — the production view's model (see production.hpp).
#include "model/production.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>

namespace tracker::ui {

namespace {

using json = nlohmann::json;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : nan;
}
std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
std::size_t count(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::size_t>() : 0;
}

drift_row row_of(const json& f) {
  drift_row r;
  r.name = text(f, "name");
  r.type = text(f, "type");
  r.test = text(f, "test");
  r.note = text(f, "note");
  r.statistic = num(f, "statistic");
  r.p_value = num(f, "p_value");
  r.threshold = num(f, "threshold");
  r.drifted = f.value("drifted", false);
  r.tested = r.note.empty();
  r.reference_rows = count(f, "reference_rows");
  r.current_rows = count(f, "current_rows");
  return r;
}

}  // namespace

namespace {
// "2026-11-20 07:00", with ":SS" when the time is not on a minute.
std::string utc_minute(double t) {
  const auto s = static_cast<std::time_t>(std::floor(t));
  std::tm tm{};
  gmtime_r(&s, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, tm.tm_sec || t != std::floor(t) ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm);
  return buf;
}
// 1500 -> "1,500"
std::string thousands(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}
}  // namespace

std::string label(const production_window& w) {
  std::vector<std::string> parts;
  if (w.since && w.until)
    parts.push_back(utc_minute(*w.since) + " .. " + utc_minute(*w.until) + " UTC");
  else if (w.since)
    parts.push_back("since " + utc_minute(*w.since) + " UTC");
  else if (w.until)
    parts.push_back("until " + utc_minute(*w.until) + " UTC");
  char buf[48];
  if (w.hours >= 48)
    std::snprintf(buf, sizeof buf, "last %g days", w.hours / 24), parts.emplace_back(buf);
  else if (w.hours > 0)
    std::snprintf(buf, sizeof buf, "last %g h", w.hours), parts.emplace_back(buf);
  if (w.last) parts.push_back("last " + thousands(w.last) + (w.last == 1 ? " record" : " records"));
  if (parts.empty()) return "all records";
  std::string out = parts[0];
  for (std::size_t i = 1; i < parts.size(); ++i) out += ", " + parts[i];
  return out;
}

const std::vector<production_window>& window_choices() {
  static const std::vector<production_window> choices = {
      {}, {.hours = 24}, {.hours = 24 * 7}, {.last = 1000}, {.last = 10000}};
  return choices;
}

std::vector<drift_row> drift_rows(const json& report) {
  std::vector<drift_row> rows;
  auto it = report.find("features");
  if (it == report.end() || !it->is_array()) return rows;
  for (const json& f : *it)
    if (f.is_object()) rows.push_back(row_of(f));
  return rows;
}

std::optional<drift_row> prediction_drift_row(const json& report, const std::string& which) {
  const json* p = report.contains("prediction_drift") ? &report["prediction_drift"] : nullptr;
  if (!p || !p->is_object() || !p->contains(which) || !(*p)[which].is_object()) return std::nullopt;
  drift_row r = row_of((*p)[which]);
  if (r.name.empty()) r.name = which;
  return r;
}

void sort_drift_rows(std::vector<drift_row>& rows, drift_column by, bool ascending) {
  // Names first, so equal keys keep name order under the stable sort below.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const drift_row& a, const drift_row& b) { return a.name < b.name; });
  auto number = [by](const drift_row& r) {
    switch (by) {
      case drift_column::statistic:
        return r.statistic;
      case drift_column::p_value:
        return r.p_value;
      case drift_column::threshold:
        return r.threshold;
      case drift_column::drifted:
        return r.tested ? double(r.drifted) : nan;
      default:
        return nan;
    }
  };
  auto label = [by](const drift_row& r) -> const std::string& {
    return by == drift_column::type ? r.type : by == drift_column::test ? r.test : r.name;
  };
  const bool numeric = by == drift_column::statistic || by == drift_column::p_value ||
                       by == drift_column::threshold || by == drift_column::drifted;
  std::stable_sort(rows.begin(), rows.end(), [&](const drift_row& a, const drift_row& b) {
    if (numeric) {
      double x = number(a), y = number(b);
      if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);  // NaN last
      return ascending ? x < y : x > y;
    }
    return ascending ? label(a) < label(b) : label(b) < label(a);
  });
}

double overlay::max_share() const {
  double m = 0;
  for (double v : reference) m = std::max(m, v);
  for (double v : production) m = std::max(m, v);
  return m;
}

std::size_t auto_bins(std::size_t n_reference, std::size_t n_production) {
  const double n = double(std::max<std::size_t>({n_reference, n_production, 1}));
  return std::clamp<std::size_t>(std::size_t(std::ceil(std::log2(n))) + 1, 10, 40);
}

overlay numeric_overlay(std::span<const double> reference, std::span<const double> production,
                        std::size_t bins) {
  overlay o;
  o.numeric = true;
  bins = std::max<std::size_t>(bins, 1);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (auto side : {reference, production})
    for (double v : side)
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) lo = 0, hi = 1;  // no values on either side
  if (hi == lo) lo -= 0.5, hi += 0.5;
  o.lo = lo;
  o.hi = hi;
  auto fill = [&](std::span<const double> side, std::vector<double>& out, std::size_t& n) {
    out.assign(bins, 0.0);
    for (double v : side) {
      if (!std::isfinite(v)) continue;
      // The top edge belongs to the last bin (numpy.histogram's closed last bin).
      std::size_t b = std::min(bins - 1, std::size_t((v - lo) / (hi - lo) * double(bins)));
      out[b] += 1;
      ++n;
    }
    if (n)
      for (double& c : out) c /= double(n);
  };
  fill(reference, o.reference, o.reference_n);
  fill(production, o.production, o.production_n);
  return o;
}

overlay category_overlay(const std::vector<std::string>& reference,
                         const std::vector<std::string>& production,
                         const std::vector<std::string>& order, std::size_t limit) {
  overlay o;
  o.numeric = false;
  std::map<std::string, std::pair<std::size_t, std::size_t>> counts;  // (reference, production)
  for (const std::string& v : reference)
    if (!v.empty()) ++counts[v].first, ++o.reference_n;
  for (const std::string& v : production)
    if (!v.empty()) ++counts[v].second, ++o.production_n;
  for (const std::string& c : order)
    if (counts.count(c)) o.categories.push_back(c);
  std::vector<std::string> rest;
  for (const auto& [c, n] : counts)
    if (std::find(order.begin(), order.end(), c) == order.end()) rest.push_back(c);
  std::stable_sort(rest.begin(), rest.end(), [&](const std::string& a, const std::string& b) {
    return counts[a].first + counts[a].second > counts[b].first + counts[b].second;
  });
  o.categories.insert(o.categories.end(), rest.begin(), rest.end());
  const bool folded = limit > 0 && o.categories.size() > limit;
  if (folded) o.categories.resize(limit - 1);
  o.reference.assign(o.categories.size() + (folded ? 1 : 0), 0.0);
  o.production.assign(o.reference.size(), 0.0);
  std::size_t shown_ref = 0, shown_cur = 0;
  for (std::size_t i = 0; i < o.categories.size(); ++i) {
    const auto& n = counts[o.categories[i]];
    o.reference[i] = double(n.first);
    o.production[i] = double(n.second);
    shown_ref += n.first;
    shown_cur += n.second;
  }
  if (folded) {
    o.categories.push_back("(other)");
    o.reference.back() = double(o.reference_n - shown_ref);
    o.production.back() = double(o.production_n - shown_cur);
  }
  for (double& v : o.reference) v = o.reference_n ? v / double(o.reference_n) : 0;
  for (double& v : o.production) v = o.production_n ? v / double(o.production_n) : 0;
  return o;
}

std::optional<overlay> feature_overlay(const production::dataset& reference,
                                       const production::dataset& production,
                                       const std::string& name) {
  auto find = [&](const production::dataset& d) -> const production::feature_column* {
    for (const auto& c : d.features)
      if (c.name == name) return &c;
    return nullptr;
  };
  const production::feature_column* r = find(reference);
  const production::feature_column* c = find(production);
  if (!r && !c) return std::nullopt;
  const bool numeric = (!r || r->numeric) && (!c || c->numeric);
  if (numeric) {
    std::span<const double> rs =
        r ? std::span<const double>(r->numbers) : std::span<const double>();
    std::span<const double> cs =
        c ? std::span<const double>(c->numbers) : std::span<const double>();
    return numeric_overlay(rs, cs, auto_bins(rs.size(), cs.size()));
  }
  // Mixed: numbers as text, the way the drift report compares them (monitor.cpp).
  auto as_text = [](const production::feature_column* col) {
    std::vector<std::string> out;
    if (!col) return out;
    if (!col->numeric) return col->categories;
    for (double v : col->numbers) {
      if (!std::isfinite(v)) {
        out.emplace_back();
        continue;
      }
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      for (int p = 1; p <= 17; ++p) {  // the shortest text that reads back as v
        std::snprintf(buf, sizeof buf, "%.*g", p, v);
        if (std::strtod(buf, nullptr) == v) break;
      }
      out.emplace_back(buf);
    }
    return out;
  };
  return category_overlay(as_text(r), as_text(c));
}

std::string pick_bucket(double from_unix, double to_unix) {
  return to_unix - from_unix <= 3 * 86400.0 ? "hour" : "day";
}

timeline_series timeline_of(const json& report) {
  timeline_series t;
  auto it = report.find("timeline");
  if (it == report.end() || !it->is_object()) return t;
  t.bucket = text(*it, "bucket");
  auto b = it->find("buckets");
  if (b == it->end() || !b->is_array()) return t;
  for (const json& e : *b) {
    t.start.push_back(num(e, "start_unix"));
    t.rows.push_back(num(e, "rows"));
    t.drift_share.push_back(num(e, "drift_share"));
    t.accuracy.push_back(num(e, "accuracy"));
    t.flag_rate.push_back(num(e, "flag_rate"));
  }
  return t;
}

plot_series as_plot(const std::vector<double>& x, const std::vector<double>& y) {
  // The chart widget's caches key on version; a fresh number per result, as make_plot does.
  static std::atomic<std::uint64_t> versions{1ull << 62};
  plot_series s;
  s.version = ++versions;
  const std::size_t n = std::min(x.size(), y.size());
  s.pts.reserve(n);
  for (std::size_t i = 0; i < n; ++i) s.pts.push_back({x[i], x[i], x[i], y[i], y[i], y[i], y[i]});
  return s;
}

std::optional<metrics::confusion_matrix> report_confusion(const json& report,
                                                          const std::string& field) {
  const json* m = report.contains("production_metrics") ? &report["production_metrics"] : nullptr;
  if (!m || !m->is_object() || !m->contains(field) || !(*m)[field].is_object()) return std::nullopt;
  try {
    return metrics::confusion_matrix::from_json((*m)[field]);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<flagged_sample> flagged_samples(const json& report) {
  std::vector<flagged_sample> out;
  const json* f = report.contains("flags") ? &report["flags"] : nullptr;
  if (!f || !f->is_object() || !f->contains("samples") || !(*f)["samples"].is_array()) return out;
  for (const json& s : (*f)["samples"]) {
    flagged_sample x;
    x.id = text(s, "id");
    x.predicted = text(s, "predicted");
    x.label = text(s, "label");
    x.flag = text(s, "flag");
    x.reason = text(s, "reason");
    x.image = text(s, "image");
    x.time = num(s, "time");
    if (std::isnan(x.time))  // the report writes times as ISO-8601 text
      x.time = production::parse_time(text(s, "time")).value_or(nan);
    out.push_back(std::move(x));
  }
  return out;
}

double report_number(const json& report, const char* pointer) {
  const json::json_pointer p(pointer);
  if (!report.contains(p)) return nan;
  const json& v = report[p];
  return v.is_number() ? v.get<double>() : nan;
}

}  // namespace tracker::ui
