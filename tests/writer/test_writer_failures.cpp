// The writer's failure path, white-box: a fake backend (a real SQLite store behind a wrapper
// that fails on command) drives retry, rollback, cache reset, drop, and what flush() reports;
// its media sink fails on command too (a failed media write is reported, nothing else lost; gc
// that cannot remove a run's media says which, and the next gc finishes the job).
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "gc.hpp"
#include "store/backend.hpp"
#include "key_registry.hpp"
#include "writer_core.hpp"

#include "test_support.hpp"

#include <atomic>

using tracker_test::temp_dir;
namespace store = tracker::store;

namespace {

// Forwards to the real store's sink; put throws io_error the next `failures` times, and
// remove_run for the run named by fail_removal.
class failing_media final : public store::media_sink {
 public:
  explicit failing_media(store::media_sink& real) : real_(real) {}
  void fail(int times) { failures_ = times; }
  void fail_removal(std::string run) { unremovable_ = std::move(run); }
  std::string put(std::string_view run, std::string_view rel, std::span<const std::uint8_t> bytes) override {
    if (failures_ > 0) {
      --failures_;
      throw tracker::error(tracker::error_code::io_error, "injected media failure");
    }
    return real_.put(run, rel, bytes);
  }
  std::optional<std::vector<std::uint8_t>> find(std::string_view key) override { return real_.find(key); }
  void remove_run(std::string_view run) override {
    if (run == unremovable_) throw tracker::error(tracker::error_code::io_error, "injected removal failure");
    real_.remove_run(run);
  }
  std::vector<std::string> runs() override { return real_.runs(); }

 private:
  store::media_sink& real_;
  std::atomic<int> failures_{0};
  std::string unremovable_;
};

// Forwards everything to a real backend; throws io_error from the chosen operation the next
// `failures` times it is called.
class failing_backend final : public store::backend {
 public:
  enum class op { commit, insert_points, update_summary };
  explicit failing_backend(std::unique_ptr<store::backend> real) : real_(std::move(real)), media_(real_->media()) {}
  void fail(op which, int times) {
    which_ = which;
    failures_ = times;
  }
  int calls_failed() const { return failed_; }
  void fail_media(int times) { media_.fail(times); }
  failing_media& media_sink() { return media_; }

