// production_records.cpp — the rules a production record or feedback must meet, and their JSON
// form (docs/http.md). Every front end (HTTP server, import, client, reference recorder) goes
// through validate(), so a rule lives here once.
#include <tracker/production.hpp>

#include "base64.hpp"
#include "production_rules.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <set>

namespace tracker::production {

const char* to_string(record_kind k) noexcept { return k == record_kind::reference ? "reference" : "prediction"; }

record_error::record_error(std::size_t index, std::string field, const std::string& message)
    : error(error_code::invalid_argument,
            "record " + std::to_string(index) + (field.empty() ? "" : ": " + field) + ": " + message),
      index_(index),
      field_(std::move(field)),
      reason_(message) {}

namespace {

// ---- text rules --------------------------------------------------------------------------------
// Field names are built only when there is an error to report: validating a good record
// allocates nothing.

bool has_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

// prefix + "." + name ("features.brightness"), or prefix alone when name is null.
std::string field_name(std::string_view prefix, const std::string* name = nullptr) {
  std::string f(prefix);
  if (name) f += "." + *name;
  return f;
}

void check_name(const std::string& s, std::size_t index, std::string_view field, std::size_t max_bytes) {
  if (s.empty()) throw record_error(index, std::string(field), "must not be empty");
  if (s.size() > max_bytes)
    throw record_error(index, std::string(field),
                       "is " + std::to_string(s.size()) + " bytes; the limit is " + std::to_string(max_bytes));
  if (has_control(s)) throw record_error(index, std::string(field), "contains a control character");
}

void check_text(const std::string& s, std::size_t index, std::string_view prefix, const std::string* name = nullptr) {
  if (s.size() > limits::max_text_bytes)
    throw record_error(index, field_name(prefix, name),
                       "is " + std::to_string(s.size()) + " bytes; the limit is " + std::to_string(limits::max_text_bytes));
}

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

void check_time(double& t, std::size_t index) {
  // 0 means "now"; otherwise a plausible unix time (not negative, before year 5138).
  if (!std::isfinite(t) || t < 0 || t > 1e11)
    throw record_error(index, "timestamp", "must be unix seconds between 0 and 1e11");
  if (t == 0) t = now_seconds();
}

// Names (features, tags): each checked, and none twice — the first repeat is the error.
template <class Pairs, class CheckValue>
void check_named(Pairs& pairs, std::size_t index, std::string_view prefix, CheckValue check_value) {
  // Names in strictly increasing order (what the request parser and the DOM give) cannot
  // repeat; only otherwise is a set needed.
  bool increasing = true;
  for (std::size_t i = 1; i < pairs.size() && increasing; ++i) increasing = pairs[i - 1].first < pairs[i].first;
  std::set<std::string_view> seen;
  for (auto& [name, value] : pairs) {
    check_name(name, index, prefix, limits::max_name_bytes);
    if (!increasing && !seen.insert(name).second) throw record_error(index, field_name(prefix, &name), "appears twice");
    check_value(name, value);
  }
}

bool is_png(const std::string& bytes) {
  static const char magic[] = "\x89PNG\r\n\x1a\n";
  return bytes.size() >= 8 && bytes.compare(0, 8, magic, 8) == 0;
}

// A class given as a name or an index into model.classes, to its name (in place).
void resolve_class(std::string& value, const detail::record_rules& rules, std::size_t index, std::string_view field) {
  const model_info& model = rules.model();
  if (value.empty()) throw record_error(index, std::string(field), "must not be empty");
  if (model.classes.empty()) {
    check_name(value, index, field, limits::max_name_bytes);
    return;
  }
  if (rules.class_index(value) >= 0) return;
  std::size_t i = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), i);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (i < model.classes.size()) {
      value = model.classes[i];
      return;
    }
    throw record_error(index, std::string(field),
                       "class index " + value + " is out of range (the model has " + std::to_string(model.classes.size()) +
                           " classes)");
  }
  std::string names;
  for (std::size_t k = 0; k < model.classes.size() && k < 12; ++k) names += (k ? ", " : "") + model.classes[k];
  if (model.classes.size() > 12) names += ", ...";
  throw record_error(index, std::string(field), "unknown class '" + value + "' (the model's classes are " + names + ")");
}

}  // namespace

// ---- validation ----------------------------------------------------------------------------------

