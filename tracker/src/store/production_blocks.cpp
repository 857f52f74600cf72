// production_blocks.cpp — encoding and parsing the blocks of production records (schema 5).
//
// Blob (docs/store.md, "production_blocks"): a byte 2 (the format), varint n, then sections,
// each a varint byte length and its bytes, in this order:
//   ids            n × (varint length, bytes)
//   times          n × float64
//   predicted      dictionary: varint count, count × (varint length, bytes); then n × varint code
//   confidence     n × float64, NaN = none
//   latency        n × float64, NaN = none
//   label          dictionary (as predicted)
//   probabilities  n × (varint count, count × float64)
//   tags           dictionary of keys and values; then n × (varint count, count × (key, value) codes)
//   image          n × (varint length, bytes)
// then varint features, and per feature: varint length and name, a byte of flags (1: numbers
// follow, 2: categories follow), the numbers section (n × float64) and/or the categories
// section (dictionary; n × varint code, 0 = not a category, k = entry k − 1).
// float64 is little-endian IEEE 754, bit for bit.
#include "store/production_blocks.hpp"

#include "store/point_blocks.hpp"  // put_varint

#include <tracker/types.hpp>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace tracker::store::production_block {

static_assert(std::endian::native == std::endian::little, "blocks store float64 as the machine's bytes");

namespace {

constexpr std::uint8_t format = 2;
constexpr std::uint64_t missing_bits = 0x7ff8'0000'0000'0000ull;  // the canonical quiet NaN

[[noreturn]] void corrupt(const char* what) {
  throw error(error_code::store_corrupt, std::string("tracker store: a production block is damaged (") + what +
                                             "); the database file was changed outside tracker");
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) v >>= 7, ++n;
  return n;
}
void put_f64(std::string& out, double v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}
void put_bits(std::string& out, std::uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}
void put_text(std::string& out, const std::string& s) {
  put_varint(out, s.size());
  out += s;
}
void put_section(std::string& out, const std::string& bytes) {
  put_varint(out, bytes.size());
  out += bytes;
}

void put_dictionary(std::string& out, const dictionary& d, const std::string& codes) {
  put_varint(out, d.bytes + varint_size(d.values.size()) + codes.size());
  put_varint(out, d.values.size());
  for (const std::string& v : d.values) put_text(out, v);
  out += codes;
}

struct cursor {
  const std::uint8_t* p;
  const std::uint8_t* end;
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) corrupt("truncated");
      const std::uint8_t b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    corrupt("bad varint");
  }
  const std::uint8_t* take(std::uint64_t bytes) {
    if (static_cast<std::uint64_t>(end - p) < bytes) corrupt("truncated");
    const std::uint8_t* at = p;
    p += bytes;
    return at;
  }
  view::bytes section() {
    const std::uint64_t len = varint();
    const std::uint8_t* at = take(len);
    return {at, at + len};
  }
  std::string_view text() {
    const std::uint64_t len = varint();
    return {reinterpret_cast<const char*>(take(len)), static_cast<std::size_t>(len)};
  }
};

const std::uint8_t* f64_section(cursor& c, std::size_t n) {
  view::bytes s = c.section();
  if (static_cast<std::size_t>(s.end - s.p) != 8 * n) corrupt("bad number column");
  return s.p;
}

view::dict_column dict_section(cursor& c) {
  view::bytes s = c.section();
  cursor in{s.p, s.end};
  view::dict_column d;
  const std::uint64_t count = in.varint();
  if (count > static_cast<std::uint64_t>(s.end - s.p)) corrupt("bad dictionary");
  d.values.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) d.values.push_back(in.text());
  d.codes = {in.p, s.end};
  return d;
}

}  // namespace

std::size_t max_records() {
  // Default 512 (docs/performance.md, "Production store"). TRACKER_PRODUCTION_BLOCK_RECORDS
  // overrides it for measurements only; any value reads back, it only changes where blocks are cut.
  static const std::size_t n = [] {
    const char* e = std::getenv("TRACKER_PRODUCTION_BLOCK_RECORDS");
    long v = e ? std::atol(e) : 0;
    return v >= 1 && v <= 65536 ? static_cast<std::size_t>(v) : std::size_t{512};
  }();
  return n;
}

std::uint32_t dictionary::code(const std::string& v) {
  auto [it, added] = index.try_emplace(v, static_cast<std::uint32_t>(values.size()));
  if (added) {
    values.push_back(v);
    bytes += varint_size(v.size()) + v.size();
  }
  return it->second;
}

