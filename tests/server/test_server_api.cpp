// test_server_api.cpp — every endpoint and status of the HTTP API (docs/http.md) against a real
// server on 127.0.0.1 and a real store in a temp dir.
#include "router.hpp"
#include "server_fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

namespace {

using namespace tracker_server_test;
namespace prod = tracker::production;

const httplib::Headers no_headers;

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

httplib::Result post(httplib::Client& c, const std::string& path, const std::string& body) {
  return c.Post(path.c_str(), body, "application/json");
}

}  // namespace

TEST_CASE("GET /v1/health answers with the store's schema version", "[server]") {
  test_server srv;
  auto c = srv.client();
  auto r = c->Get("/v1/health");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  json j = body_of(r);
  CHECK(j["status"] == "ok");
  CHECK(j["api_version"] == 1);
  CHECK(j["store_schema_version"].get<int>() >= 3);
}

TEST_CASE("POST /v1/predictions stores a batch; a retried batch counts duplicates", "[server]") {
  test_server srv;
  auto c = srv.client();
  const std::string body = batch("fashion-cnn", {prediction("p-1"), prediction("p-2", "Coat"), prediction("p-3", "3")});
  auto r = post(*c, "/v1/predictions", body);
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(r) == json{{"accepted", 3}, {"duplicates", 0}});

  // The client never saw the answer and sends the same batch again: nothing is stored twice.
  r = post(*c, "/v1/predictions", body);
  CHECK(r->status == 200);
  CHECK(body_of(r) == json{{"accepted", 0}, {"duplicates", 3}});

  prod::dataset d = stored(srv.store_dir());
  REQUIRE(d.size() == 3);
  CHECK(d.predicted[2] == "Dress");  // the index "3" was normalized to its class name

  // By run id as well as by name.
  r = post(*c, "/v1/predictions", batch(srv.model_id(), json::array({prediction("p-4")})));
  CHECK(r->status == 200);
  CHECK(stored(srv.store_dir()).size() == 4);
}

TEST_CASE("POST /v1/reference stores reference records, which need a true label", "[server]") {
  test_server srv;
  auto c = srv.client();
  json rec = prediction("ref-1");
  auto r = post(*c, "/v1/reference", batch("fashion-cnn", json::array({rec})));
  REQUIRE(r);
  CHECK(r->status == 400);
  CHECK(body_of(r)["field"] == "label");

  rec["label"] = "Coat";
  r = post(*c, "/v1/reference", batch("fashion-cnn", json::array({rec})));
  CHECK(r->status == 200);
  prod::dataset d = stored(srv.store_dir(), "fashion-cnn", prod::record_kind::reference);
  REQUIRE(d.size() == 1);
  CHECK(d.label[0] == "Coat");
  CHECK(stored(srv.store_dir()).size() == 0);  // not a prediction
}

TEST_CASE("one bad record rejects the whole request: 400 naming it, nothing stored", "[server]") {
  test_server srv;
  auto c = srv.client();
  json records = json::array();
  for (int i = 0; i < 5; ++i) records.push_back(prediction("a-" + std::to_string(i)));
  records[3]["prediction"]["label"] = "Sock";  // not a class of the model
  auto r = post(*c, "/v1/predictions", batch("fashion-cnn", records));
  REQUIRE(r);
  CHECK(r->status == 400);
  json e = body_of(r);
  CHECK(e["record"] == 3);
  CHECK(e["field"] == "prediction.label");
  CHECK(e["error"].get<std::string>().find("Sock") != std::string::npos);
  CHECK(stored(srv.store_dir()).size() == 0);

  SECTION("other fields are named the same way") {
    records[3] = prediction("a-3");
    records[1]["features"]["brightness"] = json::array({1, 2});
    r = post(*c, "/v1/predictions", batch("fashion-cnn", records));
    CHECK(r->status == 400);
    CHECK(body_of(r)["record"] == 1);
    CHECK(body_of(r)["field"] == "features.brightness");
    records[1] = "not an object";
    r = post(*c, "/v1/predictions", batch("fashion-cnn", records));
    CHECK(r->status == 400);
    CHECK(body_of(r)["record"] == 1);
    CHECK(stored(srv.store_dir()).size() == 0);
  }
}

