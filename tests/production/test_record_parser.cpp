// test_record_parser.cpp — the ingest body's text parser (tracker/src/production_parse.hpp)
// against the DOM path it stands in for: where it takes a body, its records equal
// record_from_json's; where the DOM path would give an error, it gives up (nullopt).
#include "production_parse.hpp"
#include "production_rules.hpp"

#include <tracker/production.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <random>
#include <string>

namespace {

namespace prod = tracker::production;
using nlohmann::json;

const prod::model_info& model() {
  static const prod::model_info m{"run1", "fashion", {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat"}};
  return m;
}

// The records of a body as the DOM path converts them (no validation: to_json of a record
// shows every field the two paths could set differently).
std::vector<json> dom_records(const std::string& body) {
  const json doc = json::parse(body);
  std::vector<json> out;
  for (const json& r : doc.at("records")) {
    // record_from_json validates; validate() is the same function on both sides, so compare
    // after it (a record it refuses must be refused with the same error by both).
    out.push_back(prod::to_json(prod::record_from_json(r, prod::record_kind::prediction, model(), out.size())));
  }
  return out;
}

std::vector<json> fast_records(const std::string& body) {
  auto parsed = prod::detail::parse_records_body(body);
  REQUIRE(parsed);
  const prod::detail::record_rules rules(model());
  std::vector<json> out;
  for (std::size_t i = 0; i < parsed->records.size(); ++i) {
    rules.check(parsed->records[i], prod::record_kind::prediction, i);
    out.push_back(prod::to_json(parsed->records[i]));
  }
  return out;
}

std::string body_of(const std::string& records, const std::string& extra = "") {
  return R"({"schema_version":1,"model":"fashion",)" + extra + R"("records":[)" + records + "]}";
}

}  // namespace

TEST_CASE("the text parser reads records as record_from_json does", "[production][parser]") {
  const std::string records =
      // Every field; names out of order; escapes in names and values.
      R"({"prediction":{"probabilities":[0.1,0.2,0.3,0.3,0.1],"label":"Dress","confidence":0.3},"id":"r-1",)"
      R"("timestamp":"2026-11-22T10:00:00Z","features":{"z":1,"a\u00e9":"x\"y\n","m":null,"b":true,"n":-0,)"
      R"("big":18446744073709551616,"e":1.5e-3},"latency_ms":12,"tags":{"env":"prod","n":2.50,"i":-7,"t":false},)"
      R"("label":"1"},)"
      // An integer id, an index label, unix seconds, nulls meaning "not given".
      R"({"id":42,"prediction":3,"timestamp":1795000000.25,"latency_ms":null,"label":null,"image":null},)"
      // Surrogate pairs and raw UTF-8.
      R"({"id":"\ud83d\ude00-é-€-😀","prediction":{"label":"Coat"},"features":{},"timestamp":1},)"
      // A PNG, in base64 with an escape.
      R"({"id":"img","timestamp":2,"prediction":"Coat","image":"iVB\u004fRw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="})";
  for (const std::string& body :
       {body_of(records), body_of(records, R"("future":{"a":[1,{"b":[]},"c\"",null,true,false,-1e5]},)"),
        // model after records, whitespace everywhere
        " {\n\t\"records\" : [ " + records + " ] , \"schema_version\" : 1 , \"model\" : \"fashion\" } \r\n"}) {
    INFO(body);
    CHECK(fast_records(body) == dom_records(body));
  }
  auto parsed = prod::detail::parse_records_body(body_of(records));
  REQUIRE(parsed);
  CHECK(parsed->model == "fashion");
  REQUIRE(parsed->records.size() == 4);
  const auto& f = parsed->records[0].features;
  REQUIRE(f.size() == 7);
  CHECK(f[0].first == "a\xc3\xa9");  // sorted by name, as the DOM's objects are
  CHECK(std::get<std::string>(f[1].second) == "true");
  CHECK(std::get<double>(f[2].second) == 18446744073709551616.0);
  CHECK(std::get<double>(f[5].second) == 0.0);
  CHECK(!std::signbit(std::get<double>(f[5].second)));  // "-0" is nlohmann's integer 0
  CHECK(parsed->records[1].id == "42");
  CHECK(parsed->records[1].predicted == "3");  // an index until validate() names it
  CHECK(parsed->records[2].id == "\xf0\x9f\x98\x80-\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80");
  CHECK(parsed->records[3].image_png.substr(1, 3) == "PNG");
  CHECK(prod::detail::parse_records_body(body_of(""))->records.empty());
}

