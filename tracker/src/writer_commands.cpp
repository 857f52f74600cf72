// writer_commands.cpp — what runs on the writer thread besides points: opening and closing
// runs, config, tags, notes, metric goals, objects and media files. Each command that changes
// the store is one transaction (store::write_transaction).
#include "writer_core.hpp"

#include "key_registry.hpp"
#include "system_info.hpp"
#include "validate.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace tracker::detail {

namespace {
bool json_equal(const std::string& a, const std::string& b) {
  auto ja = nlohmann::json::parse(a, nullptr, false), jb = nlohmann::json::parse(b, nullptr, false);
  return !ja.is_discarded() && !jb.is_discarded() ? ja == jb : a == b;
}
}  // namespace

void writer_core::require_open(const run_channel& run) const {
  if (!run.open || run.closed.load())
    throw error(error_code::run_closed, "run " + run.id + " is finished; its tags, note, config and metric "
                                        "definitions can no longer change (resume it to continue)");
}

void writer_core::check_config(std::int64_t rid, const std::string& run_id,
                               const std::vector<std::pair<std::string, std::string>>& config) {
  std::map<std::string, std::string> stored;
  for (auto& [k, v] : backend_->config(rid)) stored.emplace(k, v);
  std::string conflicts;
  for (const auto& [k, v] : config) {
    auto it = stored.find(k);
    if (it != stored.end() && !json_equal(it->second, v))
      conflicts += (conflicts.empty() ? "" : "; ") + k + " is " + it->second + ", not " + v;
  }
  if (!conflicts.empty())
    throw error(error_code::config_conflict,
                "config of run " + run_id + " is immutable once set: " + conflicts +
                    " (start a new run to try other values, or use a new key)");
}

opened_run writer_core::open_run(const run_request& req) {
  store::run_record rec = req.record;
  store::write_transaction t(*backend_);
  std::optional<store::run_record> existing;
  if (!rec.id.empty()) existing = backend_->find_run(rec.id);
  if (existing && existing->deleted)
    throw error(error_code::run_not_found,
                "run " + rec.id + " in " + dir_ + " was deleted; run `tracker gc` to purge it or choose another id");
  std::int64_t rid;
  if (existing) {
    if (req.resume == resume_mode::never)
      throw error(error_code::run_exists, "run id '" + rec.id + "' already exists in " + dir_ +
                                              "; set options.resume = resume_mode::allow to continue it");
    check_config(existing->rid, rec.id, req.config);
    backend_->update_run_process(existing->rid, rec);
    rid = existing->rid;
  } else {
    if (req.resume == resume_mode::must)
      throw error(error_code::run_not_found, "no run with id '" + rec.id + "' in " + dir_ + " to resume");
    if (rec.id.empty()) {
      do rec.id = random_run_id();
      while (backend_->find_run(rec.id));
    }
    if (rec.name.empty()) rec.name = readable_run_name(backend_->count_runs(rec.project) + 1);
    rid = backend_->insert_run(rec);
  }
  for (const auto& [k, v] : req.config) backend_->put_config(rid, k, v);
  for (const auto& tag : req.tags) backend_->add_tag(rid, tag);
  if (!rec.note.empty()) backend_->set_note(rid, rec.note);
  t.commit();

  opened_run out;
  out.record = *backend_->find_run(rec.id);
  out.record.tags = backend_->tags(rid);
  out.max_step = backend_->max_step(rid);
  auto run = std::make_shared<run_channel>(req.queue_capacity, req.on_full, req.max_block, req.lock_timeout);
  run->rid = rid;
  run->id = rec.id;
  run->strict_steps = req.strict_steps;
  run->heartbeat_interval = rec.heartbeat_interval;
  run->writer_heartbeats = req.writer_heartbeats;
  runs_.push_back(run);
  out.channel = std::move(run);
  return out;
}

void writer_core::set_config(run_channel& run, const std::vector<std::pair<std::string, std::string>>& config) {
  require_open(run);
  store::write_transaction t(*backend_);
  check_config(run.rid, run.id, config);
  for (const auto& [k, v] : config) backend_->put_config(run.rid, k, v);
  t.commit();
}

void writer_core::define_metric(run_channel& run, const std::string& key, goal g) {
  require_open(run);
  store::write_transaction t(*backend_);
  std::uint32_t key_id = intern_key(key);
  series_cache* s = key_id ? series_for(run, key_id) : nullptr;
  if (!s) throw error(error_code::invalid_argument, key_problem(key).value_or("bad metric key"));
  backend_->set_series_goal(s->sid, g);
  t.commit();
  s->summary.metric_goal = g;
}

void writer_core::change_tags(run_channel& run, const std::vector<std::string>& add,
                              const std::vector<std::string>& remove) {
  require_open(run);
  store::write_transaction t(*backend_);
  for (const auto& tag : add) backend_->add_tag(run.rid, tag);
  for (const auto& tag : remove) backend_->remove_tag(run.rid, tag);
  t.commit();
}

void writer_core::set_note(run_channel& run, const std::string& note) {
  require_open(run);
  store::write_transaction t(*backend_);
  backend_->set_note(run.rid, note);
  t.commit();
}

std::vector<metric_summary> writer_core::summaries(run_channel& run) {
  std::vector<metric_summary> out;
  for (auto& s : backend_->list_series(run.rid))
    if (s.summary.count > 0) out.push_back(s.summary);
  return out;
}

void writer_core::heartbeat(run_channel& run) {
  require_open(run);
  store::write_transaction t(*backend_);
  backend_->touch_heartbeats({run.rid}, now_seconds());
  t.commit();
}

void writer_core::close_run(run_channel& run, run_status status, const std::string& reason) {
  if (!run.open) return;
  store::write_transaction t(*backend_);
  write_pyramid_of(run);  // a finished run's pyramid is whole in the store
  backend_->seal_open_blocks(run.rid);
  backend_->update_run_status(run.rid, status, reason, now_seconds());
  t.commit();
  run.open = false;
  run.by_key.clear();
}

void writer_core::close_all_runs(run_status status, const std::string& reason) {
  for (auto& run : runs_) {
    try {
      run->closed.store(true);
      close_run(*run, status, reason);
    } catch (const std::exception& e) {
      report_error("could not record the end of run " + run->id + ": " + e.what());
    }
  }
}

void writer_core::insert_object(run_channel& run, object_record& o, const nlohmann::json& body) {
  if (!run.open) throw error(error_code::run_closed, "run " + run.id + " is finished");
  // replace: a stray invalid UTF-8 byte in a label must not lose the whole object.
  o.body_json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  store::write_transaction t(*backend_);
  backend_->insert_object(run.rid, o);
  t.commit();
}

void writer_core::write_media(run_channel& run, const std::string& relative_path,
                              const std::vector<std::uint8_t>& bytes) {
  backend_->media().put(run.id, relative_path, bytes);  // atomic: see media_sink.hpp
}

}  // namespace tracker::detail