TEST_CASE("the envelope: malformed JSON, schema_version, model and records", "[server]") {
  test_server srv;
  auto c = srv.client();
  auto status_and_field = [&](const std::string& body) {
    auto r = post(*c, "/v1/predictions", body);
    REQUIRE(r);
    json e = body_of(r);
    REQUIRE(e.contains("error"));
    return std::make_pair(r->status, e.value("field", std::string()));
  };
  CHECK(status_and_field("{\"schema_version\":1,") == std::make_pair(400, std::string()));
  CHECK(status_and_field("") == std::make_pair(400, std::string()));
  CHECK(status_and_field("[1,2]") == std::make_pair(400, std::string()));
  CHECK(status_and_field(R"({"model":"fashion-cnn","records":[]})") == std::make_pair(400, std::string("schema_version")));
  CHECK(status_and_field(R"({"schema_version":2,"model":"fashion-cnn","records":[]})") ==
        std::make_pair(400, std::string("schema_version")));
  CHECK(status_and_field(R"({"schema_version":"1","model":"fashion-cnn","records":[]})") ==
        std::make_pair(400, std::string("schema_version")));
  CHECK(status_and_field(R"({"schema_version":1,"records":[]})") == std::make_pair(400, std::string("model")));
  CHECK(status_and_field(R"({"schema_version":1,"model":7,"records":[]})") == std::make_pair(400, std::string("model")));
  CHECK(status_and_field(R"({"schema_version":1,"model":"fashion-cnn"})") == std::make_pair(400, std::string("records")));
  CHECK(status_and_field(R"({"schema_version":1,"model":"fashion-cnn","records":{}})") ==
        std::make_pair(400, std::string("records")));
  // Invalid UTF-8 in the body still gets a JSON error body.
  CHECK(status_and_field("{\"schema_version\":1,\"model\":\"\xff\xfe\"}").first == 400);
  // An empty batch is fine.
  auto r = post(*c, "/v1/predictions", batch("fashion-cnn", json::array()));
  CHECK(r->status == 200);
  CHECK(body_of(r) == json{{"accepted", 0}, {"duplicates", 0}});
}

TEST_CASE("an unknown model is 404", "[server]") {
  test_server srv;
  auto c = srv.client();
  auto r = post(*c, "/v1/predictions", batch("no-such-model", json::array({prediction("x-1")})));
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(body_of(r)["error"].get<std::string>().find("no-such-model") != std::string::npos);
  CHECK(body_of(r)["error"].get<std::string>().find(srv.store_dir()) == std::string::npos);  // no server paths
  r = c->Post("/v1/feedback", json{{"schema_version", 1}, {"model", "nope"}, {"records", {{{"id", "x"}, {"label", "Coat"}}}}}.dump(),
              "application/json");
  CHECK(r->status == 404);
}

TEST_CASE("wrong method is 405 with Allow; unknown path is 404", "[server]") {
  test_server srv;
  auto c = srv.client();
  auto r = c->Get("/v1/predictions");
  REQUIRE(r);
  CHECK(r->status == 405);
  CHECK(r->get_header_value("Allow") == "POST");
  CHECK(body_of(r).contains("error"));
  CHECK(c->Put("/v1/feedback", "{}", "application/json")->status == 405);
  CHECK(c->Delete("/v1/reference")->status == 405);
  CHECK(c->Post("/v1/health", "", "application/json")->status == 405);
  CHECK(c->Get("/v1/nothing")->status == 404);
  CHECK(c->Get("/")->status == 404);
  CHECK(c->Get("/v1/predictions/extra")->status == 404);
  CHECK(body_of(c->Get("/v2/health")).contains("error"));
}

TEST_CASE("a body over --max-body is 413 and stores nothing", "[server]") {
  tracker::server::server_options o;
  o.max_body = 2000;
  test_server srv(o);
  auto c = srv.client();
  json records = json::array();
  for (int i = 0; i < 30; ++i) records.push_back(prediction("big-" + std::to_string(i)));
  const std::string body = batch("fashion-cnn", records);
  REQUIRE(body.size() > 2000);
  auto r = post(*c, "/v1/predictions", body);
  REQUIRE(r);
  CHECK(r->status == 413);
  CHECK(body_of(r)["error"].get<std::string>().find("2000") != std::string::npos);
  CHECK(stored(srv.store_dir()).size() == 0);
  // The server still answers (on a new connection if it closed this one).
  auto c2 = srv.client();
  CHECK(post(*c2, "/v1/predictions", batch("fashion-cnn", json::array({prediction("small")})))->status == 200);
}

