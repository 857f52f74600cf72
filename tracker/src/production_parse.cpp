// production_parse.cpp — see production_parse.hpp. A recursive-descent reader of exactly the
// ingest body's shape; it accepts nothing nlohmann::json would refuse (the same number grammar,
// string escapes, surrogate pairs and UTF-8 rules), and gives up (nullopt) rather than decide
// anything the DOM path decides.
#include "production_parse.hpp"

#include "base64.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace tracker::production::detail {

namespace {

struct give_up {};  // not the plain case: the caller takes the DOM path

[[noreturn]] void fail() { throw give_up{}; }

struct number {
  double value = 0;
  bool integer = false;  // nlohmann would hold it as an integer (fits int64 or uint64)
  bool negative = false;
  std::uint64_t magnitude = 0;  // when integer
};

class reader {
 public:
  explicit reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  char peek() {
    ws();
    if (p_ == end_) fail();
    return *p_;
  }
  void expect(char c) {
    if (peek() != c) fail();
    ++p_;
  }
  bool consume(char c) {
    if (peek() != c) return false;
    ++p_;
    return true;
  }
  bool at_end() {
    ws();
    return p_ == end_;
  }

  // A string. The view points into the text when it has no escapes, else into buf.
  std::string_view str(std::string& buf) {
    expect('"');
    const char* start = p_;
    bool copied = false;
    for (;;) {
      if (p_ == end_) fail();
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        std::string_view v(start, static_cast<std::size_t>(p_ - start));
        if (copied) {
          buf.append(v);
          v = buf;
        }
        ++p_;
        return v;
      }
      if (c == '\\') {
        if (!copied) buf.clear();
        copied = true;
        buf.append(start, p_);
        ++p_;
        escape(buf);
        start = p_;
      } else if (c < 0x20) {
        fail();  // a raw control character
      } else if (c < 0x80) {
        ++p_;
      } else {
        utf8();
      }
    }
  }
  std::string string() {
    std::string buf;
    const std::string_view v = str(buf);
    return v.data() == buf.data() ? std::move(buf) : std::string(v);
  }