TEST_CASE("the text parser gives up on whatever the DOM path decides", "[production][parser]") {
  const std::string rec = R"({"id":"r","prediction":"Coat"})";
  const std::vector<std::string> refused = {
      // not JSON
      "", "{", body_of(rec).substr(0, 40), body_of(rec) + "x", body_of(rec) + "}", "\xef\xbb\xbf" + body_of(rec),
      body_of(R"({"id":"r\x","prediction":"Coat"})"), body_of("{\"id\":\"r\x01\",\"prediction\":\"Coat\"}"),
      body_of(R"({"id":"\ud800","prediction":"Coat"})"), body_of(R"({"id":"\udc00\ud800","prediction":"Coat"})"),
      body_of("{\"id\":\"\xc0\xaf\",\"prediction\":\"Coat\"}"), body_of("{\"id\":\"\xed\xa0\x80\",\"prediction\":\"Coat\"}"),
      body_of("{\"id\":\"\xf4\x90\x80\x80\",\"prediction\":\"Coat\"}"), body_of("{\"id\":\"\xe2\x82\",\"prediction\":\"Coat\"}"),
      body_of(R"({"id":01,"prediction":"Coat"})"), body_of(R"({"id":"r","prediction":"Coat","latency_ms":1.})"),
      body_of(R"({"id":"r","prediction":"Coat","latency_ms":.5})"), body_of(R"({"id":"r","prediction":"Coat",})"),
      body_of(rec + ","), body_of(R"({"id":"r","prediction":"Coat","latency_ms":nul})"),
      body_of(rec, R"("x":[1,2}],)"), body_of(rec, R"("x":{"a"},)"), body_of(rec, R"("x":+1,)"),
      // the envelope
      "[1,2]", "{}", R"({"model":"fashion","records":[]})", R"({"schema_version":2,"model":"fashion","records":[]})",
      R"({"schema_version":1.0,"model":"fashion","records":[]})", R"({"schema_version":"1","model":"fashion","records":[]})",
      R"({"schema_version":1,"records":[]})", R"({"schema_version":1,"model":null,"records":[]})",
      R"({"schema_version":1,"model":"","records":[]})", R"({"schema_version":1,"model":7,"records":[]})",
      R"({"schema_version":1,"model":"fashion"})", R"({"schema_version":1,"model":"fashion","records":{}})",
      R"({"schema_version":1,"model":"a","model":"fashion","records":[]})",
      // a record record_from_json refuses, or converts in a way this parser leaves to it
      body_of("7"), body_of("{}"), body_of(R"({"prediction":"Coat"})"), body_of(R"({"id":"r","prediction":"Coat","x":1})"),
      body_of(R"({"id":"r","id":"s","prediction":"Coat"})"), body_of(R"({"id":1.5,"prediction":"Coat"})"),
      body_of(R"({"id":null,"prediction":"Coat"})"), body_of(R"({"id":"r","prediction":-1})"),
      body_of(R"({"id":"r","prediction":2.0})"), body_of(R"({"id":"r","prediction":null})"),
      body_of(R"({"id":"r","prediction":{"label":"Coat","p":1}})"),
      body_of(R"({"id":"r","prediction":{"probabilities":[0.5,"x"]}})"),
      body_of(R"({"id":"r","prediction":"Coat","features":{"a":[1]}})"),
      body_of(R"({"id":"r","prediction":"Coat","features":{"a":1,"a":2}})"),
      body_of(R"({"id":"r","prediction":"Coat","features":[]})"), body_of(R"({"id":"r","prediction":"Coat","tags":{"a":null}})"),
      body_of(R"({"id":"r","prediction":"Coat","timestamp":"yesterday"})"),
      body_of(R"({"id":"r","prediction":"Coat","timestamp":true})"), body_of(R"({"id":"r","prediction":"Coat","image":"@@"})"),
      body_of(R"({"id":"r","prediction":"Coat","features":{"x":1e999}})")};
  for (const std::string& body : refused) {
    INFO(body);
    CHECK_FALSE(prod::detail::parse_records_body(body));
  }
}