  void begin_write() override { real_->begin_write(); }
  void commit() override {
    maybe_fail(op::commit);
    real_->commit();
  }
  void rollback() noexcept override { real_->rollback(); }
  void set_wait_observer(std::function<void(double, std::uint64_t)> o) override { real_->set_wait_observer(std::move(o)); }
  void set_lock_timeout(std::chrono::milliseconds t) override { real_->set_lock_timeout(t); }
  std::optional<store::run_record> find_run(const std::string& id) override { return real_->find_run(id); }
  std::int64_t insert_run(const store::run_record& r) override { return real_->insert_run(r); }
  void update_run_process(std::int64_t rid, const store::run_record& r) override { real_->update_run_process(rid, r); }
  void update_run_status(std::int64_t rid, tracker::run_status s, const std::string& reason,
                         std::optional<double> ended_at) override {
    real_->update_run_status(rid, s, reason, ended_at);
  }
  void touch_heartbeats(const std::vector<std::int64_t>& rids, double now) override { real_->touch_heartbeats(rids, now); }
  std::int64_t count_runs(const std::string& p) override { return real_->count_runs(p); }
  std::vector<store::run_record> list_runs(bool d, const std::string& p) override { return real_->list_runs(d, p); }
  std::vector<store::run_record> find_runs_by_name(const std::string& n) override { return real_->find_runs_by_name(n); }
  std::optional<store::run_record> latest_run() override { return real_->latest_run(); }
  std::vector<std::pair<std::int64_t, std::string>> tags_of(const std::vector<std::int64_t>& r) override {
    return real_->tags_of(r);
  }
  std::vector<std::tuple<std::int64_t, std::string, std::string>> config_of(const std::vector<std::int64_t>& r) override {
    return real_->config_of(r);
  }
  std::vector<std::pair<std::string, std::string>> config(std::int64_t rid) override { return real_->config(rid); }
  void put_config(std::int64_t rid, const std::string& k, const std::string& j) override { real_->put_config(rid, k, j); }
  std::vector<std::string> tags(std::int64_t rid) override { return real_->tags(rid); }
  void add_tag(std::int64_t rid, const std::string& t) override { real_->add_tag(rid, t); }
  void remove_tag(std::int64_t rid, const std::string& t) override { real_->remove_tag(rid, t); }
  void set_note(std::int64_t rid, const std::string& n) override { real_->set_note(rid, n); }
  std::optional<store::series_record> find_series(std::int64_t rid, const std::string& k) override {
    return real_->find_series(rid, k);
  }
  std::int64_t insert_series(std::int64_t rid, const std::string& k, tracker::goal g) override {
    return real_->insert_series(rid, k, g);
  }
  void set_series_goal(std::int64_t sid, tracker::goal g) override { real_->set_series_goal(sid, g); }
  void update_series_summary(std::int64_t sid, const tracker::metric_summary& s) override {
    maybe_fail(op::update_summary);
    real_->update_series_summary(sid, s);
  }
  std::vector<store::series_record> list_series(std::int64_t rid) override { return real_->list_series(rid); }
  std::vector<store::series_record> list_series_of(const std::vector<std::int64_t>& r,
                                                   const std::vector<std::string>& k) override {
    return real_->list_series_of(r, k);
  }
  std::int64_t max_step(std::int64_t rid) override { return real_->max_step(rid); }
  void insert_points(const std::vector<store::point_row>& rows) override {
    maybe_fail(op::insert_points);
    real_->insert_points(rows);
  }
  std::vector<tracker::point> read_points(std::int64_t sid, std::int64_t f, std::int64_t t) override {
    return real_->read_points(sid, f, t);
  }
  std::vector<store::sequenced_point> read_points_after(std::int64_t sid, std::int64_t c, std::size_t l) override {
    return real_->read_points_after(sid, c, l);
  }
  std::vector<store::sequenced_point> read_points_since(std::int64_t c, std::size_t l) override {
    return real_->read_points_since(c, l);
  }
  std::vector<store::series_name> series_names(const std::vector<std::int64_t>& s) override {
    return real_->series_names(s);
  }
  std::int64_t newest_point_seq() override { return real_->newest_point_seq(); }
  std::optional<store::bucket_row> find_bucket(std::int64_t sid, int level, std::int64_t i) override {
    return real_->find_bucket(sid, level, i);
  }
  void upsert_buckets(const std::vector<store::bucket_row>& rows) override { real_->upsert_buckets(rows); }
  std::optional<std::int64_t> top_bucket(std::int64_t sid, int level) override { return real_->top_bucket(sid, level); }
  void seal_open_blocks(std::int64_t rid) override { real_->seal_open_blocks(rid); }
  std::vector<store::bucket_row> read_buckets(std::int64_t sid, int level, std::int64_t a, std::int64_t b) override {
    return real_->read_buckets(sid, level, a, b);
  }
  void insert_object(std::int64_t rid, const tracker::object_record& o) override { real_->insert_object(rid, o); }
  std::vector<tracker::object_record> read_objects(std::int64_t rid, const std::string& k, const std::string& kind) override {
    return real_->read_objects(rid, k, kind);
  }
  std::vector<tracker::object_info> list_objects(std::int64_t rid, const std::string& k, const std::string& kind) override {
    return real_->list_objects(rid, k, kind);
  }
  std::optional<tracker::object_record> find_object(std::int64_t rid, const std::string& k,
                                                    std::optional<std::int64_t> s) override {
    return real_->find_object(rid, k, s);
  }
  std::uint64_t data_version() override { return real_->data_version(); }
  void begin_read() override { real_->begin_read(); }
  void end_read() noexcept override { real_->end_read(); }
  void mark_deleted(std::int64_t rid, double now) override { real_->mark_deleted(rid, now); }
  store::production_tables& production() override { return real_->production(); }
  std::vector<std::string> purge_deleted() override { return real_->purge_deleted(); }
  store::media_sink& media() override { return media_; }

