// predictions.cpp — metrics::predictions (the "predictions" object, see tracker/metrics.hpp)
// and log_predictions. A file of its own because metrics.cpp is past the size where files split.
//
// Encoding: packed little-endian integers and bfloat16 losses, base64 (RFC 4648, padded) so
// the body stays JSON. 10,000 samples of 10 classes: 10 + 10 + 20 KB raw, ~53 KB in base64.
#include <tracker/metrics.hpp>
#include <tracker/tracker.hpp>

#include "base64.hpp"
#include "error_report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

namespace tracker::metrics {

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw tracker::error(error_code::invalid_argument, message);
}

std::vector<std::uint8_t> base64_decode(const std::string& in, const std::string& what) {
  auto out = detail::base64_decode(in);
  if (!out) invalid("predictions body: \"" + what + "\" is not base64");
  return std::move(*out);
}

// ---- bfloat16: the upper 16 bits of a float32, rounded to nearest even --------------------------

std::uint16_t to_bfloat16(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, 4);
  if (std::isnan(f)) return static_cast<std::uint16_t>((u >> 16) | 0x40);  // stays a quiet NaN
  u += 0x7fff + ((u >> 16) & 1);  // may carry into the exponent: rounds up to the next binade/inf
  return static_cast<std::uint16_t>(u >> 16);
}

float from_bfloat16(std::uint16_t h) {
  const std::uint32_t u = std::uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

void put_le(std::vector<std::uint8_t>& out, std::uint32_t v, int bytes) {
  for (int b = 0; b < bytes; ++b) out.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
}

std::uint32_t get_le(const std::vector<std::uint8_t>& in, std::size_t i, int bytes) {
  std::uint32_t v = 0;
  for (int b = 0; b < bytes; ++b) v |= std::uint32_t(in[i * bytes + b]) << (8 * b);
  return v;
}

const std::string& string_member(const nlohmann::json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string())
    invalid(std::string("predictions body: \"") + name + "\" must be a base64 string");
  return it->get_ref<const std::string&>();
}

}  // namespace

predictions::predictions(std::vector<std::string> labels) {
  if (labels.size() > 65536)
    invalid("predictions: at most 65,536 classes, got " + std::to_string(labels.size()));
  confusion_matrix check(labels);  // the same label rules (unique, non-empty) and messages
  labels_ = std::move(labels);
}

void predictions::add(std::int64_t true_class, std::int64_t predicted_class,
                      std::optional<double> loss, std::optional<std::int64_t> dataset_index) {
  const auto k = static_cast<std::int64_t>(labels_.size());
  if (true_class < 0 || true_class >= k || predicted_class < 0 || predicted_class >= k)
    invalid("predictions::add: class (" + std::to_string(true_class) + ", " +
            std::to_string(predicted_class) + ") outside [0, " + std::to_string(k) + ")");
  const std::int64_t index =
      dataset_index ? *dataset_index : static_cast<std::int64_t>(true_.size());
  if (index < 0 || index > std::int64_t(0xffffffff))
    invalid("predictions::add: dataset index " + std::to_string(index) + " outside [0, 2^32)");
  true_.push_back(static_cast<std::uint16_t>(true_class));
  pred_.push_back(static_cast<std::uint16_t>(predicted_class));
  loss_.push_back(loss ? static_cast<float>(*loss) : std::numeric_limits<float>::quiet_NaN());
  index_.push_back(static_cast<std::uint32_t>(index));
}

void predictions::clear() noexcept {
  true_.clear();
  pred_.clear();
  loss_.clear();
  index_.clear();
}

bool predictions::has_loss() const noexcept {
  return std::any_of(loss_.begin(), loss_.end(), [](float l) { return !std::isnan(l); });
}

confusion_matrix predictions::confusion() const {
  confusion_matrix cm(labels_);
  for (std::size_t i = 0; i < true_.size(); ++i) cm.add(true_[i], pred_[i]);
  return cm;
}

nlohmann::json predictions::to_json() const {
  const std::size_t n = true_.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return index_[a] < index_[b]; });
  bool positional = true;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && index_[order[i]] == index_[order[i - 1]])
      invalid("predictions: dataset index " + std::to_string(index_[order[i]]) +
              " was added twice");
    if (index_[order[i]] != i) positional = false;
  }
  const int label_bytes = labels_.size() <= 256 ? 1 : 2;
  std::vector<std::uint8_t> t, p, l, ix;
  t.reserve(n * label_bytes), p.reserve(n * label_bytes), l.reserve(2 * n);
  for (std::size_t i : order) {
    put_le(t, true_[i], label_bytes);
    put_le(p, pred_[i], label_bytes);
    put_le(l, to_bfloat16(loss_[i]), 2);
    if (!positional) put_le(ix, index_[i], 4);
  }
  nlohmann::json body = {{"version", body_version},
                         {"labels", labels_},
                         {"count", n},
                         {"label_type", label_bytes == 1 ? "uint8" : "uint16"},
                         {"true_label", detail::base64_encode(t)},
                         {"predicted_label", detail::base64_encode(p)}};
  if (has_loss()) {
    body["loss_type"] = "bfloat16";
    body["loss"] = detail::base64_encode(l);
  }
  if (!positional) {
    body["index_type"] = "uint32";
    body["index"] = detail::base64_encode(ix);
  }
  return body;
}