namespace detail {

record_rules::record_rules(const model_info& model, bool index_classes) : model_(model) {
  if (!index_classes) return;
  classes_.reserve(model.classes.size());
  for (std::size_t i = 0; i < model.classes.size(); ++i) classes_.emplace(model.classes[i], i);  // first wins
}

std::ptrdiff_t record_rules::class_index(std::string_view name) const {
  if (!classes_.empty()) {
    auto it = classes_.find(name);
    return it == classes_.end() ? -1 : static_cast<std::ptrdiff_t>(it->second);
  }
  auto it = std::find(model_.classes.begin(), model_.classes.end(), name);
  return it == model_.classes.end() ? -1 : it - model_.classes.begin();
}

void record_rules::check(record& r, record_kind kind, std::size_t index) const {
  const model_info& model = model_;
  check_name(r.id, index, "id", limits::max_id_bytes);
  check_time(r.time, index);

  if (r.features.size() > limits::max_features)
    throw record_error(index, "features",
                       "has " + std::to_string(r.features.size()) + " features; the limit is " + std::to_string(limits::max_features));
  check_named(r.features, index, "features", [&](const std::string& name, const feature_value& value) {
    if (const double* d = std::get_if<double>(&value)) {
      if (std::isinf(*d)) throw record_error(index, field_name("features", &name), "is infinite (send null for a missing value)");
    } else {
      check_text(std::get<std::string>(value), index, "features", &name);
    }
  });

  // The prediction: a class, optional probabilities over the model's classes, a confidence.
  if (r.probabilities.size() > limits::max_classes)
    throw record_error(index, "prediction.probabilities", "has more than " + std::to_string(limits::max_classes) + " entries");
  if (!model.classes.empty() && !r.probabilities.empty() && r.probabilities.size() != model.classes.size())
    throw record_error(index, "prediction.probabilities",
                       "has " + std::to_string(r.probabilities.size()) + " entries but the model has " +
                           std::to_string(model.classes.size()) + " classes");
  double sum = 0;
  for (std::size_t i = 0; i < r.probabilities.size(); ++i) {
    const double p = r.probabilities[i];
    if (!std::isfinite(p) || p < 0 || p > 1)
      throw record_error(index, "prediction.probabilities[" + std::to_string(i) + "]", "must be a number in [0, 1]");
    sum += p;
  }
  if (!r.probabilities.empty() && std::abs(sum - 1) > 1e-3)
    throw record_error(index, "prediction.probabilities", "sum to " + std::to_string(sum) + ", not 1");
  if (r.predicted.empty() && !r.probabilities.empty()) {
    // No label given: the argmax (first maximum), as the model would have answered.
    const auto best = std::max_element(r.probabilities.begin(), r.probabilities.end()) - r.probabilities.begin();
    r.predicted = model.classes.empty() ? std::to_string(best) : model.classes[static_cast<std::size_t>(best)];
  }
  if (r.predicted.empty()) throw record_error(index, "prediction.label", "is required (a class name or index)");
  resolve_class(r.predicted, *this, index, "prediction.label");
  if (r.confidence) {
    if (!std::isfinite(*r.confidence) || *r.confidence < 0 || *r.confidence > 1)
      throw record_error(index, "prediction.confidence", "must be a number in [0, 1]");
  } else if (!r.probabilities.empty()) {
    const auto i = class_index(r.predicted);
    r.confidence = i >= 0 ? r.probabilities[static_cast<std::size_t>(i)]
                          : *std::max_element(r.probabilities.begin(), r.probabilities.end());
  }
  if (r.latency_ms && (!std::isfinite(*r.latency_ms) || *r.latency_ms < 0))
    throw record_error(index, "latency_ms", "must be a finite number >= 0");

  check_named(r.tags, index, "tags",
              [&](const std::string& name, const std::string& value) { check_text(value, index, "tags", &name); });

  if (kind == record_kind::reference && r.label.empty())
    throw record_error(index, "label", "is required in a reference record (the true class)");
  if (!r.label.empty()) resolve_class(r.label, *this, index, "label");

  if (!r.image_png.empty()) {
    if (r.image_png.size() > limits::max_image_bytes)
      throw record_error(index, "image",
                         "is " + std::to_string(r.image_png.size()) + " bytes; the limit is " +
                             std::to_string(limits::max_image_bytes));
    if (!is_png(r.image_png)) throw record_error(index, "image", "is not a PNG file");
  }
}

}  // namespace detail

void validate(record& r, record_kind kind, const model_info& model, std::size_t index) {
  detail::record_rules(model, /*index_classes=*/false).check(r, kind, index);
}

void validate(feedback& f, const model_info* model, std::size_t index) {
  check_name(f.id, index, "id", limits::max_id_bytes);
  check_time(f.time, index);
  if (f.label.empty() && f.flag.empty()) throw record_error(index, "", "a feedback needs a \"label\" or a \"flag\"");
  if (!f.label.empty()) {
    static const model_info no_model;
    resolve_class(f.label, detail::record_rules(model ? *model : no_model, false), index, "label");
  }
  if (!f.flag.empty()) check_name(f.flag, index, "flag", limits::max_name_bytes);
  check_text(f.reason, index, "reason");  // free text: newlines allowed
}

