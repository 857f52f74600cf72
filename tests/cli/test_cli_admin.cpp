// test_cli_admin.cpp — `tracker` errors (unknown run or flag, missing store, usage) and the
// commands that change a store (delete, gc), against a real store in a temp dir. The same
// in-process/binary agreement as test_cli.cpp (cli_fixture.hpp).
#include "cli.hpp"
#include "cli_fixture.hpp"
#include "../store/old_points_layout.hpp"

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace cli_fixture;

TEST_CASE("cli errors: unknown run, unknown flag, missing store, usage", "[cli]") {
  fixture f;

  SECTION("an unknown RUN is exit 2 for every command that takes one") {
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"summary", "nosuchrun"},
                                               {"export", "nosuchrun"},
                                               {"compare", "nosuchrun", "baseline"},
                                               {"check", "nosuchrun", "val/accuracy>0"},
                                               {"delete", "nosuchrun"}}) {
      INFO(args[0]);
      const cli_result r = cli_both(f.with_store(args));
      require_input_error(r, "nosuchrun");
      CHECK(r.err.rfind("tracker: ", 0) == 0);
    }
  }
  SECTION("a name shared by two runs is exit 2 (use the id)") {
    tracker::run twin = tracker::init(f.opts("fashion", "baseline"));
    twin.finish();
    require_input_error(cli_both(f.with_store({"summary", "baseline"})), "baseline");
    require_input_error(cli_both(f.with_store({"check", "baseline", "train/loss<1"})), "baseline");
    CHECK(cli_both(f.with_store({"summary", f.baseline_id})).code == 0);
  }
  SECTION("an unknown flag is exit 2 for every command") {
    for (const char* cmd : {"runs", "summary", "export", "compare", "check", "delete", "gc"}) {
      INFO(cmd);
      require_input_error(cli_both(f.with_store({cmd, "--bogus"})), "--bogus");
    }
  }
  SECTION("a missing store is exit 2 for every command, and is not created") {
    const std::string missing = f.dir.path() + "/no-store-here";
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"runs"},
                                               {"summary", "latest"},
                                               {"export", "latest"},
                                               {"compare", "latest", "latest"},
                                               {"check", "latest", "a>1"},
                                               {"delete", "latest"},
                                               {"gc"}}) {
      std::vector<std::string> full = args;
      full.insert(full.end(), {"--store", missing});
      INFO(args[0]);
      require_input_error(cli_both(full), missing);
      CHECK_FALSE(fs::exists(missing));
    }
  }
  SECTION("commands, help and usage") {
    const cli_result none = cli_both({});
    CHECK(none.code == 2);
    CHECK(none.out.empty());
    CHECK(none.err.find("missing command") != std::string::npos);

    require_input_error(cli_both({"frobnicate"}), "unknown command 'frobnicate'");

    const cli_result help = cli_both({"--help"});
    CHECK(help.code == 0);
    for (const char* cmd : {"runs", "summary", "export", "compare", "check", "delete", "gc",
                            "confusion", "table", "histogram"})
      CHECK(help.out.find(std::string("\n  ") + cmd + " ") != std::string::npos);

    const cli_result cmd_help = cli_both({"check", "--help"});
    CHECK(cmd_help.code == 0);
    CHECK(cmd_help.out.rfind("usage: tracker check RUN EXPR...", 0) == 0);
    CHECK(cli_both({"help", "export"}).out == cli_both({"export", "--help"}).out);

    require_input_error(cli_both(f.with_store({"runs", "--format"})), "needs a value");
  }
  SECTION("--store may come before the command") {
    const cli_result r = cli_both({"--store", f.store, "summary", "latest", "--format", "json"});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out)["run"]["id"] == f.candidate_id);
  }
  SECTION("the default store is $TRACKER_DIR") {
    ::unsetenv("TRACKER_DIR");  // so the child's environment has exactly one TRACKER_DIR
    const cli_result r = cli_binary({"runs", "--format", "json"}, {"TRACKER_DIR=" + f.store});
    REQUIRE(r.code == 0);
    CHECK(json::parse(r.out)["runs"].size() == 3);
    const cli_result missing = cli_binary({"runs"}, {"TRACKER_DIR=" + f.dir.path() + "/nothing"});
    CHECK(missing.code == 2);
    CHECK(missing.err.find("/nothing") != std::string::npos);
  }
}

