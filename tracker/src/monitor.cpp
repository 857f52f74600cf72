// monitor.cpp — the drift report of a model run (tracker/monitor.hpp; fields in docs/drift.md).
//
// Steps: read the reference records (all) and the production records (the window), line their
// feature columns up by name and type, prepare each reference column once (sorted, counted),
// test the whole window — and each timeline bucket — against it with tracker::drift, then add
// prediction drift, the classification scores of the labeled rows (tracker::metrics) and flags.
// The markdown rendering is in monitor_markdown.cpp.
#include "monitor_internal.hpp"

#include <tracker/metrics.hpp>
#include <tracker/query.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <thread>

namespace tracker::monitor {

namespace {

namespace prod = tracker::production;
using json = nlohmann::json;

// ---- features ------------------------------------------------------------------------------

// One feature of both datasets, as views of one type. When the two sides disagree (numbers in
// the reference, text in production, or the feature is missing on one side), the numeric side
// is turned into text the way production::read writes numbers of a categorical column, so
// "3" in production meets 3 in the reference; a side without the feature is an empty column
// (the feature is then reported untested, "empty current" / "empty reference").
struct feature_pair {
  std::string name;
  drift::prepared_column reference;
  drift::column_view current;  // all window rows; sliced per timeline bucket
};

// Storage for converted columns: the views above point into it, so it must not move (deque).
using text_storage = std::deque<std::vector<std::string>>;

drift::column_view view_of(const prod::feature_column* c, bool as_text, text_storage& storage) {
  if (!c) return as_text ? drift::column_view::categorical({}) : drift::column_view::numeric({});
  if (!as_text) return drift::column_view::numeric(c->numbers);
  if (!c->numeric) return drift::column_view::categorical(c->categories);
  std::vector<std::string>& text = storage.emplace_back();
  text.reserve(c->numbers.size());
  for (double v : c->numbers) text.push_back(std::isfinite(v) ? number_text(v) : std::string());
  return drift::column_view::categorical(text);
}

const prod::feature_column* find_feature(const prod::dataset& d, const std::string& name) {
  for (const prod::feature_column& c : d.features)
    if (c.name == name) return &c;
  return nullptr;
}

std::vector<feature_pair> pair_features(const prod::dataset& ref, const prod::dataset& cur,
                                        text_storage& storage) {
  std::set<std::string> names;
  for (const prod::feature_column& c : ref.features) names.insert(c.name);
  for (const prod::feature_column& c : cur.features) names.insert(c.name);
  std::vector<feature_pair> out;
  for (const std::string& name : names) {
    const prod::feature_column* r = find_feature(ref, name);
    const prod::feature_column* c = find_feature(cur, name);
    // Numeric only when every side that has the feature is numeric.
    const bool as_text = (r && !r->numeric) || (c && !c->numeric);
    feature_pair p{name, drift::prepare(view_of(r, as_text, storage)),
                   view_of(c, as_text, storage)};
    out.push_back(std::move(p));
  }
  return out;
}

drift::column_view slice(const drift::column_view& v, std::size_t begin, std::size_t end) {
  if (v.type == drift::feature_type::numeric) {
    if (v.numbers.empty()) return v;  // the feature is absent from production: stays empty
    return drift::column_view::numeric(v.numbers.subspan(begin, end - begin));
  }
  if (v.categories.empty()) return v;
  return drift::column_view::categorical(v.categories.subspan(begin, end - begin));
}

// Drift of every feature for production rows [begin, end).
drift::drift_report feature_drift(const std::vector<feature_pair>& features, std::size_t begin,
                                  std::size_t end, const drift::options& opts) {
  std::vector<drift::feature_result> results(features.size());
  // drift::compute_report would re-prepare the reference per call (and per timeline bucket);
  // with the references prepared once the per-feature loop is ours, spread over
  // options::threads threads like compute_report's (results do not depend on it).
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mu;
  const auto work = [&] {
    for (std::size_t i; (i = next++) < features.size();) {
      try {
        results[i] =
            drift::test_feature(features[i].name, features[i].reference,
                                drift::prepare(slice(features[i].current, begin, end)), opts);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mu);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  std::size_t threads = opts.threads > 0 ? static_cast<std::size_t>(opts.threads)
                                         : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, features.size());
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
  return drift::make_report(std::move(results), opts.drift_share_threshold);
}

// ---- classes and confusion matrices --------------------------------------------------------

// The model's classes, then any other class name met in predictions or labels (sorted), so a
// label outside the model's list still gets a row instead of being dropped.
std::vector<std::string> class_list(const prod::dataset& ref, const prod::dataset& cur) {
  std::vector<std::string> classes =
      cur.model.classes.empty() ? ref.model.classes : cur.model.classes;
  std::set<std::string> known(classes.begin(), classes.end()), extra;
  for (const auto* names : {&ref.predicted, &ref.label, &cur.predicted, &cur.label})
    for (const std::string& n : *names)
      if (!n.empty() && !known.count(n)) extra.insert(n);
  classes.insert(classes.end(), extra.begin(), extra.end());
  return classes;
}

// Counts (label, predicted) over rows [begin, end) that have a label.
metrics::confusion_matrix confusion_of(const prod::dataset& d,
                                       const std::vector<std::string>& classes, std::size_t begin,
                                       std::size_t end) {
  std::map<std::string, std::int64_t, std::less<>> index;
  for (std::size_t i = 0; i < classes.size(); ++i) index[classes[i]] = static_cast<std::int64_t>(i);
  metrics::confusion_matrix cm(classes);
  for (std::size_t i = begin; i < end; ++i)
    if (!d.label[i].empty()) cm.add(index.at(d.label[i]), index.at(d.predicted[i]));
  return cm;
}

// The scores follow scikit-learn's default labels (labels=None): the classes present among the
// labeled rows' true or predicted classes. Averaging over every model class instead would
// count each class production never saw as 0 and sink the macro scores of a small window.
metrics::classification_report scores_of(const metrics::confusion_matrix& cm) {
  const std::size_t k = cm.size();
  std::vector<std::size_t> present;
  for (std::size_t i = 0; i < k; ++i) {
    std::int64_t row = 0, col = 0;
    for (std::size_t j = 0; j < k; ++j) row += cm.at(i, j), col += cm.at(j, i);
    if (row > 0 || col > 0) present.push_back(i);
  }
  std::vector<std::string> labels;
  for (std::size_t i : present) labels.push_back(cm.labels()[i]);
  metrics::confusion_matrix sub(labels);
  for (std::size_t a = 0; a < present.size(); ++a)
    for (std::size_t b = 0; b < present.size(); ++b)
      if (const std::int64_t n = cm.at(present[a], present[b])) sub.add(a, b, n);
  return metrics::compute_report(sub);
}

// Row-normalized production minus row-normalized reference (scikit-learn's normalize="true":
// cell (i, j) = share of true class i predicted as j). Counts would compare window sizes, not
// behaviour. A row without samples normalizes to zeros.
json confusion_difference(const metrics::confusion_matrix& prod_cm,
                          const metrics::confusion_matrix& ref_cm) {
  const std::size_t k = prod_cm.size();
  const auto rate = [k](const metrics::confusion_matrix& cm, std::size_t i, std::size_t j) {
    std::int64_t row = 0;
    for (std::size_t c = 0; c < k; ++c) row += cm.at(i, c);
    return row == 0 ? 0.0 : static_cast<double>(cm.at(i, j)) / static_cast<double>(row);
  };
  json matrix = json::array();
  for (std::size_t i = 0; i < k; ++i) {
    json row = json::array();
    for (std::size_t j = 0; j < k; ++j) row.push_back(rate(prod_cm, i, j) - rate(ref_cm, i, j));
    matrix.push_back(std::move(row));
  }
  return {{"labels", prod_cm.labels()}, {"normalize", "true"}, {"matrix", std::move(matrix)}};
}

json production_metrics(const prod::dataset& ref, const prod::dataset& cur,
                        const std::vector<std::string>& classes) {
  const metrics::confusion_matrix cm = confusion_of(cur, classes, 0, cur.size());
  const metrics::confusion_matrix ref_cm = confusion_of(ref, classes, 0, ref.size());
  const metrics::classification_report r = scores_of(cm);
  const metrics::classification_report rr = scores_of(ref_cm);
  const bool labeled = cm.total() > 0, ref_labeled = ref_cm.total() > 0;
  const auto score = [labeled](double v) { return labeled ? json(v) : json(nullptr); };
  json per_class = json::array();
  for (const metrics::class_scores& c : r.per_class)
    per_class.push_back({{"label", c.label},
                         {"precision", c.precision},
                         {"recall", c.recall},
                         {"f1", c.f1},
                         {"support", c.support},
                         {"predicted", c.predicted}});
  return {
      {"labeled", cm.total()},
      {"label_coverage",
       cur.size() ? json(static_cast<double>(cm.total()) / static_cast<double>(cur.size()))
                  : json(nullptr)},
      {"accuracy", score(r.accuracy)},
      {"precision_macro", score(r.macro.precision)},
      {"recall_macro", score(r.macro.recall)},
      {"f1_macro", score(r.macro.f1)},
      {"precision_micro", score(r.micro.precision)},
      {"recall_micro", score(r.micro.recall)},
      {"f1_micro", score(r.micro.f1)},
      {"precision_weighted", score(r.weighted.precision)},
      {"recall_weighted", score(r.weighted.recall)},
      {"f1_weighted", score(r.weighted.f1)},
      {"per_class", std::move(per_class)},
      {"reference_labeled", ref_cm.total()},
      {"reference_accuracy", ref_labeled ? json(rr.accuracy) : json(nullptr)},
      {"reference_f1_macro", ref_labeled ? json(rr.macro.f1) : json(nullptr)},
      {"accuracy_change", labeled && ref_labeled ? json(r.accuracy - rr.accuracy) : json(nullptr)},
      {"confusion", cm.to_json()},
      {"reference_confusion", ref_cm.to_json()},
      {"confusion_difference", confusion_difference(cm, ref_cm)}};
}

// ---- prediction drift, flags, timeline -----------------------------------------------------

json prediction_drift(const prod::dataset& ref, const prod::dataset& cur,
                      const drift::options& opts) {
  const drift::feature_result cls = drift::test_feature(
      "predicted_class", drift::prepare(drift::column_view::categorical(ref.predicted)),
      drift::prepare(drift::column_view::categorical(cur.predicted)), opts);
  const drift::feature_result conf =
      drift::test_feature("confidence", drift::prepare(drift::column_view::numeric(ref.confidence)),
                          drift::prepare(drift::column_view::numeric(cur.confidence)), opts);
  return {{"predicted_class", cls.to_json()},
          {"confidence", conf.to_json()},
          {"drifted", cls.drifted || conf.drifted}};
}

json count_entries(const std::map<std::string, std::int64_t>& counts, const char* key,
                   std::size_t rows) {
  std::vector<std::pair<std::string, std::int64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  json out = json::array();
  for (const auto& [name, n] : sorted)
    out.push_back(
        {{key, name}, {"count", n}, {"rate", static_cast<double>(n) / static_cast<double>(rows)}});
  return out;
}

json flags_block(const prod::dataset& cur, std::size_t max_samples) {
  std::map<std::string, std::int64_t> by_flag, by_reason;
  std::int64_t flagged = 0;
  json samples = json::array();
  for (std::size_t i = cur.size(); i-- > 0;) {  // newest first, for the samples list
    if (cur.flag[i].empty()) continue;
    ++flagged;
    ++by_flag[cur.flag[i]];
    ++by_reason[cur.reason[i]];
    if (samples.size() < max_samples)
      samples.push_back({{"id", cur.ids[i]},
                         {"time", iso_time(cur.times[i])},
                         {"predicted", cur.predicted[i]},
                         {"label", cur.label[i].empty() ? json(nullptr) : json(cur.label[i])},
                         {"flag", cur.flag[i]},
                         {"reason", cur.reason[i]},
                         {"image", cur.image[i].empty() ? json(nullptr) : json(cur.image[i])}});
  }
  const std::size_t rows = cur.size();
  return {{"flagged", flagged},
          {"rate",
           rows ? json(static_cast<double>(flagged) / static_cast<double>(rows)) : json(nullptr)},
          {"by_flag", count_entries(by_flag, "flag", rows)},
          {"by_reason", count_entries(by_reason, "reason", rows)},
          {"samples", std::move(samples)}};
}

json timeline(const prod::dataset& cur, const std::vector<feature_pair>& features,
              const std::vector<std::string>& classes, const report_options& o) {
  if (o.bucket.empty()) return nullptr;
  const double width = o.bucket == "hour" ? 3600.0 : 86400.0;
  json buckets = json::array();
  // Rows are oldest first, so each bucket is one contiguous range; empty buckets are skipped.
  for (std::size_t begin = 0; begin < cur.size();) {
    const double start = std::floor(cur.times[begin] / width) * width;
    std::size_t end = begin;
    while (end < cur.size() && cur.times[end] < start + width) ++end;
    const drift::drift_report d = feature_drift(features, begin, end, o.drift);
    const metrics::confusion_matrix cm = confusion_of(cur, classes, begin, end);
    std::int64_t flagged = 0;
    for (std::size_t i = begin; i < end; ++i) flagged += cur.flag[i].empty() ? 0 : 1;
    const double rows = static_cast<double>(end - begin);
    buckets.push_back({{"start", iso_time(start)},
                       {"start_unix", start},
                       {"rows", end - begin},
                       {"drift_share", d.drift_share},
                       {"dataset_drift", d.dataset_drift},
                       {"number_of_drifted_features", d.drifted},
                       {"labeled", cm.total()},
                       {"accuracy", cm.total() ? json(static_cast<double>(cm.correct()) /
                                                      static_cast<double>(cm.total()))
                                               : json(nullptr)},
                       {"flagged", flagged},
                       {"flag_rate", static_cast<double>(flagged) / rows}});
    begin = end;
  }
  return {{"bucket", o.bucket}, {"buckets", std::move(buckets)}};
}

json window_json(const prod::window& w) {
  return {{"since", w.since ? json(iso_time(*w.since)) : json(nullptr)},
          {"until", w.until ? json(iso_time(*w.until)) : json(nullptr)},
          {"last", w.last ? json(*w.last) : json(nullptr)}};
}

void check_options(const report_options& o, const std::vector<feature_pair>& features) {
  if (!o.bucket.empty() && o.bucket != "hour" && o.bucket != "day")
    throw error(error_code::invalid_argument,
                "bucket must be 'hour' or 'day', not '" + o.bucket + "'");
  if (o.window.since && o.window.until && *o.window.since > *o.window.until)
    throw error(error_code::invalid_argument, "the window's since (" + iso_time(*o.window.since) +
                                                  ") is after its until (" +
                                                  iso_time(*o.window.until) + ")");
  for (const auto& entry : o.drift.per_feature) {
    const std::string& name = entry.first;  // not a structured binding: clang cannot capture one
    if (name == "predicted_class" || name == "confidence") continue;
    const bool known = std::any_of(features.begin(), features.end(),
                                   [&](const feature_pair& f) { return f.name == name; });
    if (!known) {
      std::string list;
      for (const feature_pair& f : features) list += (list.empty() ? "" : ", ") + f.name;
      throw error(error_code::invalid_argument,
                  "no feature named '" + name + "' in the reference or production records" +
                      (list.empty() ? std::string() : " (features: " + list + ")"));
    }
  }
}

}  // namespace

json drift_report(const reader& store, const std::string& model_ref,
                  const report_options& options) {
  const prod::dataset ref = prod::read(store, model_ref, prod::record_kind::reference);
  const prod::dataset cur =
      prod::read(store, model_ref, prod::record_kind::prediction, options.window);
  text_storage storage;
  const std::vector<feature_pair> features = pair_features(ref, cur, storage);
  check_options(options, features);
  const std::vector<std::string> classes = class_list(ref, cur);

  const drift::drift_report d = feature_drift(features, 0, cur.size(), options.drift);
  json feature_list = json::array();
  for (const drift::feature_result& f : d.features) feature_list.push_back(f.to_json());

  json report = {
      {"schema_version", report_schema_version},
      {"model", {{"run", cur.model.run_id}, {"name", cur.model.run_name}, {"classes", classes}}},
      {"reference", {{"run", cur.model.run_id}, {"rows", ref.size()}}},
      {"current",
       {{"rows", cur.size()},
        {"window", window_json(options.window)},
        {"from", cur.size() ? json(iso_time(cur.times.front())) : json(nullptr)},
        {"to", cur.size() ? json(iso_time(cur.times.back())) : json(nullptr)}}},
      {"dataset_drift", d.dataset_drift},
      {"drift_share", d.drift_share},
      {"drift_share_threshold", d.drift_share_threshold},
      {"number_of_features", d.features.size()},
      {"number_of_tested_features", d.tested},
      {"number_of_drifted_features", d.drifted},
      {"features", std::move(feature_list)},
      {"prediction_drift", prediction_drift(ref, cur, options.drift)},
      {"production_metrics", production_metrics(ref, cur, classes)},
      {"flags", flags_block(cur, options.max_flag_samples)},
      {"timeline", timeline(cur, features, classes, options)}};
  return report;
}

}  // namespace tracker::monitor