  number num() {
    ws();
    number n;
    const char* begin = p_;
    if (p_ < end_ && *p_ == '-') {
      n.negative = true;
      ++p_;
    }
    if (p_ == end_) fail();
    // The digits, integer part and fraction, as one integer m (while it fits).
    std::uint64_t m = 0;
    bool overflow = false;
    const auto digit = [&] {
      const auto d = static_cast<std::uint64_t>(*p_++ - '0');
      if (m > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
        overflow = true;
      else if (!overflow)
        m = m * 10 + d;
    };
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') digit();
    } else {
      fail();
    }
    n.magnitude = m;
    const bool integer_overflow = overflow;
    bool fraction = false;
    int fraction_digits = 0, exponent = 0;
    if (p_ < end_ && *p_ == '.') {
      fraction = true;
      ++p_;
      if (p_ == end_ || *p_ < '0' || *p_ > '9') fail();
      for (; p_ < end_ && *p_ >= '0' && *p_ <= '9'; ++fraction_digits) digit();
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      fraction = true;
      ++p_;
      bool minus = false;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) minus = *p_++ == '-';
      if (p_ == end_ || *p_ < '0' || *p_ > '9') fail();
      for (; p_ < end_ && *p_ >= '0' && *p_ <= '9'; ++p_)
        if (exponent < 100000) exponent = exponent * 10 + (*p_ - '0');
      if (minus) exponent = -exponent;
    }
    // nlohmann: int64 for a negative integer, uint64 for a positive one, else a double.
    constexpr std::uint64_t int64_min_magnitude = std::uint64_t{1} << 63;
    n.integer = !fraction && !integer_overflow && (!n.negative || n.magnitude <= int64_min_magnitude);
    if (n.integer) {
      if (n.magnitude == 0) n.negative = false;  // "-0" is the integer 0
      n.value = n.negative ? -static_cast<double>(n.magnitude) : static_cast<double>(n.magnitude);
      return n;
    }
    // Clinger's fast path: m and 10^e both exact doubles, so one multiplication or division
    // rounds once, to the correctly rounded value (what strtod gives). Else from_chars.
    static constexpr double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const int e10 = exponent - fraction_digits;
    if (!overflow && m <= (std::uint64_t{1} << 53) && e10 >= -22 && e10 <= 22) {
      const double v = e10 < 0 ? static_cast<double>(m) / pow10[-e10] : static_cast<double>(m) * pow10[e10];
      n.value = n.negative ? -v : v;
      return n;
    }
    auto [end, ec] = std::from_chars(begin, p_, n.value);
    if (ec != std::errc() || end != p_) fail();  // out of range: nlohmann's strtod decides
    return n;
  }

  void literal(std::string_view word) {
    ws();
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) fail();
    p_ += word.size();
  }

  // Any JSON value, checked and dropped (keys of the envelope this server does not know).
  void skip_value() {
    std::string open;  // the containers we are in: '{' or '['
    for (;;) {
      const char c = peek();
      if (c == '{' || c == '[') {
        ++p_;
        if (!consume(c == '{' ? '}' : ']')) {
          open.push_back(c);
          if (c == '{') key_colon();
          continue;
        }
      } else if (c == '"') {
        str(scratch_);
      } else if (c == 't') {
        literal("true");
      } else if (c == 'f') {
        literal("false");
      } else if (c == 'n') {
        literal("null");
      } else {
        num();
      }
      for (;;) {  // after a value: close containers, or the next element
        if (open.empty()) return;
        const char d = peek();
        ++p_;
        if (d == ',') {
          if (open.back() == '{') key_colon();
          break;
        }
        if (d != (open.back() == '{' ? '}' : ']')) fail();
        open.pop_back();
      }
    }
  }

  std::string scratch_;
  std::vector<double> numbers_;

 private:
  void key_colon() {
    str(scratch_);
    expect(':');
  }

  unsigned hex4() {
    if (end_ - p_ < 4) fail();
    unsigned v = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      const char c = *p_;
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<unsigned>(c - 'A' + 10);
      else
        fail();
    }
    return v;
  }

  // After a backslash.
  void escape(std::string& out) {
    if (p_ == end_) fail();
    const char c = *p_++;
    switch (c) {
      case '"': case '\\': case '/': out += c; return;
      case 'b': out += '\b'; return;
      case 'f': out += '\f'; return;
      case 'n': out += '\n'; return;
      case 'r': out += '\r'; return;
      case 't': out += '\t'; return;
      case 'u': break;
      default: fail();
    }
    unsigned cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) fail();  // a low surrogate first
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') fail();
      p_ += 2;
      const unsigned low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) fail();
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // One well-formed UTF-8 sequence of 2-4 bytes (RFC 3629, as nlohmann's lexer checks it).
  void utf8() {
    const auto b = [this](std::ptrdiff_t i) { return static_cast<unsigned char>(p_[i]); };
    const auto c0 = b(0);
    int n;
    unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
    if (c0 >= 0xC2 && c0 <= 0xDF) {
      n = 2;
    } else if (c0 >= 0xE0 && c0 <= 0xEF) {
      n = 3;
      if (c0 == 0xE0) lo = 0xA0;
      if (c0 == 0xED) hi = 0x9F;
    } else if (c0 >= 0xF0 && c0 <= 0xF4) {
      n = 4;
      if (c0 == 0xF0) lo = 0x90;
      if (c0 == 0xF4) hi = 0x8F;
    } else {
      fail();
    }
    if (end_ - p_ < n) fail();
    if (b(1) < lo || b(1) > hi) fail();
    for (int i = 2; i < n; ++i)
      if (b(i) < 0x80 || b(i) > 0xBF) fail();
    p_ += n;
  }

  const char* p_;
  const char* end_;
};

