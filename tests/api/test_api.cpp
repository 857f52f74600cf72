// Public logging API: init, steps, config, summaries, tags/notes, resume, status, bad input.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "test_support.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

using tracker_test::captured_errors;
using tracker_test::temp_dir;

namespace {
tracker::options opts_for(const temp_dir& dir) {
  tracker::options o;
  o.store = dir.store();
  o.project = "fashion";
  return o;
}

}  // namespace

TEST_CASE("the README example: init, log, finish, then read it back", "[api]") {
  temp_dir dir;
  tracker::options opts;
  opts.store = dir.store();
  opts.project = "fashion";
  opts.name = "cnn-lr1e-3";
  opts.config = {{"lr", 1e-3}, {"batch", 64}};
  opts.tags = {"baseline"};
  tracker::run run = tracker::init(opts);
  for (int step = 0; step < 100; ++step)
    run.log({{"train/loss", 1.0 / (step + 1)}, {"train/acc", step / 100.0}}, step);
  run.finish();

  auto store = tracker::reader::open(dir.store());
  auto info = store.run(run.id());
  CHECK(info.name == "cnn-lr1e-3");
  CHECK(info.project == "fashion");
  CHECK(info.status == tracker::run_status::finished);
  CHECK(info.tags == std::vector<std::string>{"baseline"});
  CHECK(info.ended_at);
  CHECK(info.pid > 0);
  CHECK(!info.host.empty());
  auto config = nlohmann::json::parse(info.config_json);
  CHECK(config["lr"] == 1e-3);
  CHECK(config["batch"] == 64);
  auto loss = store.summary(run.id(), "train/loss");
  REQUIRE(loss);
  CHECK(loss->count == 100);
  CHECK(loss->last == Approx(0.01));
  CHECK(loss->last_step == 99);
  CHECK(*loss->min == Approx(0.01));
  CHECK(*loss->max == 1.0);
  CHECK(*loss->best() == Approx(0.01));
  auto acc = store.summary(run.id(), "train/acc");
  CHECK(*acc->best() == Approx(0.99));
  CHECK(store.run("cnn-lr1e-3").id == run.id());
  CHECK(store.run("latest").id == run.id());
}

TEST_CASE("a default name is readable and the id is short", "[api]") {
  temp_dir dir;
  auto run = tracker::init(opts_for(dir));
  CHECK(run.id().size() == 8);
  CHECK(run.name().find('-') != std::string::npos);
  CHECK(run.name().substr(run.name().rfind('-') + 1) == "1");  // first run of the project
}

TEST_CASE("steps auto-increment per call, and explicit steps move the counter", "[api]") {
  temp_dir dir;
  auto run = tracker::init(opts_for(dir));
  run.log({{"a", 1}, {"b", 2}});  // step 0 for both
  run.log({{"a", 3}});            // step 1
  run.log("a", 4, 10);            // explicit 10
  run.log("a", 5);                // 11
  run.log("a", 6, 3);             // explicit, lower: kept, counter stays at 12
  run.log("b", 7);                // 12
  run.finish();
  auto store = tracker::reader::open(dir.store());
  std::vector<std::int64_t> steps;
  for (auto& p : store.points(run.id(), "a")) steps.push_back(p.step);
  CHECK(steps == std::vector<std::int64_t>{0, 1, 3, 10, 11});  // read in step order
  auto b = store.points(run.id(), "b");
  REQUIRE(b.size() == 2);
  CHECK(b[0].step == 0);
  CHECK(b[1].step == 12);
  CHECK(store.summary(run.id(), "a")->last == 5);  // value at the highest step
}

TEST_CASE("strict mode rejects a step lower than the key's last, and reports it", "[api]") {
  temp_dir dir;
  captured_errors errors;
  auto o = opts_for(dir);
  o.strict_steps = true;
  auto run = tracker::init(o);
  run.log("x", 1, 5);
  run.log("x", 2, 3);  // rejected
  run.log("x", 3, 5);  // equal is fine
  run.log("y", 4, 1);  // other key: its own history
  run.finish();
  auto store = tracker::reader::open(dir.store());
  CHECK(store.points(run.id(), "x").size() == 2);
  CHECK(store.points(run.id(), "y").size() == 1);
  CHECK(run.stats().rejected == 1);
  CHECK(errors.any_contains("strict_steps"));
}