TEST_CASE("cli delete and gc: hide at once, purge rows and media later", "[cli]") {
  fixture f;
  // A media file for the candidate, so gc has files to remove.
  {
    tracker::options o = f.opts("fashion", "candidate");
    o.id = f.candidate_id;
    o.resume = tracker::resume_mode::must;
    tracker::run r = tracker::init(o);
    CHECK(!r.log_media("sample.png", {0x89, 'P', 'N', 'G'}).empty());
    r.finish();
  }
  const fs::path media = fs::path(f.store) / "media" / f.candidate_id;
  REQUIRE(fs::exists(media / "sample.png"));

  // Through the binary...
  const cli_result del = cli_binary(f.with_store({"delete", "candidate"}));
  CHECK(del.code == 0);
  CHECK(del.out.find(f.candidate_id) != std::string::npos);
  // ...then hidden from every read path.
  const cli_result runs = cli_both(f.with_store({"runs", "--format", "json"}));
  CHECK(ids_of(json::parse(runs.out)["runs"]) == std::set<std::string>{f.baseline_id, f.crashy_id});
  require_input_error(cli_both(f.with_store({"summary", "candidate"})), "candidate");
  CHECK(json::parse(
            cli_both(f.with_store({"summary", "latest", "--format", "json"})).out)["run"]["id"] ==
        f.baseline_id);
  CHECK(fs::exists(media));  // data stays until gc

  // In-process delete of a second run, then gc in-process (purges both) and via the binary.
  CHECK(cli_in_process(f.with_store({"delete", f.crashy_id})).code == 0);
  const cli_result gc1 = cli_in_process(f.with_store({"gc"}));
  CHECK(gc1.code == 0);
  CHECK(gc1.out == "purged 2 deleted runs\n");
  CHECK_FALSE(fs::exists(media));
  const cli_result gc2 = cli_binary(f.with_store({"gc"}));
  CHECK(gc2.code == 0);
  CHECK(gc2.out == "purged 0 deleted runs\n");

  // The surviving run is untouched.
  const cli_result s = cli_both(f.with_store({"summary", "baseline", "--format", "json"}));
  REQUIRE(s.code == 0);
  CHECK(json::parse(s.out)["metrics"]["train/loss"]["count"] == 10);
  require_input_error(cli_both(f.with_store({"gc", "extra"})), "extra");
}

TEST_CASE("cli delete and gc migrate a store of an older schema instead of refusing it", "[cli][migration]") {
  fixture f;
  // What a schema-3 tracker left: one row per point, user_version 3.
  tracker_test::downgrade_points_layout(f.store);
  tracker_test::exec_sql(tracker_test::store_db(f.store), "PRAGMA user_version = 3");
  // Reading commands refuse it and say how to upgrade (they never write)...
  const cli_result runs = cli_in_process(f.with_store({"runs"}));
  CHECK(runs.code == 2);
  CHECK(runs.err.find("older than this tracker") != std::string::npos);
  // ...a command that writes migrates it first, then does its work.
  const cli_result del = cli_binary(f.with_store({"delete", "candidate"}));
  CHECK(del.code == 0);
  CHECK(del.err.empty());
  CHECK(tracker_test::query_int(tracker_test::store_db(f.store), "PRAGMA user_version") >= 5);
  const cli_result gc = cli_in_process(f.with_store({"gc"}));
  CHECK(gc.code == 0);
  CHECK(gc.out == "purged 1 deleted run\n");
  const cli_result s = cli_both(f.with_store({"summary", "baseline", "--format", "json"}));
  REQUIRE(s.code == 0);
  CHECK(json::parse(s.out)["metrics"]["train/loss"]["count"] == 10);
}