// A class label as record_from_json reads it: a name, or a non-negative integer index.
std::string label(reader& in) {
  const char c = in.peek();
  if (c == '"') return in.string();
  if (c != '-' && (c < '0' || c > '9')) fail();
  const number n = in.num();
  if (!n.integer || n.negative) fail();
  return std::to_string(n.magnitude);
}

double num_value(reader& in) {
  const char c = in.peek();
  if (c != '-' && (c < '0' || c > '9')) fail();
  return in.num().value;
}

// A value record_from_json turns into text (categories, tags): string, boolean or number.
std::string scalar(reader& in) {
  switch (in.peek()) {
    case '"': return in.string();
    case 't': in.literal("true"); return "true";
    case 'f': in.literal("false"); return "false";
    case 'n': case '{': case '[': fail();
    default: {
      const number n = in.num();
      if (!n.integer) return nlohmann::json(n.value).dump();
      return (n.negative ? "-" : "") + std::to_string(n.magnitude);
    }
  }
}

// Names in the order of the DOM's sorted objects; a repeated name is the DOM's business.
template <class Pairs>
void sort_unique(Pairs& v) {
  const auto by_name = [](const auto& a, const auto& b) { return a.first < b.first; };
  if (!std::is_sorted(v.begin(), v.end(), by_name)) std::sort(v.begin(), v.end(), by_name);
  if (std::adjacent_find(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first == b.first; }) != v.end())
    fail();
}

void features(reader& in, record& r) {
  in.expect('{');
  if (in.consume('}')) return;
  r.features.reserve(8);
  do {
    std::string name = in.string();
    in.expect(':');
    switch (in.peek()) {
      case '"': r.features.emplace_back(std::move(name), in.string()); break;
      case 't': in.literal("true"); r.features.emplace_back(std::move(name), std::string("true")); break;
      case 'f': in.literal("false"); r.features.emplace_back(std::move(name), std::string("false")); break;
      case 'n': in.literal("null"); r.features.emplace_back(std::move(name), std::nan("")); break;
      case '{': case '[': fail();
      default: r.features.emplace_back(std::move(name), in.num().value);
    }
  } while (in.consume(','));
  in.expect('}');
  sort_unique(r.features);
}

void tags(reader& in, record& r) {
  in.expect('{');
  if (in.consume('}')) return;
  do {
    std::string name = in.string();
    in.expect(':');
    r.tags.emplace_back(std::move(name), scalar(in));
  } while (in.consume(','));
  in.expect('}');
  sort_unique(r.tags);
}

void prediction(reader& in, record& r) {
  const char c = in.peek();
  if (c != '{') {
    if (c == '"' || c == '-' || (c >= '0' && c <= '9')) {
      r.predicted = label(in);
      return;
    }
    fail();
  }
  in.expect('{');
  if (in.consume('}')) return;
  unsigned seen = 0;
  do {
    const std::string_view key = in.str(in.scratch_);
    in.expect(':');
    const unsigned bit = key == "label" ? 1 : key == "probabilities" ? 2 : key == "confidence" ? 4 : 0;
    if (bit == 0 || (seen & bit)) fail();
    seen |= bit;
    if (bit == 1) {
      r.predicted = label(in);
    } else if (bit == 2) {
      in.expect('[');
      if (!in.consume(']')) {
        std::vector<double>& p = in.numbers_;  // reused: the record's vector is allocated once
        p.clear();
        do p.push_back(num_value(in));
        while (in.consume(','));
        in.expect(']');
        r.probabilities.assign(p.begin(), p.end());
      }
    } else {
      r.confidence = num_value(in);
    }
  } while (in.consume(','));
  in.expect('}');
}