TEST_CASE("config is immutable per key: same value fine, different value throws", "[api]") {
  temp_dir dir;
  auto o = opts_for(dir);
  o.config = {{"lr", 0.001}, {"model", {{"layers", 3}, {"act", "relu"}}}};
  auto run = tracker::init(o);
  CHECK_NOTHROW(run.set_config({{"lr", 1e-3}}));     // same number, other spelling
  CHECK_NOTHROW(run.set_config({{"epochs", 2}}));    // new key
  try {
    run.set_config({{"lr", 0.01}, {"seed", 1}});
    FAIL("changed an immutable config value");
  } catch (const tracker::error& e) {
    CHECK(e.code() == tracker::error_code::config_conflict);
    CHECK_THAT(e.what(), Catch::Contains("lr"));
  }
  run.finish();
  auto info = tracker::reader::open(dir.store()).run(run.id());
  auto config = nlohmann::json::parse(info.config_json);
  CHECK(config["lr"] == 0.001);
  CHECK(config["model.layers"] == 3);  // nested objects flatten to dotted keys
  CHECK(config["model.act"] == "relu");
  CHECK(config["epochs"] == 2);
  CHECK_FALSE(config.contains("seed"));  // the conflicting call changed nothing
}

TEST_CASE("tags and the note can change; define_metric sets the goal of best", "[api]") {
  temp_dir dir;
  auto o = opts_for(dir);
  o.tags = {"a", "b"};
  auto run = tracker::init(o);
  run.add_tags({"c"});
  run.remove_tags({"a"});
  run.set_note("first try");
  run.set_note("second try");
  run.define_metric("throughput", tracker::goal::maximize);
  run.define_metric("val/loss_weird", tracker::goal::maximize);  // overrides the inferred goal
  for (int i = 0; i < 5; ++i) run.log({{"throughput", 10.0 * i}, {"val/loss_weird", 1.0 * i}, {"misc", 1.0 * i}}, i);
  run.finish();
  auto store = tracker::reader::open(dir.store());
  auto info = store.run(run.id());
  CHECK(info.tags == std::vector<std::string>{"b", "c"});
  CHECK(info.note == "second try");
  CHECK(*store.summary(run.id(), "throughput")->best() == 40);
  CHECK(*store.summary(run.id(), "val/loss_weird")->best() == 4);
  CHECK_FALSE(store.summary(run.id(), "misc")->best());  // no goal: no best
}

TEST_CASE("bad keys are reported, never thrown, and lose nothing else", "[api]") {
  temp_dir dir;
  captured_errors errors;
  auto run = tracker::init(opts_for(dir));
  std::string huge(10000, 'k');
  run.log({{"", 1.0}, {"good", 2.0}, {huge, 3.0}, {"tab\tkey", 4.0}}, 0);
  auto invalid = run.key("");
  CHECK_FALSE(invalid.valid());
  run.log(invalid, 1.0, 1);
  run.finish();
  CHECK(run.stats().rejected == 4);
  CHECK(errors.any_contains("empty metric key"));
  CHECK(errors.any_contains("longer than 256"));
  auto s = tracker::reader::open(dir.store()).summaries(run.id());
  REQUIRE(s.size() == 1);
  CHECK(s[0].key == "good");
}