TEST_CASE("mutated bodies: the text parser takes only what the DOM path takes, with the same records",
          "[production][parser]") {
  const std::string seed = body_of(
      R"({"id":"r-1","timestamp":1795000000.5,"features":{"brightness":0.71,"source":"upload","n":null,"f":false},)"
      R"("prediction":{"label":"Coat","probabilities":[0.1,0.1,0.1,0.1,0.6]},"latency_ms":3,"tags":{"env":"prod"}},)"
      R"({"id":"r-\u00e9\ud83d\ude00","prediction":2})",
      R"("x":[{"y":"\n"}],)");
  std::mt19937_64 rng(7);
  int taken = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string s = seed;
    for (int e = 0, edits = 1 + static_cast<int>(rng() % 3); e < edits; ++e) {
      const std::size_t pos = rng() % s.size();
      const char bytes[] = "{}[],:\"\\-+.0123456789eEtrufalsn \x01\xc3\xa9\xff";
      const char c = rng() % 2 ? bytes[rng() % (sizeof bytes - 1)] : static_cast<char>(rng());
      switch (rng() % 3) {
        case 0: s[pos] = c; break;
        case 1: s.insert(pos, 1, c); break;
        default: s.erase(pos, 1);
      }
    }
    auto parsed = prod::detail::parse_records_body(s);
    if (!parsed) continue;
    ++taken;
    INFO(s);
    json doc;
    REQUIRE_NOTHROW(doc = json::parse(s));
    REQUIRE(doc.is_object());
    REQUIRE(doc["schema_version"].is_number_integer());
    REQUIRE(doc["schema_version"] == 1);
    REQUIRE(doc["model"] == parsed->model);
    REQUIRE(doc["records"].size() == parsed->records.size());
    const prod::detail::record_rules rules(model());
    for (std::size_t i = 0; i < parsed->records.size(); ++i) {
      std::string fast_error, dom_error;
      json fast, dom;
      try {
        rules.check(parsed->records[i], prod::record_kind::prediction, i);
        fast = prod::to_json(parsed->records[i]);
      } catch (const prod::record_error& e) {
        fast_error = e.what();
      }
      try {
        dom = prod::to_json(prod::record_from_json(doc["records"][i], prod::record_kind::prediction, model(), i));
      } catch (const prod::record_error& e) {
        dom_error = e.what();
      }
      CHECK(fast_error == dom_error);
      // A timestamp of 0 becomes "now" at validation: the two calls differ by a few us.
      if (fast.contains("timestamp") && dom.contains("timestamp")) fast["timestamp"] = dom["timestamp"];
      CHECK(fast == dom);
    }
  }
  CHECK(taken > 1000);  // the mutations do not all break the syntax
}

TEST_CASE("record_rules with an indexed class table validates as validate() does", "[production][parser]") {
  prod::model_info big{"run1", "big", {}};
  for (int i = 0; i < 200; ++i) big.classes.push_back("class-" + std::to_string(i));
  const prod::detail::record_rules indexed(big);
  for (const std::string& label : {"class-150", "150", "7", "class-999", "999", "", "-1"}) {
    INFO(label);
    prod::record a;
    a.id = "r";
    a.predicted = label;
    prod::record b = a;
    std::string ea, eb;
    try {
      indexed.check(a, prod::record_kind::prediction, 3);
    } catch (const prod::record_error& e) {
      ea = e.what();
    }
    try {
      prod::validate(b, prod::record_kind::prediction, big, 3);
    } catch (const prod::record_error& e) {
      eb = e.what();
    }
    CHECK(ea == eb);
    CHECK(a.predicted == b.predicted);
  }
  prod::record r;
  r.id = "r";
  r.predicted = "150";
  indexed.check(r, prod::record_kind::prediction, 0);
  CHECK(r.predicted == "class-150");
  CHECK(indexed.class_index("class-199") == 199);
  CHECK(indexed.class_index("nope") == -1);
}

TEST_CASE("the text parser reads numbers to the same doubles as nlohmann (strtod)", "[production][parser]") {
  std::mt19937_64 rng(11);
  std::vector<std::string> numbers = {"0", "-0", "-0.0", "0.1", "0.05", "1795000000.01", "9007199254740993",
                                      "9007199254740993.0", "1e22", "1e23", "1.5e-22", "1.5e-23", "123456789012345678901",
                                      "0.1000000000000000055511151231257827", "4.9e-324", "1.7976931348623157e308",
                                      "2.2250738585072014e-308", "1E+2", "1e-0", "-9223372036854775808",
                                      "-9223372036854775809", "18446744073709551615", "18446744073709551616"};
  for (int i = 0; i < 20000; ++i) {
    std::string t = rng() % 2 ? "-" : "";
    const int int_digits = 1 + static_cast<int>(rng() % 12);
    t += static_cast<char>('1' + rng() % 9);
    for (int d = 1; d < int_digits; ++d) t += static_cast<char>('0' + rng() % 10);
    if (rng() % 4) {
      t += '.';
      for (int d = 0, n = 1 + static_cast<int>(rng() % 18); d < n; ++d) t += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 3 == 0) t += "e" + std::to_string(static_cast<int>(rng() % 60) - 30);
    numbers.push_back(t);
  }
  for (const std::string& t : numbers) {
    INFO(t);
    const std::string body = body_of(R"({"id":"n","prediction":"Coat","features":{"x":)" + t + "}}");
    auto parsed = prod::detail::parse_records_body(body);
    REQUIRE(parsed);
    const double fast = std::get<double>(parsed->records[0].features[0].second);
    const double dom = json::parse(t).get<double>();
    CHECK(std::memcmp(&fast, &dom, sizeof fast) == 0);  // bit for bit, the sign of zero included
  }
}