 private:
  void maybe_fail(op which) {
    if (which == which_ && failures_ > 0) {
      --failures_;
      ++failed_;
      throw tracker::error(tracker::error_code::io_error, "injected failure");
    }
  }
  std::unique_ptr<store::backend> real_;
  failing_media media_;
  std::atomic<op> which_{op::commit};
  std::atomic<int> failures_{0};
  std::atomic<int> failed_{0};
};

// A writer over the fake backend, and one open run on it.
struct rig {
  temp_dir dir;
  failing_backend* fake = nullptr;
  std::shared_ptr<tracker::detail::writer_core> core;
  std::shared_ptr<tracker::detail::run_channel> run;
  std::uint32_t key = 0;

  rig() {
    auto real = store::open(dir.store(), store::access::read_write);
    auto wrapper = std::make_unique<failing_backend>(std::move(real));
    fake = wrapper.get();
    core = std::make_shared<tracker::detail::writer_core>(dir.store(), std::move(wrapper));
    core->start();
    tracker::detail::run_request req;
    req.record.id = "fake-run";
    req.record.project = "p";
    req.record.name = "n";
    req.record.host = "h";
    req.record.heartbeat_interval = 10;
    auto c = core.get();
    run = core->call([c, req] { return c->open_run(req); }).channel;
    key = tracker::detail::intern_key("v");
  }
  ~rig() { core->stop(std::chrono::seconds(10)); }

  void log(std::int64_t from, std::int64_t to) {
    for (std::int64_t s = from; s < to; ++s)
      core->enqueue(*run, tracker::detail::record{key, 0, s, static_cast<double>(s), 1.0});
  }
  void flush() { core->call([] {}); }
  std::optional<tracker::metric_summary> summary() {
    return tracker::reader::open(dir.store()).summary("fake-run", "v");
  }
};

}  // namespace

TEST_CASE("fake backend: a commit that fails once is retried; nothing lost, nothing counted twice", "[writer][failures]") {
  tracker::set_error_handler([](const std::string&) {});
  rig r;
  r.log(0, 100);
  r.flush();
  r.fake->fail(failing_backend::op::commit, 1);
  r.log(100, 200);
  r.flush();
  CHECK(r.fake->calls_failed() == 1);
  CHECK(r.run->failed.load() == 0);
  CHECK(r.run->written.load() == 200);
  auto s = r.summary();
  REQUIRE(s);
  CHECK(s->count == 200);  // the rolled-back attempt's cached summary was forgotten
  CHECK(s->last_step == 199);
  CHECK(tracker::reader::open(r.dir.store()).points("fake-run", "v").size() == 200);
  tracker::set_error_handler(nullptr);
}

TEST_CASE("fake backend: a batch that fails every attempt is dropped, counted, and the next one is exact", "[writer][failures]") {
  tracker::set_error_handler([](const std::string&) {});
  rig r;
  r.log(0, 50);
  r.flush();
  r.fake->fail(failing_backend::op::update_summary, 3);  // mid-transaction: points already inserted
  r.log(50, 80);
  r.flush();
  CHECK(r.fake->calls_failed() == 3);
  CHECK(r.run->failed.load() == 30);
  CHECK(r.run->lost() == 30);
  CHECK(r.core->store_stats().errors == 1);
  // Rolled back: no partial rows of the failed batch, summary as before it.
  auto store = tracker::reader::open(r.dir.store());
  CHECK(store.points("fake-run", "v").size() == 50);
  CHECK(store.summary("fake-run", "v")->count == 50);
  r.log(80, 90);
  r.flush();
  auto s = r.summary();
  CHECK(s->count == 60);
  CHECK(s->last_step == 89);
  CHECK(*s->max == 89.0);
  auto st = r.run->stats();
  CHECK(st.enqueued == st.written + st.dropped + st.rejected + st.failed);
  tracker::set_error_handler(nullptr);
}