TEST_CASE("logging after finish is rejected and reported, not thrown", "[api]") {
  temp_dir dir;
  captured_errors errors;
  auto run = tracker::init(opts_for(dir));
  run.log("a", 1.0);
  run.finish();
  run.finish();  // idempotent
  run.log("a", 2.0);
  CHECK(run.stats().rejected == 1);
  // Reported by the writer (producers only count: no lock on the logging path).
  for (int i = 0; i < 300 && !errors.any_contains("after finish"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(errors.any_contains("after finish"));
  CHECK(tracker::reader::open(dir.store()).points(run.id(), "a").size() == 1);
}

TEST_CASE("setup errors throw tracker::error with a code", "[api]") {
  temp_dir dir;
  auto o = opts_for(dir);
  o.project = "";
  CHECK_THROWS_AS(tracker::init(o), tracker::error);
  o = opts_for(dir);
  o.config = nlohmann::json::array({1, 2});
  CHECK_THROWS_AS(tracker::init(o), tracker::error);
  o = opts_for(dir);
  o.id = "bad id with spaces";
  CHECK_THROWS_AS(tracker::init(o), tracker::error);
}

TEST_CASE("resuming a run by id continues its steps, summaries and config", "[api]") {
  temp_dir dir;
  auto o = opts_for(dir);
  o.id = "resume-me";
  o.config = {{"lr", 0.1}};
  {
    auto run = tracker::init(o);
    for (int i = 0; i < 10; ++i) run.log("loss", 10.0 - i);
    run.finish();
  }
  // Same id without resume: refused.
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::run_exists;
                       }));
  o.resume = tracker::resume_mode::must;
  {
    auto run = tracker::init(o);
    run.log("loss", 0.5);  // auto-step continues at 10
    run.finish();
  }
  o.config = {{"lr", 0.2}};
  CHECK_THROWS_AS(tracker::init(o), tracker::error);  // config still immutable on resume

  auto store = tracker::reader::open(dir.store());
  auto s = store.summary("resume-me", "loss");
  CHECK(s->count == 11);
  CHECK(s->last_step == 10);
  CHECK(s->last == 0.5);
  CHECK(*s->min == 0.5);
  CHECK(store.run("resume-me").status == tracker::run_status::finished);

  auto missing = opts_for(dir);
  missing.id = "nope";
  missing.resume = tracker::resume_mode::must;
  CHECK_THROWS_AS(tracker::init(missing), tracker::error);
}

TEST_CASE("status: fail() and an escaping exception mark the run failed", "[api]") {
  temp_dir dir;
  std::string failed_id, thrown_id;
  {
    auto run = tracker::init(opts_for(dir));
    failed_id = run.id();
    run.fail("diverged: loss is NaN");
  }
  try {
    auto run = tracker::init(opts_for(dir));
    thrown_id = run.id();
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  auto store = tracker::reader::open(dir.store());
  auto a = store.run(failed_id);
  CHECK(a.status == tracker::run_status::failed);
  CHECK(a.status_reason == "diverged: loss is NaN");
  auto b = store.run(thrown_id);
  CHECK(b.status == tracker::run_status::failed);
  CHECK_THAT(b.status_reason, Catch::Contains("exception"));
}

TEST_CASE("a run's summary() reflects everything flushed", "[api]") {
  temp_dir dir;
  auto run = tracker::init(opts_for(dir));
  for (int i = 0; i < 1000; ++i) run.log("v", i);
  REQUIRE(run.flush());
  auto s = run.summary();
  REQUIRE(s.size() == 1);
  CHECK(s[0].count == 1000);
  CHECK(s[0].last == 999);
}

TEST_CASE("several threads log into one run without losing a point", "[api]") {
  temp_dir dir;
  auto run = tracker::init(opts_for(dir));
  const int threads = 4, per_thread = 20000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      auto k = run.key("thread/" + std::to_string(t));
      for (int i = 0; i < per_thread; ++i) run.log(k, i, i);
    });
  for (auto& th : pool) th.join();
  run.finish();
  auto store = tracker::reader::open(dir.store());
  for (int t = 0; t < threads; ++t) {
    auto s = store.summary(run.id(), "thread/" + std::to_string(t));
    REQUIRE(s);
    CHECK(s->count == per_thread);
    CHECK(*s->max == per_thread - 1);
  }
  CHECK(run.stats().written == static_cast<std::uint64_t>(threads * per_thread));
}

TEST_CASE("objects and media files are stored by reference", "[api]") {
  temp_dir dir;
  auto run = tracker::init(opts_for(dir));
  std::string path = run.log_media("images/a.bin", {1, 2, 3});
  CHECK(path == "media/" + run.id() + "/images/a.bin");
  CHECK(run.log_media("../escape.bin", {1}).empty());
  run.log_object("val/thing", "table", {{"rows", {{1, path}}}}, 3);
  run.finish();
  auto store = tracker::reader::open(dir.store());
  auto o = store.object(run.id(), "val/thing");
  REQUIRE(o);
  CHECK(o->kind == "table");
  CHECK(o->step == 3);
  CHECK(nlohmann::json::parse(o->body_json)["rows"][0][1] == path);
  CHECK(std::filesystem::file_size(dir.store() + "/" + path) == 3);
  CHECK_FALSE(std::filesystem::exists(dir.store() + "/../escape.bin"));
}