// ---- builder -------------------------------------------------------------------------------

void builder::pad(feature& f) const {
  while (f.numbers.size() < 8 * n_) {
    put_bits(f.numbers, absent_bits);
    f.codes.push_back(0);
    f.all_category = false;
  }
}

void builder::add(const production_row& r) {
  if (n_ == 0 || r.time < min_time_) min_time_ = r.time;
  if (n_ == 0 || r.time > max_time_) max_time_ = r.time;
  put_text(ids_, r.id);
  put_f64(times_, r.time);
  put_varint(predicted_codes_, predicted_.code(r.predicted));
  put_bits(confidence_, r.confidence ? std::bit_cast<std::uint64_t>(*r.confidence) : missing_bits);
  put_bits(latency_, r.latency_ms ? std::bit_cast<std::uint64_t>(*r.latency_ms) : missing_bits);
  put_varint(label_codes_, label_.code(r.label));
  put_varint(probabilities_, r.probabilities.size());
  for (double p : r.probabilities) put_f64(probabilities_, p);
  put_varint(tag_codes_, r.tags.size());
  for (const auto& [k, v] : r.tags) {
    put_varint(tag_codes_, tags_.code(k));
    put_varint(tag_codes_, tags_.code(v));
  }
  put_text(image_, r.image);

  for (std::size_t j = 0; j < r.features.size(); ++j) {
    const auto& [name, value] = r.features[j];
    std::size_t at = j;  // records of one source list their features in the same order
    if (at >= features_.size() || features_[at].name != name) {
      auto [it, added] = feature_index_.try_emplace(name, features_.size());
      if (added) {
        features_.push_back({});
        features_.back().name = name;
        feature_bytes_ += varint_size(name.size()) + name.size() + 1;
      }
      at = it->second;
    }
    feature& f = features_[at];
    pad(f);  // rows before this feature appeared
    if (f.numbers.size() > 8 * n_) continue;  // a name twice in one record: validation forbids it
    if (const double* d = std::get_if<double>(&value)) {
      put_bits(f.numbers, std::isnan(*d) ? missing_bits : std::bit_cast<std::uint64_t>(*d));
      f.codes.push_back(0);
      f.all_category = false;
    } else {
      put_bits(f.numbers, missing_bits);
      const std::size_t before = f.categories.bytes;
      put_varint(f.codes, f.categories.code(std::get<std::string>(value)) + 1);
      feature_bytes_ += f.categories.bytes - before;
      f.any_category = true;
    }
  }
  ++n_;
  for (feature& f : features_) pad(f);  // features this record does not have
}

std::size_t builder::encoded_size() const {
  // Close enough to decide where to cut: features count 9 bytes a row.
  return ids_.size() + times_.size() + predicted_codes_.size() + predicted_.bytes + confidence_.size() +
         latency_.size() + label_codes_.size() + label_.bytes + probabilities_.size() + tag_codes_.size() +
         tags_.bytes + image_.size() + feature_bytes_ + 9 * n_ * features_.size() + 64;
}

void builder::encode(std::string& out) const {
  out.clear();
  out.reserve(encoded_size() + 16 * features_.size());
  out.push_back(static_cast<char>(format));
  put_varint(out, n_);
  put_section(out, ids_);
  put_section(out, times_);
  put_dictionary(out, predicted_, predicted_codes_);
  put_section(out, confidence_);
  put_section(out, latency_);
  put_dictionary(out, label_, label_codes_);
  put_section(out, probabilities_);
  put_dictionary(out, tags_, tag_codes_);
  put_section(out, image_);
  put_varint(out, features_.size());
  for (const feature& f : features_) {
    put_text(out, f.name);
    const bool numbers = !(f.any_category && f.all_category);
    out.push_back(static_cast<char>((numbers ? 1 : 0) | (f.any_category ? 2 : 0)));
    if (numbers) put_section(out, f.numbers);
    if (f.any_category) put_dictionary(out, f.categories, f.codes);
  }
}

// ---- reading -------------------------------------------------------------------------------