TEST_CASE("fake media sink: a failed media write is reported through the error handler, loses no point, "
          "and the writer goes on", "[writer][failures][media]") {
  tracker_test::captured_errors errors;
  rig r;
  auto w = std::make_shared<tracker::detail::writer>(r.core);  // the handle runs log_media through
  r.log(0, 100);
  r.fake->fail_media(1);
  w->post_media(r.run, "samples/a.png", {1, 2, 3});
  r.log(100, 200);
  w->post_media(r.run, "samples/b.png", {4, 5});
  r.flush();
  CHECK(errors.any_contains("could not write media file \"samples/a.png\": injected media failure"));
  CHECK_FALSE(errors.any_contains("samples/b.png"));
  CHECK(r.run->lost() == 0);
  CHECK(r.core->store_stats().errors == 0);  // a media file is not a batch of points
  auto store = tracker::reader::open(r.dir.store());
  CHECK(store.points("fake-run", "v").size() == 200);
  CHECK_FALSE(store.media("media/fake-run/samples/a.png"));
  auto b = store.media("media/fake-run/samples/b.png");
  REQUIRE(b);
  CHECK(*b == std::vector<std::uint8_t>{4, 5});
  r.log(200, 210);  // still writing
  r.flush();
  CHECK(store.summary("fake-run", "v")->count == 210);
}

TEST_CASE("fake media sink: gc that cannot remove a run's media names it, purges the rest, and the next gc "
          "finishes", "[writer][failures][media][gc]") {
  temp_dir dir;
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    tracker::options o = tracker_test::quiet(dir);
    auto run = tracker::init(o);
    run.log("loss", 1.0, 0);
    CHECK(!run.log_media("a.png", {1, 2, 3}).empty());
    ids.push_back(run.id());
    run.finish();
    tracker::delete_run(dir.store(), run.id());
  }
  failing_backend fake(store::open(dir.store(), store::access::read_write));
  fake.media_sink().fail_removal(ids[0]);
  try {
    tracker::detail::collect_garbage(fake);
    FAIL("gc reported success although a run's media could not be removed");
  } catch (const tracker::error& e) {
    CHECK(e.code() == tracker::error_code::io_error);
    CHECK(std::string(e.what()).find("gc purged 2 deleted runs' rows, but not all their media") != std::string::npos);
    CHECK(std::string(e.what()).find("injected removal failure") != std::string::npos);
  }
  const auto media = std::filesystem::path(dir.store()) / "media";
  CHECK(std::filesystem::exists(media / ids[0]));        // kept: the sink refused
  CHECK_FALSE(std::filesystem::exists(media / ids[1]));  // removed despite the other's failure
  CHECK(tracker::reader::open(dir.store()).runs().empty());  // the rows of both are gone
  // Fixed: the next gc removes the orphan media (a run without a row) and purges no row.
  fake.media_sink().fail_removal("");
  CHECK(tracker::detail::collect_garbage(fake) == 0);
  CHECK_FALSE(std::filesystem::exists(media / ids[0]));
}

TEST_CASE("store::open refuses a PostgreSQL location this build cannot serve, with a clear message", "[store]") {
  CHECK_THROWS_MATCHES(store::open("postgresql://db.example/tracker", store::access::read_only), tracker::error,
                       Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::store_open_failed &&
                                std::string(e.what()).find("PostgreSQL") != std::string::npos;
                       }));
}
