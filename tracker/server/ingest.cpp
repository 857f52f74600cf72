// ingest.cpp — see ingest.hpp.
#include "ingest.hpp"

#include "production_parse.hpp"
#include "production_write.hpp"

#include <utility>

namespace tracker::server {

using nlohmann::json;

json parse_body(std::string_view body) {
  try {
    return json::parse(body.begin(), body.end());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." -> "parse error ..."
    if (auto p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);
    throw http_error{400, "malformed JSON: " + what, std::nullopt, ""};
  }
}

namespace {
// A value as JSON text for a message, cut short: the value came from the client.
std::string quoted(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 40) + "..." : s;
}
}  // namespace

envelope read_envelope(const json& body, bool need_model) {
  if (!body.is_object()) throw http_error{400, "the body must be a JSON object", std::nullopt, ""};
  auto v = body.find("schema_version");
  if (v == body.end())
    throw http_error{400, "missing schema_version (this server speaks schema_version 1)", std::nullopt,
                     "schema_version"};
  if (!v->is_number_integer() || v->get<std::int64_t>() != api_schema_version)
    throw http_error{400, "unsupported schema_version " + quoted(*v) + " (this server speaks schema_version 1)",
                     std::nullopt, "schema_version"};
  envelope e;
  if (auto m = body.find("model"); m != body.end() && !m->is_null()) {
    if (!m->is_string() || m->get_ref<const std::string&>().empty())
      throw http_error{400, "model must be a run id or name (a non-empty string)", std::nullopt, "model"};
    e.model = m->get<std::string>();
  } else if (need_model) {
    throw http_error{400, "missing model (the run id or name of the model)", std::nullopt, "model"};
  }
  auto r = body.find("records");
  if (r == body.end()) throw http_error{400, "missing records (an array)", std::nullopt, "records"};
  if (!r->is_array()) throw http_error{400, "records must be an array", std::nullopt, "records"};
  e.records = &*r;
  return e;
}

std::vector<production::record> records_from_json(const json& records, production::record_kind kind,
                                                  const production::model_info& model) {
  std::vector<production::record> out;
  out.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    out.push_back(production::record_from_json(records[i], kind, model, i));
  return out;
}

std::vector<production::feedback> feedback_from_json(const json& records, const production::model_info* model) {
  std::vector<production::feedback> out;
  out.reserve(records.size());
  for (std::size_t i = 0; i < records.size(); ++i)
    out.push_back(production::feedback_from_json(records[i], model, i));
  return out;
}

model_cache::model_cache(production::store& store, std::chrono::milliseconds ttl) : store_(store), ttl_(ttl) {}

std::shared_ptr<const cached_model> model_cache::get(const std::string& ref) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(ref); it != entries_.end() && it->second.expires > now) return it->second.model;
  }
  auto m = std::make_shared<const cached_model>(store_.model(ref));  // outside our lock: it may wait for a commit
  std::lock_guard lock(mutex_);
  if (entries_.size() >= 1024) entries_.clear();  // bounded: refs are client input
  entries_[ref] = entry{now + ttl_, m};
  return m;
}

std::string result_body(const production::write_result& r) {
  return json{{"accepted", r.accepted}, {"duplicates", r.duplicates}}.dump();
}

std::string post_records(production::store& store, model_cache& models, std::string_view body,
                         production::record_kind kind) {
  // Every record is validated before anything is written, and the write is all or nothing:
  // one bad record stores nothing.
  if (auto parsed = production::detail::parse_records_body(body)) {
    // The text parser took the body: its syntax and envelope are good and every record
    // converted, so what is left to fail is what the DOM path would fail next, in the same
    // order: the model (404), then validate() record by record.
    const auto model = models.get(parsed->model);
    for (std::size_t i = 0; i < parsed->records.size(); ++i) model->rules.check(parsed->records[i], kind, i);
    return result_body(tracker::detail::write_validated(store, model->info, kind, std::move(parsed->records)));
  }
  const json doc = parse_body(body);
  const envelope e = read_envelope(doc, /*need_model=*/true);
  const auto model = models.get(*e.model);  // run_not_found -> 404
  // record_from_json validates each record.
  return result_body(
      tracker::detail::write_validated(store, model->info, kind, records_from_json(*e.records, kind, model->info)));
}

std::string post_feedback(production::store& store, model_cache& models, std::string_view body) {
  const json doc = parse_body(body);
  const envelope e = read_envelope(doc, /*need_model=*/false);
  std::shared_ptr<const cached_model> model;
  if (e.model) model = models.get(*e.model);
  const production::model_info* m = model ? &model->info : nullptr;
  return result_body(store.write_feedback(feedback_from_json(*e.records, m), m));
}

std::string get_health(const production::store& store) {
  return json{{"status", "ok"}, {"api_version", api_schema_version},
              {"store_schema_version", store.schema_version()}}
      .dump();
}

}  // namespace tracker::server