TEST_CASE("with a token every request needs Authorization: Bearer <token>", "[server]") {
  tracker::server::server_options o;
  o.token = "s3cret-token";
  test_server srv(o);
  const std::string body = batch("fashion-cnn", json::array({prediction("t-1")}));

  auto anonymous = srv.client();
  auto r = post(*anonymous, "/v1/predictions", body);
  REQUIRE(r);
  CHECK(r->status == 401);
  CHECK(r->get_header_value("WWW-Authenticate") == "Bearer");
  CHECK(anonymous->Get("/v1/health")->status == 401);
  CHECK(anonymous->Get("/no/such/path")->status == 401);  // paths are not revealed either

  auto wrong = srv.client("s3cret-tokeN");
  CHECK(post(*wrong, "/v1/predictions", body)->status == 401);
  auto prefix = srv.client("s3cret");
  CHECK(post(*prefix, "/v1/predictions", body)->status == 401);
  CHECK(stored(srv.store_dir()).size() == 0);

  auto right = srv.client("s3cret-token");
  CHECK(post(*right, "/v1/predictions", body)->status == 200);
  CHECK(right->Get("/v1/health")->status == 200);
}

TEST_CASE("equal_constant_time compares whole strings", "[server]") {
  using tracker::server::equal_constant_time;
  CHECK(equal_constant_time("Bearer abc", "Bearer abc"));
  CHECK_FALSE(equal_constant_time("Bearer ab", "Bearer abc"));
  CHECK_FALSE(equal_constant_time("Bearer abcd", "Bearer abc"));
  CHECK_FALSE(equal_constant_time("", "Bearer abc"));
  CHECK_FALSE(equal_constant_time(std::string("Bearer ab\0", 10), "Bearer abc"));
  CHECK(equal_constant_time("", ""));
}

TEST_CASE("feedback joins its prediction, in either order", "[server]") {
  test_server srv;
  auto c = srv.client();
  // Feedback first, for a prediction that has not arrived yet.
  json fb{{"schema_version", 1},
          {"records", {{{"id", "f-1"}, {"label", "Coat"}}, {{"id", "f-2"}, {"flag", "incorrect"}, {"reason", "it is a bag"}}}}};
  auto r = post(*c, "/v1/feedback", fb.dump());
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(r) == json{{"accepted", 2}, {"duplicates", 0}});

  r = post(*c, "/v1/predictions", batch("fashion-cnn", {prediction("f-1", "Shirt"), prediction("f-2", "Dress"), prediction("f-3")}));
  CHECK(r->status == 200);
  // Feedback after its prediction, naming the model.
  fb = {{"schema_version", 1}, {"model", "fashion-cnn"}, {"records", {{{"id", "f-3"}, {"label", 4}}}}};
  CHECK(post(*c, "/v1/feedback", fb.dump())->status == 200);

  prod::dataset d = stored(srv.store_dir());
  REQUIRE(d.size() == 3);
  CHECK(d.label == std::vector<std::string>{"Coat", "", "Coat"});
  CHECK(d.flag == std::vector<std::string>{"", "incorrect", ""});
  CHECK(d.reason[1] == "it is a bag");

  SECTION("a bad feedback item rejects the request") {
    fb = {{"schema_version", 1}, {"records", {{{"id", "f-9"}, {"label", "Coat"}}, {{"id", "f-10"}}}}};
    r = post(*c, "/v1/feedback", fb.dump());
    CHECK(r->status == 400);
    CHECK(body_of(r)["record"] == 1);
  }
}

