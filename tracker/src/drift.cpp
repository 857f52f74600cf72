// drift.cpp — tracker/drift.hpp: names, preparing columns, the test choice (Evidently's
// defaults), one feature's result and the report. The statistics are in drift_numeric.cpp,
// drift_categorical.cpp and drift_pvalues.cpp; the sort in drift_sort.cpp.
#include "drift_internal.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

namespace tracker::drift {
using namespace detail;
namespace {

// ---- categories ------------------------------------------------------------------------------

// Aligned counts over the union of categories (sorted), for categorical or numeric columns.
struct aligned_counts {
  std::vector<std::int64_t> ref, cur;
};

aligned_counts align_categorical(const prepared_column& r, const prepared_column& c) {
  aligned_counts out;
  auto i = r.counts.begin(), j = c.counts.begin();
  while (i != r.counts.end() || j != c.counts.end()) {
    if (j == c.counts.end() || (i != r.counts.end() && i->first < j->first)) {
      out.ref.push_back(i->second), out.cur.push_back(0), ++i;
    } else if (i == r.counts.end() || j->first < i->first) {
      out.ref.push_back(0), out.cur.push_back(j->second), ++j;
    } else {
      out.ref.push_back(i->second), out.cur.push_back(j->second), ++i, ++j;
    }
  }
  return out;
}

aligned_counts align_numeric(std::span<const double> a, std::span<const double> b) {
  aligned_counts out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const double x = (j >= b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    std::int64_t ca = 0, cb = 0;
    while (i < a.size() && a[i] == x) ++i, ++ca;
    while (j < b.size() && b[j] == x) ++j, ++cb;
    out.ref.push_back(ca);
    out.cur.push_back(cb);
  }
  return out;
}

aligned_counts align(const prepared_column& r, const prepared_column& c) {
  return r.type == feature_type::categorical ? align_categorical(r, c) : align_numeric(r.sorted, c.sorted);
}

// Distinct values of reference ∪ current, counted up to `cap` (numeric) or exactly (categorical).
std::int64_t distinct_union(const prepared_column& r, const prepared_column& c, std::int64_t cap) {
  if (r.type == feature_type::categorical) {
    std::int64_t n = static_cast<std::int64_t>(r.counts.size());
    for (const auto& [k, v] : c.counts)
      if (!r.counts.contains(k)) ++n;
    return n;
  }
  std::span<const double> a = r.sorted, b = c.sorted;
  std::size_t i = 0, j = 0;
  std::int64_t n = 0;
  while ((i < a.size() || j < b.size()) && n < cap) {
    const double x = (j >= b.size() || (i < a.size() && a[i] <= b[j])) ? a[i] : b[j];
    ++n;
    i = static_cast<std::size_t>(std::upper_bound(a.begin() + i, a.end(), x) - a.begin());
    j = static_cast<std::size_t>(std::upper_bound(b.begin() + j, b.end(), x) - b.begin());
  }
  return n;
}

// Evidently's numeric binning for Jensen–Shannon: 30 equal-width bins over reference ∪ current.
aligned_counts equal_width_bins(std::span<const double> a, std::span<const double> b, int bins) {
  double lo = std::min(a.front(), b.front()), hi = std::max(a.back(), b.back());
  if (lo == hi) lo -= 0.5, hi += 0.5;  // numpy.histogram_bin_edges with an empty range
  aligned_counts out;
  out.ref.assign(bins, 0);
  out.cur.assign(bins, 0);
  auto fill = [&](std::span<const double> s, std::vector<std::int64_t>& counts) {
    std::size_t prev = 0;
    for (int i = 1; i <= bins; ++i) {
      std::size_t pos = s.size();
      if (i < bins) {
        const double edge = lo + (hi - lo) * i / bins;
        pos = static_cast<std::size_t>(std::lower_bound(s.begin(), s.end(), edge) - s.begin());
      }
      counts[i - 1] = static_cast<std::int64_t>(pos - prev);
      prev = pos;
    }
  };
  fill(a, out.ref);
  fill(b, out.cur);
  return out;
}

std::vector<double> to_double(const std::vector<std::int64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace

// =============================================================================================
// Names
// =============================================================================================

const char* to_string(feature_type t) noexcept { return t == feature_type::numeric ? "numeric" : "categorical"; }

const char* to_string(test_kind t) noexcept {
  switch (t) {
    case test_kind::ks: return "ks";
    case test_kind::chi_squared: return "chi_squared";
    case test_kind::z_test: return "z_test";
    case test_kind::wasserstein: return "wasserstein";
    case test_kind::jensen_shannon: return "jensen_shannon";
    case test_kind::psi: return "psi";
  }
  return "?";
}

std::optional<feature_type> parse_feature_type(std::string_view s) noexcept {
  if (s == "numeric") return feature_type::numeric;
  if (s == "categorical") return feature_type::categorical;
  return std::nullopt;
}

std::optional<test_kind> parse_test_kind(std::string_view s) noexcept {
  for (test_kind t : {test_kind::ks, test_kind::chi_squared, test_kind::z_test, test_kind::wasserstein,
                      test_kind::jensen_shannon, test_kind::psi})
    if (s == to_string(t)) return t;
  return std::nullopt;
}

bool has_p_value(test_kind t) noexcept {
  return t == test_kind::ks || t == test_kind::chi_squared || t == test_kind::z_test;
}

double default_threshold(test_kind t) noexcept { return has_p_value(t) ? 0.05 : 0.1; }

bool is_drift(test_kind t, double v, double threshold) noexcept {
  switch (t) {
    case test_kind::ks: return v <= threshold;
    case test_kind::chi_squared:
    case test_kind::z_test: return v < threshold;
    default: return v >= threshold;
  }
}

// =============================================================================================
// Columns and reports
// =============================================================================================

namespace {
prepared_column prepare_impl(const column_view& c, bool stats, sort_scratch& scratch);
}

prepared_column prepare(const column_view& c) {
  sort_scratch scratch;
  return prepare_impl(c, true, scratch);
}

namespace {
// stats = false skips the mean / std pass: compute_report never reads them for the current side.
prepared_column prepare_impl(const column_view& c, bool stats, sort_scratch& scratch) {
  prepared_column p;
  p.type = c.type;
  if (c.type == feature_type::numeric) {
    p.sorted = sorted_finite(c.numbers, &p.missing, scratch);
    p.rows = static_cast<std::int64_t>(p.sorted.size());
    if (stats && p.rows > 0) {
      // One pass, shifted by the median so the sum of squares does not cancel catastrophically:
      // var = (Σ(x−s)² − (Σ(x−s))²/n) / n.
      const double shift = p.sorted[p.sorted.size() / 2];
      double s1 = 0, s2 = 0;
      for (double v : p.sorted) {
        const double d = v - shift;
        s1 += d;
        s2 += d * d;
      }
      const double n = static_cast<double>(p.rows);
      p.mean = shift + s1 / n;
      p.std = std::sqrt(std::max(0.0, (s2 - s1 * s1 / n) / n));
    }
  } else {
    for (const std::string& s : c.categories) {
      if (s.empty()) {
        ++p.missing;
        continue;
      }
      auto it = p.counts.find(s);
      if (it == p.counts.end())
        p.counts.emplace(s, 1);
      else
        ++it->second;
      ++p.rows;
    }
  }
  return p;
}

}  // namespace

test_kind default_test(const prepared_column& r, const prepared_column& c, const options& opts) {
  if (r.type != c.type) bad("reference and current columns have different types");
  const std::int64_t n_values = distinct_union(r, c, 6);
  const bool few = r.type == feature_type::categorical || n_values <= 5;
  if (r.rows <= opts.small_reference_rows) {
    if (!few) return test_kind::ks;
    return n_values > 2 ? test_kind::chi_squared : test_kind::z_test;
  }
  return few ? test_kind::jensen_shannon : test_kind::wasserstein;
}

feature_result test_feature(std::string name, const prepared_column& r, const prepared_column& c,
                            const options& opts) {
  if (r.type != c.type) bad("feature '" + name + "': reference and current columns have different types");
  feature_result f;
  f.type = r.type;
  f.test = default_test(r, c, opts);
  f.threshold = default_threshold(f.test);
  if (auto it = opts.per_feature.find(name); it != opts.per_feature.end()) {
    if (it->second.test) {
      f.test = *it->second.test;
      f.threshold = default_threshold(f.test);
    }
    if (it->second.threshold) {
      if (!std::isfinite(*it->second.threshold)) bad("feature '" + name + "': threshold must be finite");
      f.threshold = *it->second.threshold;
    }
  }
  if (r.type == feature_type::categorical && (f.test == test_kind::ks || f.test == test_kind::wasserstein))
    bad("feature '" + name + "': " + to_string(f.test) + " needs a numeric column");
  f.name = std::move(name);
  f.reference_rows = r.rows;
  f.current_rows = c.rows;
  f.reference_missing = r.missing;
  f.current_missing = c.missing;
  f.unique_values = distinct_union(r, c, r.type == feature_type::numeric ? 6 : std::numeric_limits<std::int64_t>::max());
  if (r.rows == 0 || c.rows == 0) {
    f.tested = false;
    f.statistic = kNaN;
    f.note = r.rows == 0 ? "empty reference" : "empty current";
    return f;
  }
  switch (f.test) {
    case test_kind::ks: {
      const ks_result k = ks_2samp_sorted(r.sorted, c.sorted);
      f.statistic = k.statistic;
      f.p_value = k.p_value;
      f.exact = k.exact;
      break;
    }
    case test_kind::chi_squared: {
      const aligned_counts a = align(r, c);
      const chi2_result x = chi_squared(a.ref, a.cur);
      f.statistic = x.statistic;
      f.p_value = x.p_value;
      break;
    }
    case test_kind::z_test: {
      const aligned_counts a = align(r, c);
      if (a.ref.size() > 2)
        bad("feature '" + f.name + "': z_test needs at most 2 distinct values, found " + std::to_string(a.ref.size()));
      const z_result z = two_proportion_z(a.ref[0], r.rows, a.cur[0], c.rows);
      f.statistic = z.statistic;
      f.p_value = z.p_value;
      break;
    }
    case test_kind::wasserstein:
      f.statistic = wasserstein_distance_sorted(r.sorted, c.sorted) / std::max(r.std, opts.wasserstein_min_std);
      break;
    case test_kind::jensen_shannon: {
      const bool binned = r.type == feature_type::numeric && f.unique_values > 5;
      const aligned_counts a = binned ? equal_width_bins(r.sorted, c.sorted, 30) : align(r, c);
      f.statistic = jensen_shannon_distance(to_double(a.ref), to_double(a.cur));
      break;
    }
    case test_kind::psi:
      if (r.type == feature_type::numeric) {
        f.statistic = psi_sorted(r.sorted, c.sorted, opts.psi_bins, opts.psi_epsilon);
      } else {
        const aligned_counts a = align(r, c);
        f.statistic = psi_from_counts(a.ref, a.cur, opts.psi_epsilon);
      }
      break;
  }
  f.drifted = is_drift(f.test, f.p_value ? *f.p_value : f.statistic, f.threshold);
  return f;
}

nlohmann::json feature_result::to_json() const {
  nlohmann::json j;
  j["name"] = name;
  j["type"] = to_string(type);
  j["test"] = to_string(test);
  if (std::isnan(statistic))
    j["statistic"] = nullptr;
  else if (std::isinf(statistic))
    j["statistic"] = statistic > 0 ? "Infinity" : "-Infinity";
  else
    j["statistic"] = statistic;
  j["p_value"] = p_value ? nlohmann::json(*p_value) : nlohmann::json(nullptr);
  j["threshold"] = threshold;
  j["drifted"] = drifted;
  j["reference_rows"] = reference_rows;
  j["current_rows"] = current_rows;
  j["reference_missing"] = reference_missing;
  j["current_missing"] = current_missing;
  if (!note.empty()) j["note"] = note;
  return j;
}

drift_report make_report(std::vector<feature_result> features, double drift_share_threshold) {
  if (!std::isfinite(drift_share_threshold)) bad("drift_share_threshold must be finite");
  drift_report r;
  r.features = std::move(features);
  r.drift_share_threshold = drift_share_threshold;
  for (const feature_result& f : r.features) {
    r.tested += f.tested ? 1 : 0;
    r.drifted += f.tested && f.drifted ? 1 : 0;
  }
  r.drift_share = r.tested > 0 ? static_cast<double>(r.drifted) / static_cast<double>(r.tested) : 0.0;
  r.dataset_drift = r.tested > 0 && r.drift_share >= drift_share_threshold;
  return r;
}

drift_report compute_report(std::span<const feature_input> features, const options& opts) {
  std::set<std::string_view> names;
  for (const feature_input& f : features) {
    if (f.name.empty()) bad("a feature needs a name");
    if (!names.insert(f.name).second) bad("feature '" + f.name + "' given twice");
    if (f.reference.type != f.current.type) bad("feature '" + f.name + "': reference and current types differ");
  }
  if (opts.threads < 0) bad("threads must be >= 0");
  std::vector<feature_result> results(features.size());
  // Each thread keeps one sort_scratch for all its features; the current column (the larger,
  // usually) is sorted first so its buffer is the one handed back for the next feature.
  auto one = [&](std::size_t i, sort_scratch& scratch) {
    prepared_column c = prepare_impl(features[i].current, false, scratch);  // its mean/std are unused
    const prepared_column r = prepare_impl(features[i].reference, true, scratch);
    results[i] = test_feature(features[i].name, r, c, opts);
    scratch.result = std::move(c.sorted);
  };
  std::size_t threads = static_cast<std::size_t>(opts.threads);
  if (threads == 0) {  // a thread costs ~50 µs to start: only worth it for real work
    std::size_t values = 0;
    for (const feature_input& f : features)
      values += f.reference.numbers.size() + f.reference.categories.size() + f.current.numbers.size() +
                f.current.categories.size();
    threads = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), 1 + values / 200'000);
  }
  threads = std::min(threads, features.size());
  if (threads <= 1) {
    sort_scratch scratch;
    for (std::size_t i = 0; i < features.size(); ++i) one(i, scratch);
  } else {
    // Workers take the next feature index; the first exception is rethrown after the join.
    std::atomic<std::size_t> next{0};
    std::exception_ptr failure;
    std::mutex failure_mutex;
    auto work = [&] {
      sort_scratch scratch;
      for (std::size_t i; (i = next.fetch_add(1)) < features.size();) {
        try {
          one(i, scratch);
        } catch (...) {
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (!failure) failure = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (std::thread& t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
  }
  return make_report(std::move(results), opts.drift_share_threshold);
}

nlohmann::json drift_report::to_json() const {
  nlohmann::json j;
  j["dataset_drift"] = dataset_drift;
  j["drift_share"] = drift_share;
  j["drift_share_threshold"] = drift_share_threshold;
  j["number_of_features"] = features.size();
  j["number_of_tested_features"] = tested;
  j["number_of_drifted_features"] = drifted;
  nlohmann::json arr = nlohmann::json::array();
  for (const feature_result& f : features) arr.push_back(f.to_json());
  j["features"] = std::move(arr);
  return j;
}

}  // namespace tracker::drift
