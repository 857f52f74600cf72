// production_store.cpp — production::store (writing, with group commit) and production::read.
//
// Group commit: a write validates and encodes its records on the caller's thread, then queues
// them. The first waiting thread that finds no commit in progress becomes the leader: it takes
// every queued write, stores them in one transaction and wakes their threads. Under many
// concurrent small requests (the HTTP server) this turns N commits into one, the same lever as
// the training writer's commit interval, without making a lone request wait for a timer. The
// leader yields its core while the queue is still growing (writes on their way on a busy
// machine), and the records of writes of one model and kind go in as one insert (commit_together).
#include <tracker/production.hpp>
#include <tracker/query.hpp>

#include "production_write.hpp"
#include "reader_access.hpp"
#include "run_ref.hpp"
#include "store/backend.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace tracker::production {

using nlohmann::json;

namespace {

// A file name for a record id: safe characters kept, others hex-escaped; a long id is cut and
// made unique with a hash (file names are limited to 255 bytes).
std::string file_name_for(const std::string& id) {
  std::string out;
  for (unsigned char c : id) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      const char* hex = "0123456789abcdef";
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (out.size() > 150 || out.front() == '.') {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    out = out.substr(0, std::min<std::size_t>(out.size(), 100)) + "-" + buf;
    if (out.front() == '.') out.front() = '%';
  }
  return out + ".png";
}

std::vector<std::string> classes_from_json(const std::string& text) {
  std::vector<std::string> out;
  json j = json::parse(text, nullptr, false);
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

// The classes of a model: recorded with its reference set, else the labels of the run's latest
// confusion matrix (what the training integration logs at every validation pass).
std::vector<std::string> model_classes(tracker::store::backend& b, std::int64_t rid) {
  if (auto recorded = b.production().model_classes(rid)) return classes_from_json(*recorded);
  auto infos = b.list_objects(rid, "", "confusion_matrix");
  if (infos.empty()) return {};
  const auto& newest = *std::max_element(infos.begin(), infos.end(), [](const auto& a, const auto& b) {
    return a.step < b.step;
  });
  auto body = b.find_object(rid, newest.key, newest.step);
  if (!body) return {};
  json j = json::parse(body->body_json, nullptr, false);
  std::vector<std::string> out;
  if (j.is_object() && j.contains("labels") && j["labels"].is_array())
    for (const auto& v : j["labels"])
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

model_info to_model_info(tracker::store::backend& b, const tracker::store::run_record& r) {
  return model_info{r.id, r.name, model_classes(b, r.rid)};
}

}  // namespace

// ---- store ---------------------------------------------------------------------------------------

struct store::impl {
  std::string location;
  std::unique_ptr<tracker::store::backend> backend;  // guarded by db_mutex

  std::mutex db_mutex;

  // A write waiting for the leader to commit it.
  struct pending {
    std::vector<tracker::store::production_row> rows;
    std::vector<tracker::store::feedback_row> feedback;
    std::string run_id;  // the model of `rows`; its rid is looked up inside the transaction
    bool replace_references = false;  // delete the model's reference records first
    write_result result;
    std::exception_ptr failure;
    bool done = false;
  };
  std::mutex queue_mutex;
  std::condition_variable committed;
  std::deque<pending*> queue;
  bool leader_active = false;
  static constexpr int max_yields = 4;  // a bound on how long a leader lets its queue fill

  // validated: every record already passed validate() (detail::write_validated).
  write_result write(const model_info& model, record_kind kind, std::vector<record> records, bool replace,
                     bool validated = false);

  // Run ids a write has found (a check before any image is written); the transaction looks
  // the rid up again, as a run may be deleted meanwhile.
  std::mutex known_mutex;
  std::unordered_set<std::string> known_runs;  // guarded by known_mutex

  std::int64_t rid_of(const std::string& run_id) {
    auto r = backend->find_run(run_id);
    if (!r) throw error(error_code::run_not_found, "no run with id \"" + run_id + "\" in " + location);
    return r->rid;
  }

  // Queues p and returns once it is committed (or failed); see the file comment.
  void submit(pending& p) {
    std::unique_lock lock(queue_mutex);
    queue.push_back(&p);
    while (!p.done) {
      if (leader_active) {
        committed.wait(lock);
        continue;
      }
      leader_active = true;
      // With fewer cores than busy threads, the writes that could join this commit are often
      // ready but not running (their threads preempted by this one). Yielding the core while the
      // queue keeps growing lets them queue first: on 2 cores with 8 connections of
      // single-record requests, ~5 writes share a commit instead of ~1.3. With a free core, or
      // no other write on its way, the queue does not grow and the commit starts at once.
      for (int round = 0; round < max_yields; ++round) {
        const std::size_t before = queue.size();
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
        if (queue.size() == before) break;
      }
      std::vector<pending*> batch(queue.begin(), queue.end());
      queue.clear();
      lock.unlock();
      commit_batch(batch);
      lock.lock();
      for (pending* q : batch) q->done = true;
      leader_active = false;
      lock.unlock();
      committed.notify_all();  // outside the lock: a woken waiter need not wait for it
      lock.lock();
    }
    if (p.failure) std::rethrow_exception(p.failure);
  }

  void commit_batch(const std::vector<pending*>& batch) {
    std::lock_guard db(db_mutex);
    try {
      if (batch.size() > 1 && commit_together(batch)) return;
      commit_each(batch);
    } catch (...) {
      for (pending* p : batch) p->failure = std::current_exception();
    }
  }

  // Writes of new records of one model and kind (the server's common case: many small
  // requests) go in as one insert: one new block per commit instead of one per write, so the
  // open blocks' tail is merged once per commit rather than once per request. Each write is
  // then credited with all of its records, which is exact only when none was a duplicate;
  // otherwise (a retried request, one id in two requests) the transaction is rolled back and
  // false returned, for commit_each to count write by write. Throws as commit_each does.
  bool commit_together(const std::vector<pending*>& batch) {
    const pending& first = *batch.front();
    for (const pending* p : batch)
      if (p->run_id.empty() || p->run_id != first.run_id || p->replace_references || !p->feedback.empty() ||
          p->rows.empty() || p->rows.front().kind != first.rows.front().kind)
        return false;
    std::vector<tracker::store::production_row> rows;
    std::vector<std::size_t> sizes;
    for (pending* p : batch) {
      sizes.push_back(p->rows.size());
      rows.insert(rows.end(), std::make_move_iterator(p->rows.begin()), std::make_move_iterator(p->rows.end()));
    }
    {
      tracker::store::write_transaction tx(*backend);
      const std::int64_t rid = rid_of(first.run_id);
      for (auto& row : rows) row.rid = rid;
      if (backend->production().insert_records(rows) == rows.size()) {
        tx.commit();
        for (std::size_t k = 0; k < batch.size(); ++k) batch[k]->result = write_result{sizes[k], 0};
        return true;
      }
    }  // rolled back: give each write its rows again
    auto from = rows.begin();
    for (std::size_t k = 0; k < batch.size(); ++k) {
      batch[k]->rows.assign(std::make_move_iterator(from), std::make_move_iterator(from + static_cast<std::ptrdiff_t>(sizes[k])));
      from += static_cast<std::ptrdiff_t>(sizes[k]);
    }
    return false;
  }

  // Write after write in one transaction, each with its own counts.
  void commit_each(const std::vector<pending*>& batch) {
    tracker::store::write_transaction tx(*backend);
    for (pending* p : batch) {
      p->result = {};
      if (!p->run_id.empty()) {
        const std::int64_t rid = rid_of(p->run_id);
        for (auto& row : p->rows) row.rid = rid;
        if (p->replace_references)
          backend->production().delete_records(rid, static_cast<int>(record_kind::reference));
      }
      if (!p->rows.empty()) p->result.accepted = backend->production().insert_records(p->rows);
      if (!p->feedback.empty()) p->result.accepted += backend->production().insert_feedback(p->feedback);
      p->result.duplicates = p->rows.size() + p->feedback.size() - p->result.accepted;
    }
    tx.commit();
  }
};

store::store(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
store::store(store&&) noexcept = default;
store& store::operator=(store&&) noexcept = default;
store::~store() = default;

store store::open(const std::string& location, std::chrono::milliseconds lock_timeout) {
  auto p = std::make_unique<impl>();
  p->location = location;
  p->backend = tracker::store::open(location, tracker::store::access::read_write, lock_timeout);
  p->backend->expect_heavy_writes();  // commits are on request paths: fewer checkpoints on them
  return store(std::move(p));
}

const std::string& store::location() const { return impl_->location; }

// A write-open refuses a newer store and migrates an older one, so it is this build's version.
int store::schema_version() const { return tracker::store::schema_version; }

model_info store::model(const std::string& ref) {
  std::lock_guard db(impl_->db_mutex);
  return to_model_info(*impl_->backend, detail::resolve_run(*impl_->backend, ref, impl_->location));
}

void store::set_classes(const std::string& run_id, const std::vector<std::string>& classes) {
  if (classes.empty() || classes.size() > limits::max_classes)
    throw error(error_code::invalid_argument, "set_classes: a model has 1 to " + std::to_string(limits::max_classes) + " classes");
  for (std::size_t i = 0; i < classes.size(); ++i) {
    if (classes[i].empty() || classes[i].size() > limits::max_name_bytes)
      throw error(error_code::invalid_argument, "set_classes: class " + std::to_string(i) + " is empty or too long");
    if (std::find(classes.begin(), classes.begin() + static_cast<std::ptrdiff_t>(i), classes[i]) !=
        classes.begin() + static_cast<std::ptrdiff_t>(i))
      throw error(error_code::invalid_argument, "set_classes: class '" + classes[i] + "' appears twice");
  }
  std::lock_guard db(impl_->db_mutex);
  const std::int64_t rid = impl_->rid_of(run_id);
  tracker::store::write_transaction tx(*impl_->backend);
  impl_->backend->production().set_model_classes(rid, json(classes).dump());
  tx.commit();
}

write_result store::write(const model_info& model, record_kind kind, std::vector<record> records) {
  return impl_->write(model, kind, std::move(records), false);
}

write_result store::replace_reference(const model_info& model, std::vector<record> records) {
  return impl_->write(model, record_kind::reference, std::move(records), true);
}

}  // namespace tracker::production

namespace tracker::detail {
production::write_result write_validated(production::store& s, const production::model_info& model,
                                         production::record_kind kind, std::vector<production::record> records) {
  return s.impl_->write(model, kind, std::move(records), false, true);
}
}  // namespace tracker::detail

namespace tracker::production {

write_result store::impl::write(const model_info& model, record_kind kind, std::vector<record> records, bool replace,
                                bool validated) {
  if (!validated)
    for (std::size_t i = 0; i < records.size(); ++i) validate(records[i], kind, model, i);
  // A query costs a read transaction: once per run. The set has its own lock: db_mutex is
  // held through every commit, and waiting for one here would only delay queueing for the next.
  bool known;
  {
    std::lock_guard lock(known_mutex);
    known = known_runs.count(model.run_id) > 0;
  }
  if (!known) {
    {
      std::lock_guard db(db_mutex);
      rid_of(model.run_id);
    }
    std::lock_guard lock(known_mutex);
    if (known_runs.size() >= 1024) known_runs.clear();
    known_runs.insert(model.run_id);
  }
  impl::pending p;
  p.run_id = model.run_id;
  p.rows.reserve(records.size());
  for (record& r : records) {
    tracker::store::production_row row;
    row.kind = static_cast<int>(kind);
    row.time = r.time;
    row.predicted = std::move(r.predicted);
    row.confidence = r.confidence;
    row.probabilities = std::move(r.probabilities);
    row.latency_ms = r.latency_ms;
    row.label = std::move(r.label);
    row.features = std::move(r.features);
    row.tags = std::move(r.tags);
    if (!r.image_png.empty()) {
      // Under the run's media so gc removes it with the run. Written before the commit: a
      // failed commit leaves an unreferenced file, never a row pointing at nothing. The sink is
      // thread-safe: no db_mutex needed.
      row.image = backend->media().put(
          model.run_id, std::string("production/") + to_string(kind) + "/" + file_name_for(r.id),
          {reinterpret_cast<const std::uint8_t*>(r.image_png.data()), r.image_png.size()});
    }
    row.id = std::move(r.id);
    p.rows.push_back(std::move(row));
  }
  p.replace_references = replace;
  if (p.rows.empty() && !replace) return {};
  submit(p);
  return p.result;
}

write_result store::write_feedback(std::vector<feedback> items, const model_info* model) {
  for (std::size_t i = 0; i < items.size(); ++i) validate(items[i], model, i);
  std::int64_t rid = 0;
  if (model) {
    std::lock_guard db(impl_->db_mutex);
    rid = impl_->rid_of(model->run_id);
  }
  impl::pending p;
  p.feedback.reserve(items.size());
  for (feedback& f : items)
    p.feedback.push_back({std::move(f.id), rid, f.time, std::move(f.label), std::move(f.flag), std::move(f.reason)});
  if (p.feedback.empty()) return {};
  impl_->submit(p);
  return p.result;
}

// ---- reading -------------------------------------------------------------------------------------

model_info read_model(const reader& from, const std::string& run_ref) {
  tracker::store::backend& b = detail::reader_access::backend(from);
  return to_model_info(b, detail::resolve_run(b, run_ref, from.store_dir()));
}

dataset read(const reader& from, const std::string& run_ref, record_kind kind, const window& w) {
  tracker::store::backend& b = detail::reader_access::backend(from);
  const tracker::store::run_record run = detail::resolve_run(b, run_ref, from.store_dir());
  dataset d;
  d.model = to_model_info(b, run);
  d.kind = kind;
  const double since = w.since.value_or(-std::numeric_limits<double>::infinity());
  const double until = w.until.value_or(std::numeric_limits<double>::infinity());
  b.production().read_records(run.rid, static_cast<int>(kind), since, until, w.last, d);
  return d;
}

}  // namespace tracker::production
