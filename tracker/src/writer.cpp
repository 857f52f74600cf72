// writer.cpp — the writer handle that runs hold, and the process-wide registry of writers
// (one per store directory).
#include "writer_core.hpp"

#include <filesystem>
#include <map>

namespace tracker::detail {
namespace fs = std::filesystem;

namespace {
struct writer_registry {
  std::mutex mu;
  std::map<std::string, std::weak_ptr<writer>> by_dir;
};
writer_registry& registry() {
  static auto* r = new writer_registry;  // leaked on purpose: used from atexit and signals
  return *r;
}
}  // namespace

std::shared_ptr<writer> writer::for_store(const std::string& dir, std::chrono::milliseconds lock_timeout) {
  std::error_code ec;
  std::string key = dir.find("://") != std::string::npos ? dir : fs::weakly_canonical(fs::absolute(dir), ec).string();
  if (ec) key = fs::absolute(dir).string();
  auto& r = registry();
  std::lock_guard lock(r.mu);
  if (auto live = r.by_dir[key].lock()) return live;
  auto core = std::make_shared<writer_core>(key, store::open(key, store::access::read_write, lock_timeout));
  core->start();
  auto w = std::make_shared<writer>(core);
  r.by_dir[key] = w;
  return w;
}

std::vector<std::shared_ptr<writer>> writer::live_writers() {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  std::vector<std::shared_ptr<writer>> out;
  for (auto& [dir, weak] : r.by_dir)
    if (auto w = weak.lock()) out.push_back(std::move(w));
  return out;
}

writer::~writer() {
  if (!core_->stop(std::chrono::seconds(10)))
    report_error("the writer of " + core_->dir() + " did not finish within 10 s; it continues in the background");
}

void writer::enqueue(run_channel& run, const record& r) noexcept { core_->enqueue(run, r); }

writer_stats writer::stats(const run_channel& run) const noexcept {
  writer_stats s = run.stats();
  writer_stats store = core_->store_stats();
  s.commits = store.commits;
  s.busy_retries = store.busy_retries;
  s.errors = store.errors;
  return s;
}

const std::string& writer::store_dir() const noexcept { return core_->dir(); }

flush_outcome writer::flush(run_channel& run, std::chrono::milliseconds timeout) noexcept {
  flush_outcome out;
  try {
    core_->call([] {}, timeout);
    out.completed = true;
  } catch (const std::exception& e) {
    report_error(std::string("flush: ") + e.what());
  }
  out.lost = run.lost();
  return out;
}

void writer::post_object(const std::shared_ptr<run_channel>& run, object_record object, nlohmann::json body) noexcept {
  try {
    auto shared = std::make_shared<std::pair<object_record, nlohmann::json>>(std::move(object), std::move(body));
    auto core = core_.get();
    if (!core_->post([core, run, shared] {
          try {
            core->insert_object(*run, shared->first, shared->second);
          } catch (const std::exception& e) {
            report_error("could not store object \"" + shared->first.key + "\": " + e.what());
          }
        }))
      report_error("object \"" + shared->first.key + "\" logged after the writer stopped; dropped");
  } catch (...) {
    report_error("out of memory while queueing an object");
  }
}

void writer::post_media(const std::shared_ptr<run_channel>& run, std::string relative_path,
                        std::vector<std::uint8_t> bytes) noexcept {
  try {
    auto shared = std::make_shared<std::pair<std::string, std::vector<std::uint8_t>>>(std::move(relative_path),
                                                                                      std::move(bytes));
    auto core = core_.get();
    if (!core_->post([core, run, shared] {
          try {
            core->write_media(*run, shared->first, shared->second);
          } catch (const std::exception& e) {
            report_error("could not write media file \"" + shared->first + "\": " + e.what());
          }
        }))
      report_error("media \"" + shared->first + "\" logged after the writer stopped; dropped");
  } catch (...) {
    report_error("out of memory while queueing a media file");
  }
}

opened_run writer::open_run(const run_request& request) {
  auto core = core_.get();
  return core_->call([core, request] { return core->open_run(request); }, request.lock_timeout);
}
void writer::set_config(const std::shared_ptr<run_channel>& run,
                        const std::vector<std::pair<std::string, std::string>>& config) {
  auto core = core_.get();
  core_->call([core, run, config] { core->set_config(*run, config); }, run->setup_timeout);
}
void writer::define_metric(const std::shared_ptr<run_channel>& run, const std::string& key, goal g) {
  auto core = core_.get();
  core_->call([core, run, key, g] { core->define_metric(*run, key, g); }, run->setup_timeout);
}
void writer::change_tags(const std::shared_ptr<run_channel>& run, const std::vector<std::string>& add,
                         const std::vector<std::string>& remove) {
  auto core = core_.get();
  core_->call([core, run, add, remove] { core->change_tags(*run, add, remove); }, run->setup_timeout);
}
void writer::set_note(const std::shared_ptr<run_channel>& run, const std::string& note) {
  auto core = core_.get();
  core_->call([core, run, note] { core->set_note(*run, note); }, run->setup_timeout);
}
std::vector<metric_summary> writer::summaries(const std::shared_ptr<run_channel>& run) {
  auto core = core_.get();
  return core_->call([core, run] { return core->summaries(*run); }, run->setup_timeout);
}

void writer::heartbeat(const std::shared_ptr<run_channel>& run) {
  auto core = core_.get();
  core_->call([core, run] { core->heartbeat(*run); }, run->setup_timeout);
}

bool writer::close_run(const std::shared_ptr<run_channel>& run, run_status status, const std::string& reason,
                       std::chrono::milliseconds timeout) noexcept {
  try {
    auto core = core_.get();
    core_->call([core, run, status, reason] { core->close_run(*run, status, reason); }, timeout);
    return true;
  } catch (const error& e) {
    // A timeout does not mean it failed: the command stays queued and is recorded when the
    // store is free. Say exactly that, not "could not record".
    if (e.code() == error_code::timeout)
      report_error("the end of run " + run->id + " is not committed yet after " + std::to_string(timeout.count()) +
                   " ms" + core_->busy_hint() + "; it will be recorded when the store is free");
    else
      report_error("could not record the end of run " + run->id + ": " + e.what());
    return false;
  } catch (const std::exception& e) {
    report_error("could not record the end of run " + run->id + ": " + e.what());
    return false;
  }
}

void writer::close_all(run_status status, const std::string& reason, std::chrono::milliseconds timeout) noexcept {
  try {
    auto core = core_.get();
    core_->call([core, status, reason] { core->close_all_runs(status, reason); }, timeout);
  } catch (const std::exception& e) {
    report_error(std::string("could not record the end of runs: ") + e.what());
  }
}

}  // namespace tracker::detail