predictions predictions::from_json(const nlohmann::json& body) {
  if (!body.is_object())
    invalid(std::string("predictions body must be a JSON object, got ") + body.type_name());
  if (auto v = body.find("version"); v != body.end()) {
    if (!v->is_number_integer() && !v->is_number_unsigned())
      invalid("predictions body: \"version\" must be an integer");
    const auto ver = v->get<std::int64_t>();
    if (ver < 1 || ver > body_version)
      invalid("predictions body has version " + std::to_string(ver) +
              ", this tracker reads up to version " + std::to_string(body_version) +
              " (upgrade tracker to read it)");
  }
  auto labels = body.find("labels");
  if (labels == body.end() || !labels->is_array())
    invalid("predictions body: \"labels\" must be an array");
  std::vector<std::string> names;
  for (const auto& x : *labels) {
    if (!x.is_string()) invalid("predictions body: every label must be a string");
    names.push_back(x.get<std::string>());
  }
  predictions out(std::move(names));
  auto count_it = body.find("count");
  if (count_it == body.end() || !count_it->is_number_integer() || count_it->get<std::int64_t>() < 0)
    invalid("predictions body: \"count\" must be a non-negative integer");
  const auto n = static_cast<std::size_t>(count_it->get<std::int64_t>());

  int label_bytes = 1;
  if (auto lt = body.find("label_type"); lt != body.end()) {
    if (*lt == "uint16")
      label_bytes = 2;
    else if (*lt != "uint8")
      invalid("predictions body: unknown label_type " + lt->dump());
  }
  const auto t = base64_decode(string_member(body, "true_label"), "true_label");
  const auto p = base64_decode(string_member(body, "predicted_label"), "predicted_label");
  if (t.size() != n * label_bytes || p.size() != n * label_bytes)
    invalid("predictions body: true_label/predicted_label hold " +
            std::to_string(t.size() / label_bytes) + "/" + std::to_string(p.size() / label_bytes) +
            " samples, count says " + std::to_string(n));
  std::vector<std::uint8_t> l, ix;
  if (body.contains("loss")) {
    if (body.value("loss_type", std::string("bfloat16")) != "bfloat16")
      invalid("predictions body: unknown loss_type " + body["loss_type"].dump());
    l = base64_decode(string_member(body, "loss"), "loss");
    if (l.size() != 2 * n)
      invalid("predictions body: loss holds " + std::to_string(l.size() / 2) +
              " samples, count says " + std::to_string(n));
  }
  if (body.contains("index")) {
    if (body.value("index_type", std::string("uint32")) != "uint32")
      invalid("predictions body: unknown index_type " + body["index_type"].dump());
    ix = base64_decode(string_member(body, "index"), "index");
    if (ix.size() != 4 * n)
      invalid("predictions body: index holds " + std::to_string(ix.size() / 4) +
              " samples, count says " + std::to_string(n));
  }
  const std::size_t k = out.classes();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t ti = get_le(t, i, label_bytes), pi = get_le(p, i, label_bytes);
    if (ti >= k || pi >= k)
      invalid("predictions body: sample " + std::to_string(i) + " has a class outside [0, " +
              std::to_string(k) + ")");
    const std::uint32_t index = ix.empty() ? static_cast<std::uint32_t>(i) : get_le(ix, i, 4);
    if (i > 0 && !ix.empty() && index <= out.index_.back())
      invalid("predictions body: \"index\" must increase (sample " + std::to_string(i) + ")");
    out.true_.push_back(static_cast<std::uint16_t>(ti));
    out.pred_.push_back(static_cast<std::uint16_t>(pi));
    out.loss_.push_back(l.empty() ? std::numeric_limits<float>::quiet_NaN()
                                  : from_bfloat16(static_cast<std::uint16_t>(get_le(l, i, 2))));
    out.index_.push_back(index);
  }
  return out;
}

void log_predictions(run& r, std::string_view key, const predictions& p,
                     std::optional<std::int64_t> step) noexcept {
  try {
    r.log_object(key, kind_predictions, p.to_json(), step);
  } catch (const std::exception& e) {
    try {
      detail::report_error("log_predictions '" + std::string(key) + "': " + e.what());
    } catch (...) {
    }
  }
}

}  // namespace tracker::metrics
