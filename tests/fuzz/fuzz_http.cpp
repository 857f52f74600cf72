// fuzz_http.cpp — the HTTP API's request handling (tracker/server/router.hpp) as a fuzz target:
// whatever a client sends must get a well-formed answer, never a crash and never a 500.
//
// The first byte picks the request line (method and path; or the path comes from the bytes up
// to the first newline); the rest is the body. The router runs on a real store in a temp dir
// that has a model run "fuzz-model" with 3 classes, so valid records are written, duplicates
// counted, and bad ones rejected exactly as over the network (the transport only adds the
// socket, the body limit and keep-alive, which httplib owns).
//
// Record bodies also go through the text parser (production_parse.hpp) and the DOM path side
// by side: when the parser takes a body, nlohmann must parse it to the same envelope, and each
// record must validate to the same record (or fail with the same error) both ways.
#include "fuzz_targets.hpp"

#include "production_parse.hpp"
#include "production_rules.hpp"
#include "router.hpp"

#include <tracker/production.hpp>
#include <tracker/tracker.hpp>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

namespace tracker_fuzz {

namespace {

struct fixture {
  std::unique_ptr<tracker::production::store> store;
  tracker::production::model_info model;
  std::unique_ptr<tracker::server::router> open;    // no token
  std::unique_ptr<tracker::server::router> locked;  // token "t0ken"
};

fixture& the_fixture() {
  static fixture f = [] {
    namespace fs = std::filesystem;
    std::string dir = (fs::temp_directory_path() / "tracker-fuzz-http-XXXXXX").string();
    if (!mkdtemp(dir.data())) std::abort();
    const std::string store = dir + "/store";
    tracker::options o;
    o.store = store;
    o.name = "fuzz-model";
    o.capture_git = false;
    o.handle_signals = false;
    std::string id;
    {
      auto run = tracker::init(o);
      id = run.id();
      run.finish();
    }
    fixture x;
    x.store = std::make_unique<tracker::production::store>(tracker::production::store::open(store));
    x.store->set_classes(id, {"cat", "dog", "bird"});
    x.model = x.store->model("fuzz-model");
    x.open = std::make_unique<tracker::server::router>(*x.store);
    x.locked = std::make_unique<tracker::server::router>(*x.store, tracker::server::router_options{.token = "t0ken"});
    return x;
  }();
  return f;
}

namespace prod = tracker::production;

// The text parser against the DOM path (see the file comment); aborts where they disagree.
void same_as_dom(std::string_view body, prod::record_kind kind, const prod::model_info& model) {
  auto parsed = prod::detail::parse_records_body(body);
  if (!parsed) return;  // the DOM path answers: nothing to compare
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) std::abort();
  const auto v = doc.find("schema_version");
  const auto m = doc.find("model");
  const auto r = doc.find("records");
  if (v == doc.end() || !v->is_number_integer() || *v != 1) std::abort();
  if (m == doc.end() || !m->is_string() || *m != parsed->model) std::abort();
  if (r == doc.end() || !r->is_array() || r->size() != parsed->records.size()) std::abort();
  const prod::detail::record_rules rules(model);
  for (std::size_t i = 0; i < parsed->records.size(); ++i) {
    std::string fast_error = "-", dom_error = "-";
    nlohmann::json fast, dom;
    try {
      rules.check(parsed->records[i], kind, i);
      fast = prod::to_json(parsed->records[i]);
    } catch (const prod::record_error& e) {
      fast_error = e.what();
    }
    try {
      dom = prod::to_json(prod::record_from_json((*r)[i], kind, model, i));
    } catch (const prod::record_error& e) {
      dom_error = e.what();
    }
    // A timestamp of 0 is "now" when validated: the two calls differ by microseconds.
    if (fast.contains("timestamp") && dom.contains("timestamp")) fast["timestamp"] = dom["timestamp"];
    if (fast_error != dom_error || fast != dom) std::abort();
  }
}

}  // namespace

void http_request(const std::uint8_t* data, std::size_t size) {
  fixture& f = the_fixture();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const unsigned selector = bytes.empty() ? 0 : static_cast<unsigned char>(bytes[0]);
  if (!bytes.empty()) bytes.remove_prefix(1);

  tracker::server::request req;
  const tracker::server::router* r = f.open.get();
  switch (selector % 8) {
    case 0: req.method = "POST"; req.path = "/v1/predictions"; break;
    case 1: req.method = "POST"; req.path = "/v1/reference"; break;
    case 2: req.method = "POST"; req.path = "/v1/feedback"; break;
    case 3: req.method = "GET"; req.path = "/v1/health"; break;
    case 4: req.method = "GET"; req.path = "/v1/predictions"; break;
    case 5:  // token required; the Authorization header is the first line
    case 6: {  // any path: the first line
      const std::size_t nl = bytes.find('\n');
      const std::string_view line = bytes.substr(0, nl);
      bytes.remove_prefix(nl == std::string_view::npos ? bytes.size() : nl + 1);
      req.method = "POST";
      if (selector % 8 == 5) {
        r = f.locked.get();
        req.authorization = line;
        req.path = "/v1/predictions";
      } else {
        req.path = line;
      }
      break;
    }
    default: req.method = "PATCH"; req.path = "/v1/feedback"; break;
  }
  req.body = bytes;

  if (req.method == "POST" && (req.path == "/v1/predictions" || req.path == "/v1/reference"))
    same_as_dom(req.body, req.path == "/v1/reference" ? prod::record_kind::reference : prod::record_kind::prediction,
                f.model);

  const tracker::server::response res = r->handle(req);
  // The answer is always a JSON object; every error names itself; nothing a client sends is
  // the server's fault (500) — a 500 here means an input the parser did not expect.
  if (res.status >= 500) std::abort();
  const nlohmann::json body = nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) std::abort();
  if (res.status != 200 && !body.contains("error")) std::abort();
  if (res.status == 405 && res.allow.empty()) std::abort();
  if (res.status == 200 && req.method == "POST" &&
      (!body.contains("accepted") || !body["accepted"].is_number_unsigned()))
    std::abort();
}

}  // namespace tracker_fuzz