TEST_CASE("filters: project, status, tags, config and metric conditions", "[api]") {
  temp_dir dir;
  for (int i = 0; i < 3; ++i) {
    auto o = opts_for(dir);
    o.project = i < 2 ? "p" : "q";
    o.config = {{"lr", 0.1 * (i + 1)}};
    o.tags = {i == 1 ? "best" : "plain"};
    auto run = tracker::init(o);
    run.log("val/acc", 0.5 + 0.1 * i);
    if (i == 0) run.fail("x");
  }
  auto store = tracker::reader::open(dir.store());
  tracker::run_filter f;
  f.project = "p";
  CHECK(store.runs(f).size() == 2);
  f.status = tracker::run_status::finished;
  CHECK(store.runs(f).size() == 1);
  tracker::run_filter t;
  t.tags = {"best"};
  CHECK(store.runs(t).size() == 1);
  tracker::run_filter w;
  w.where = {tracker::parse_condition("val/acc>=0.6"), tracker::parse_condition("config.lr<0.25")};
  auto hits = store.runs(w);
  REQUIRE(hits.size() == 1);
  CHECK(hits[0].tags == std::vector<std::string>{"best"});
  CHECK_THROWS_AS(tracker::parse_condition("val/acc>>x"), tracker::error);
  CHECK_THROWS_AS(tracker::parse_condition("no operator"), tracker::error);
}

TEST_CASE("a run-time list of metrics shares one step, and take_step() reserves one", "[api]") {
  temp_dir dir;
  auto run = tracker::init(opts_for(dir));
  run.log("warmup", 1.0);  // step 0
  std::vector<std::string> names = {"f1/a", "f1/b", "f1/c"};
  std::vector<tracker::metric> batch;
  for (std::size_t i = 0; i < names.size(); ++i) batch.push_back({names[i], 0.1 * static_cast<double>(i)});
  run.log(std::span<const tracker::metric>(batch));  // step 1 for all three
  std::int64_t reserved = run.take_step();           // step 2
  run.log(std::span<const tracker::metric>(batch), reserved);
  run.log("after", 1.0);                              // step 3
  run.finish();
  auto store = tracker::reader::open(dir.store());
  for (auto& n : names) {
    auto pts = store.points(run.id(), n);
    REQUIRE(pts.size() == 2);
    CHECK(pts[0].step == 1);
    CHECK(pts[1].step == 2);
  }
  CHECK(reserved == 2);
  CHECK(store.points(run.id(), "after")[0].step == 3);
}

TEST_CASE("the run records the git commit and branch of the working directory", "[api]") {
  temp_dir dir;
  namespace fs = std::filesystem;
  const std::string sha = "0123456789abcdef0123456789abcdef01234567";
  const std::string packed_sha = "89abcdef0123456789abcdef0123456789abcdef";
  fs::create_directories(dir.path() + "/repo/.git/refs/heads");
  fs::create_directories(dir.path() + "/repo/sub/dir");
  auto write = [](const std::string& path, const std::string& text) { std::ofstream(path) << text; };
  write(dir.path() + "/repo/.git/HEAD", "ref: refs/heads/main\n");
  write(dir.path() + "/repo/.git/refs/heads/main", sha + "\n");
  write(dir.path() + "/repo/.git/packed-refs", "# pack-refs with: peeled\n" + packed_sha + " refs/heads/packed\n");

  struct cwd_guard {
    fs::path saved = fs::current_path();
    ~cwd_guard() { fs::current_path(saved); }
  } guard;
  auto o = opts_for(dir);
  fs::current_path(dir.path() + "/repo/sub/dir");  // found by walking up
  std::string loose_id, packed_id;
  {
    auto run = tracker::init(o);
    loose_id = run.id();
  }
  write(dir.path() + "/repo/.git/HEAD", "ref: refs/heads/packed\n");
  {
    auto run = tracker::init(o);
    packed_id = run.id();
  }
  auto store = tracker::reader::open(dir.store());
  CHECK(store.run(loose_id).git_commit == sha);
  CHECK(store.run(loose_id).git_branch == "main");
  CHECK(store.run(packed_id).git_commit == packed_sha);
  CHECK(store.run(packed_id).git_branch == "packed");
}