TEST_CASE("GET /v1/models/<run>/drift returns the drift report", "[server]") {
  test_server srv;
  auto c = srv.client();
  json reference = json::array(), current = json::array();
  for (int i = 0; i < 60; ++i) {
    json r = prediction("ref-" + std::to_string(i), classes()[i % 10], 0.2 + 0.001 * i);
    r["label"] = classes()[i % 10];
    reference.push_back(r);
    // Production is much brighter: brightness drifts.
    current.push_back(prediction("cur-" + std::to_string(i), classes()[i % 10], 0.8 + 0.001 * i));
  }
  REQUIRE(post(*c, "/v1/reference", batch("fashion-cnn", reference))->status == 200);
  REQUIRE(post(*c, "/v1/predictions", batch("fashion-cnn", current))->status == 200);

  auto r = c->Get("/v1/models/fashion-cnn/drift");
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  json report = body_of(r);
  CHECK(report["schema_version"] == 1);
  CHECK(report["reference"]["rows"] == 60);
  CHECK(report["current"]["rows"] == 60);
  bool brightness_drifted = false;
  for (const json& f : report["features"])
    if (f["name"] == "brightness") brightness_drifted = f["drifted"].get<bool>();
  CHECK(brightness_drifted);

  r = c->Get(("/v1/models/" + srv.model_id() + "/drift?last=10&bucket=hour&since=2026-01-01T00:00:00Z").c_str());
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(r)["current"]["rows"] == 10);

  r = c->Get("/v1/models/fashion-cnn/drift?last=zero");
  CHECK(r->status == 400);
  CHECK(body_of(r)["field"] == "last");
  CHECK(c->Get("/v1/models/fashion-cnn/drift?bucket=week")->status == 400);
  CHECK(c->Get("/v1/models/fashion-cnn/drift?since=yesterday")->status == 400);
  CHECK(body_of(c->Get("/v1/models/fashion-cnn/drift?lats=5"))["field"] == "lats");
  CHECK(c->Get("/v1/models/no-such-run/drift")->status == 404);
  auto post_drift = c->Post("/v1/models/fashion-cnn/drift", "", "application/json");
  CHECK(post_drift->status == 405);
  CHECK(post_drift->get_header_value("Allow") == "GET");
  CHECK(c->Get("/v1/models//drift")->status == 404);
}

TEST_CASE("record bodies in any key order; the order of the checks holds on every path", "[server]") {
  test_server srv;
  auto c = srv.client();
  const std::string rec = prediction("k-1").dump();
  // model after records, whitespace, a key this server does not know: stored.
  auto r = post(*c, "/v1/predictions",
                " {\"records\" : [" + rec + "],\n\"future\": {\"x\": [1, {\"y\": null}]}, \"schema_version\": 1, "
                "\"model\": \"fashion-cnn\"}\n");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(body_of(r) == json{{"accepted", 1}, {"duplicates", 0}});

  // A feature named twice: JSON objects keep the last value, as they always did.
  r = post(*c, "/v1/predictions",
           R"({"schema_version":1,"model":"fashion-cnn","records":[{"id":"k-2","prediction":"Coat",)"
           R"("timestamp":1795000000,"features":{"brightness":0.1,"brightness":0.9}}]})");
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == 200);
  prod::dataset d = stored(srv.store_dir());
  REQUIRE(d.size() == 2);
  REQUIRE(d.features.size() >= 1);
  CHECK(d.features[0].name == "brightness");
  const auto k2 = static_cast<std::size_t>(std::find(d.ids.begin(), d.ids.end(), "k-2") - d.ids.begin());
  REQUIRE(k2 < d.size());
  CHECK(d.features[0].numbers[k2] == 0.9);

  // Malformed JSON is 400 even when the model does not exist (the body is read first) ...
  r = post(*c, "/v1/predictions", batch("no-such-model", json::array({prediction("k-3")})).substr(0, 60));
  CHECK(r->status == 400);
  CHECK(body_of(r)["error"].get<std::string>().find("malformed JSON") == 0);
  // ... an unknown model is 404 even with a bad record (the model is checked before records) ...
  json bad = prediction("k-4");
  bad["prediction"]["label"] = "Sock";
  CHECK(post(*c, "/v1/predictions", batch("no-such-model", json::array({bad})))->status == 404);
  // ... and among bad records the first is named, whichever check it fails.
  json unknown_field = prediction("k-5");
  unknown_field["colour"] = "red";
  r = post(*c, "/v1/predictions", batch("fashion-cnn", json::array({prediction("k-6"), bad, unknown_field})));
  CHECK(r->status == 400);
  CHECK(body_of(r)["record"] == 1);
  CHECK(body_of(r)["field"] == "prediction.label");
  r = post(*c, "/v1/predictions", batch("fashion-cnn", json::array({prediction("k-6"), unknown_field, bad})));
  CHECK(r->status == 400);
  CHECK(body_of(r)["record"] == 1);
  CHECK(body_of(r)["field"] == "colour");
  CHECK(stored(srv.store_dir()).size() == 2);
}