view parse(const void* data, std::size_t size) {
  if (!data || size < 2) corrupt("empty");
  cursor c{static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + size};
  if (*c.p++ != format) corrupt("unknown format");
  view v;
  v.n = c.varint();
  if (v.n > size) corrupt("bad header");  // every record takes at least a byte
  v.ids = c.section();
  v.times = f64_section(c, v.n);
  v.predicted = dict_section(c);
  v.confidence = f64_section(c, v.n);
  v.latency = f64_section(c, v.n);
  v.label = dict_section(c);
  v.probabilities = c.section();
  v.tag_dictionary = dict_section(c);
  v.tags = v.tag_dictionary.codes;
  v.image = c.section();
  const std::uint64_t features = c.varint();
  if (features > size) corrupt("bad feature count");
  v.features.reserve(features);
  for (std::uint64_t i = 0; i < features; ++i) {
    view::feature f;
    f.name = c.text();
    const std::uint8_t flags = *c.take(1);
    if (flags == 0 || flags > 3) corrupt("bad feature flags");
    if (flags & 1) f.numbers = f64_section(c, v.n);
    if (flags & 2) f.categories = dict_section(c);
    v.features.push_back(f);
  }
  if (c.p != c.end) corrupt("length mismatch");
  return v;
}

std::uint64_t bits_at(const std::uint8_t* column, std::size_t i) {
  std::uint64_t b;
  std::memcpy(&b, column + 8 * i, 8);
  return b;
}
double f64_at(const std::uint8_t* column, std::size_t i) { return std::bit_cast<double>(bits_at(column, i)); }

std::vector<std::string_view> texts(const view::bytes& column, std::size_t n) {
  cursor c{column.p, column.end};
  std::vector<std::string_view> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(c.text());
  if (c.p != c.end) corrupt("text column length");
  return out;
}

std::vector<std::uint32_t> codes(const view::dict_column& column, std::size_t n, std::uint32_t offset) {
  cursor c{column.codes.p, column.codes.end};
  std::vector<std::uint32_t> out(n);
  const std::uint64_t limit = column.values.size() + offset;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = c.varint();
    if (k >= limit) corrupt("bad dictionary code");
    out[i] = static_cast<std::uint32_t>(k);
  }
  if (c.p != c.end) corrupt("code column length");
  return out;
}

std::vector<production_row> rows(const view& v, std::int64_t rid, int kind) {
  std::vector<production_row> out(v.n);
  const auto ids = texts(v.ids, v.n), images = texts(v.image, v.n);
  const auto predicted = codes(v.predicted, v.n), label = codes(v.label, v.n);
  cursor probabilities{v.probabilities.p, v.probabilities.end}, tags{v.tags.p, v.tags.end};
  for (std::size_t i = 0; i < v.n; ++i) {
    production_row& r = out[i];
    r.rid = rid;
    r.kind = kind;
    r.id = ids[i];
    r.time = f64_at(v.times, i);
    r.predicted = v.predicted.values[predicted[i]];
    if (const double c = f64_at(v.confidence, i); !std::isnan(c)) r.confidence = c;
    if (const double l = f64_at(v.latency, i); !std::isnan(l)) r.latency_ms = l;
    r.label = v.label.values[label[i]];
    const std::uint64_t np = probabilities.varint();
    const std::uint8_t* p = probabilities.take(8 * np);
    for (std::uint64_t k = 0; k < np; ++k) r.probabilities.push_back(f64_at(p, k));
    const std::uint64_t nt = tags.varint();
    for (std::uint64_t k = 0; k < nt; ++k) {
      const std::uint64_t key = tags.varint(), value = tags.varint();
      if (key >= v.tag_dictionary.values.size() || value >= v.tag_dictionary.values.size()) corrupt("bad tag code");
      r.tags.emplace_back(v.tag_dictionary.values[key], v.tag_dictionary.values[value]);
    }
    r.image = images[i];
  }
  if (probabilities.p != probabilities.end || tags.p != tags.end) corrupt("column length");
  for (const view::feature& f : v.features) {
    const std::vector<std::uint32_t> c = f.categories.codes.empty() ? std::vector<std::uint32_t>(v.n)
                                                                     : codes(f.categories, v.n, 1);
    for (std::size_t i = 0; i < v.n; ++i) {
      if (c[i] != 0) {
        out[i].features.emplace_back(std::string(f.name), std::string(f.categories.values[c[i] - 1]));
      } else if (f.numbers && bits_at(f.numbers, i) != absent_bits) {
        out[i].features.emplace_back(std::string(f.name), f64_at(f.numbers, i));
      }
    }
  }
  return out;
}

}  // namespace tracker::store::production_block