void image(reader& in, record& r) {
  std::string buf;
  const std::string_view text = in.str(buf);
  if (text.size() / 4 * 3 > limits::max_image_bytes + 3) fail();
  auto bytes = tracker::detail::base64_decode(text);
  if (!bytes) fail();
  r.image_png.assign(bytes->begin(), bytes->end());
}

// A record's fields, as bits (to see a key twice).
constexpr unsigned f_id = 1, f_timestamp = 2, f_features = 4, f_prediction = 8, f_latency = 16, f_tags = 32,
                   f_image = 64, f_label = 128;

unsigned field_of(std::string_view key) {
  switch (key.size()) {
    case 2: return key == "id" ? f_id : 0;
    case 4: return key == "tags" ? f_tags : 0;
    case 5: return key == "image" ? f_image : key == "label" ? f_label : 0;
    case 8: return key == "features" ? f_features : 0;
    case 9: return key == "timestamp" ? f_timestamp : 0;
    case 10: return key == "prediction" ? f_prediction : key == "latency_ms" ? f_latency : 0;
    default: return 0;
  }
}

record one_record(reader& in) {
  in.expect('{');
  record r;
  unsigned seen = 0;
  if (in.consume('}')) fail();  // no id
  do {
    const unsigned f = field_of(in.str(in.scratch_));
    in.expect(':');
    if (f == 0 || (seen & f)) fail();
    seen |= f;
    const bool null = in.peek() == 'n';
    if (null) {
      // null means "not given" for these; for the others it is the DOM path's error.
      if (f != f_timestamp && f != f_latency && f != f_image && f != f_label) fail();
      in.literal("null");
      continue;
    }
    switch (f) {
      case f_id: {
        const char c = in.peek();
        if (c == '"') {
          r.id = in.string();
        } else {
          if (c != '-' && (c < '0' || c > '9')) fail();
          const number n = in.num();
          if (!n.integer) fail();
          r.id = (n.negative ? "-" : "") + std::to_string(n.magnitude);
        }
        break;
      }
      case f_timestamp:
        if (in.peek() == '"') {
          const auto t = parse_time(in.string());
          if (!t) fail();
          r.time = *t;
        } else {
          r.time = num_value(in);
        }
        break;
      case f_features: features(in, r); break;
      case f_prediction: prediction(in, r); break;
      case f_latency: r.latency_ms = num_value(in); break;
      case f_tags: tags(in, r); break;
      case f_image: image(in, r); break;
      case f_label: r.label = label(in); break;
    }
  } while (in.consume(','));
  in.expect('}');
  if (!(seen & f_id)) fail();
  return r;
}

}  // namespace

std::optional<parsed_records> parse_records_body(std::string_view body) {
  try {
    reader in(body);
    parsed_records out;
    bool version = false, model = false, records = false;
    in.expect('{');
    if (in.consume('}')) return std::nullopt;
    out.records.reserve(body.size() / 256);  // no reallocation while records average >= 256 bytes
    do {
      const std::string_view key = in.str(in.scratch_);
      in.expect(':');
      if (key == "schema_version") {
        if (version) return std::nullopt;
        version = true;
        const number n = in.num();
        if (!n.integer || n.negative || n.magnitude != 1) return std::nullopt;
      } else if (key == "model") {
        if (model || in.peek() != '"') return std::nullopt;
        model = true;
        out.model = in.string();
        if (out.model.empty()) return std::nullopt;
      } else if (key == "records") {
        if (records) return std::nullopt;
        records = true;
        in.expect('[');
        if (!in.consume(']')) {
          do out.records.push_back(one_record(in));
          while (in.consume(','));
          in.expect(']');
        }
      } else {
        in.skip_value();  // unknown keys are ignored (newer clients may add some)
      }
    } while (in.consume(','));
    in.expect('}');
    if (!in.at_end() || !version || !model || !records) return std::nullopt;
    return out;
  } catch (const give_up&) {
    return std::nullopt;
  }
}

}  // namespace tracker::production::detail