// ---- time --------------------------------------------------------------------------------------

std::optional<double> parse_time(const std::string& text) {
  if (text.empty()) return std::nullopt;
  // Unix seconds: a plain decimal number.
  {
    double v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, std::chars_format::fixed);
    if (ec == std::errc() && end == text.data() + text.size()) {
      if (!std::isfinite(v)) return std::nullopt;
      return v;
    }
  }
  // ISO-8601: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|±HH[:]MM]
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > text.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    out = v;
    return true;
  };
  int year, month, day, hour = 0, minute = 0, second = 0;
  double fraction = 0;
  if (!digits(0, 4, year) || text.size() < 10 || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
      !digits(8, 2, day))
    return std::nullopt;
  std::size_t p = 10;
  int offset_minutes = 0;
  if (p < text.size()) {
    if (text[p] != 'T' && text[p] != 't' && text[p] != ' ') return std::nullopt;
    if (!digits(p + 1, 2, hour) || p + 3 >= text.size() || text[p + 3] != ':' || !digits(p + 4, 2, minute))
      return std::nullopt;
    p += 6;
    if (p < text.size() && text[p] == ':') {
      if (!digits(p + 1, 2, second)) return std::nullopt;
      p += 3;
      if (p < text.size() && (text[p] == '.' || text[p] == ',')) {
        std::size_t q = p + 1;
        double scale = 0.1;
        while (q < text.size() && text[q] >= '0' && text[q] <= '9') {
          fraction += (text[q] - '0') * scale;
          scale /= 10;
          ++q;
        }
        if (q == p + 1) return std::nullopt;
        p = q;
      }
    }
    if (p < text.size()) {
      if (text[p] == 'Z' || text[p] == 'z') {
        ++p;
      } else if (text[p] == '+' || text[p] == '-') {
        int oh = 0, om = 0;
        const int sign = text[p] == '-' ? -1 : 1;
        if (!digits(p + 1, 2, oh)) return std::nullopt;
        p += 3;
        if (p < text.size() && text[p] == ':') ++p;
        if (!digits(p, 2, om)) return std::nullopt;
        p += 2;
        offset_minutes = sign * (oh * 60 + om);
      } else {
        return std::nullopt;
      }
    }
    if (p != text.size()) return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t t = timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // timegm normalized e.g. Feb 30 into March
  return static_cast<double>(t) + fraction - offset_minutes * 60.0;
}

// ---- JSON ----------------------------------------------------------------------------------------

namespace {

using nlohmann::json;

// A class label: a name (string) or an index (non-negative integer), as text.
std::string label_text(const json& v, std::size_t index, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0))
    return std::to_string(v.get<std::uint64_t>());
  throw record_error(index, field, "must be a class name or a class index");
}

double number(const json& v, std::size_t index, const std::string& field) {
  if (!v.is_number()) throw record_error(index, field, "must be a number");
  return v.get<double>();
}

double timestamp(const json& v, std::size_t index) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string())
    if (auto t = parse_time(v.get<std::string>())) return *t;
  throw record_error(index, "timestamp", "must be ISO-8601 (\"2026-11-22T10:00:00Z\") or unix seconds");
}

std::string scalar_text(const json& v, std::size_t index, const std::string& field) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  throw record_error(index, field, "must be a string, number or boolean");
}

}  // namespace

record record_from_json(const json& j, record_kind kind, const model_info& model, std::size_t index) {
  if (!j.is_object()) throw record_error(index, "", "must be a JSON object");
  record r;
  for (const auto& [key, v] : j.items()) {
    if (key == "id") {
      if (v.is_string())
        r.id = v.get<std::string>();
      else if (v.is_number_integer())
        r.id = v.dump();
      else
        throw record_error(index, "id", "must be a string");
    } else if (key == "timestamp") {
      if (!v.is_null()) r.time = timestamp(v, index);
    } else if (key == "features") {
      if (!v.is_object()) throw record_error(index, "features", "must be an object of feature values");
      r.features.reserve(v.size());
      for (const auto& [name, value] : v.items()) {
        const std::string field = "features." + name;
        if (value.is_null())
          r.features.emplace_back(name, std::nan(""));
        else if (value.is_number())
          r.features.emplace_back(name, value.get<double>());
        else if (value.is_string() || value.is_boolean())
          r.features.emplace_back(name, scalar_text(value, index, field));
        else
          throw record_error(index, field, "must be a number, string, boolean or null");
      }
    } else if (key == "prediction") {
      if (v.is_string() || v.is_number()) {
        r.predicted = label_text(v, index, "prediction");
        continue;
      }
      if (!v.is_object()) throw record_error(index, "prediction", "must be an object {\"label\": ..., \"probabilities\": [...]}");
      for (const auto& [pk, pv] : v.items()) {
        if (pk == "label") {
          r.predicted = label_text(pv, index, "prediction.label");
        } else if (pk == "probabilities") {
          if (!pv.is_array()) throw record_error(index, "prediction.probabilities", "must be an array of numbers");
          r.probabilities.reserve(pv.size());
          for (std::size_t i = 0; i < pv.size(); ++i)
            r.probabilities.push_back(number(pv[i], index, "prediction.probabilities[" + std::to_string(i) + "]"));
        } else if (pk == "confidence") {
          r.confidence = number(pv, index, "prediction.confidence");
        } else {
          throw record_error(index, "prediction." + pk, "is not a field of a prediction (label, probabilities, confidence)");
        }
      }
    } else if (key == "latency_ms") {
      if (!v.is_null()) r.latency_ms = number(v, index, "latency_ms");
    } else if (key == "tags") {
      if (!v.is_object()) throw record_error(index, "tags", "must be an object of strings");
      for (const auto& [name, value] : v.items()) r.tags.emplace_back(name, scalar_text(value, index, "tags." + name));
    } else if (key == "image") {
      if (v.is_null()) continue;
      if (!v.is_string()) throw record_error(index, "image", "must be a base64-encoded PNG");
      const std::string& text = v.get_ref<const std::string&>();
      if (text.size() / 4 * 3 > limits::max_image_bytes + 3)
        throw record_error(index, "image", "is larger than " + std::to_string(limits::max_image_bytes) + " bytes");
      auto bytes = tracker::detail::base64_decode(text);
      if (!bytes) throw record_error(index, "image", "is not valid base64");
      r.image_png.assign(bytes->begin(), bytes->end());
    } else if (key == "label") {
      if (!v.is_null()) r.label = label_text(v, index, "label");
    } else {
      throw record_error(index, key,
                         "is not a field of a record (id, timestamp, features, prediction, latency_ms, tags, image, label)");
    }
  }
  if (r.id.empty() && !j.contains("id")) throw record_error(index, "id", "is required");
  validate(r, kind, model, index);
  return r;
}

feedback feedback_from_json(const json& j, const model_info* model, std::size_t index) {
  if (!j.is_object()) throw record_error(index, "", "must be a JSON object");
  feedback f;
  for (const auto& [key, v] : j.items()) {
    if (key == "id") {
      if (v.is_string())
        f.id = v.get<std::string>();
      else if (v.is_number_integer())
        f.id = v.dump();
      else
        throw record_error(index, "id", "must be a string");
    } else if (key == "label") {
      if (!v.is_null()) f.label = label_text(v, index, "label");
    } else if (key == "flag") {
      if (v.is_boolean())
        f.flag = v.get<bool>() ? "flagged" : "";
      else if (!v.is_null())
        f.flag = scalar_text(v, index, "flag");
    } else if (key == "reason") {
      if (!v.is_null()) f.reason = scalar_text(v, index, "reason");
    } else if (key == "timestamp") {
      if (!v.is_null()) f.time = timestamp(v, index);
    } else {
      throw record_error(index, key, "is not a field of a feedback (id, label, flag, reason, timestamp)");
    }
  }
  if (f.id.empty() && !j.contains("id")) throw record_error(index, "id", "is required");
  validate(f, model, index);
  return f;
}

json to_json(const record& r) {
  json j = json::object();
  j["id"] = r.id;
  if (r.time != 0) j["timestamp"] = r.time;
  json features = json::object();
  for (const auto& [name, value] : r.features) {
    if (const double* d = std::get_if<double>(&value))
      features[name] = std::isnan(*d) ? json(nullptr) : json(*d);
    else
      features[name] = std::get<std::string>(value);
  }
  j["features"] = std::move(features);
  json prediction = {{"label", r.predicted}};
  if (!r.probabilities.empty()) prediction["probabilities"] = r.probabilities;
  if (r.confidence) prediction["confidence"] = *r.confidence;
  j["prediction"] = std::move(prediction);
  if (r.latency_ms) j["latency_ms"] = *r.latency_ms;
  if (!r.tags.empty()) {
    json tags = json::object();
    for (const auto& [k, v] : r.tags) tags[k] = v;
    j["tags"] = std::move(tags);
  }
  if (!r.label.empty()) j["label"] = r.label;
  if (!r.image_png.empty())
    j["image"] = tracker::detail::base64_encode(reinterpret_cast<const std::uint8_t*>(r.image_png.data()), r.image_png.size());
  return j;
}

json to_json(const feedback& f) {
  json j = {{"id", f.id}};
  if (!f.label.empty()) j["label"] = f.label;
  if (!f.flag.empty()) j["flag"] = f.flag;
  if (!f.reason.empty()) j["reason"] = f.reason;
  if (f.time != 0) j["timestamp"] = f.time;
  return j;
}

}  // namespace tracker::production
