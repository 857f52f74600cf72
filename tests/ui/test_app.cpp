// test_app.cpp — tracker-ui as a user starts it, where no display is needed: usage errors and
// bad stores exit 2 with a message in screenshot mode, before any window is opened.
#include "fixture.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <test_support.hpp>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using tracker_test::run_process;

namespace {

tracker_test::process_result screenshot_of(const std::string& store, const std::string& png) {
  return run_process(TRACKER_UI_PATH, {"--store", store, "--screenshot", png, "--view", "runs"});
}

}  // namespace

TEST_CASE("tracker-ui: usage errors exit 2 with the message and the usage") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--view", "bogus"},
                                               {"--screenshot", "x.png"},
                                               {"--smoothing", "2"},
                                               {"--frobnicate"},
                                               {"--x", "epochs"},
                                               {"--width"}}) {
    auto r = run_process(TRACKER_UI_PATH, args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("tracker-ui: ") == 0);
    CHECK(r.err.find("usage: tracker-ui") != std::string::npos);
  }
  auto help = run_process(TRACKER_UI_PATH, {"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--view runs|charts") != std::string::npos);
}

TEST_CASE(
    "tracker-ui: a missing, empty, newer or damaged store exits 2 in screenshot mode, never "
    "crashes") {
  tracker_test::temp_dir dir;
  const std::string png = dir.path() + "/out.png";

  auto missing = screenshot_of(dir.path() + "/missing", png);
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("does not exist") != std::string::npos);

  fs::create_directories(dir.path() + "/empty");
  auto empty = screenshot_of(dir.path() + "/empty", png);
  CHECK(empty.exit_code == 2);
  CHECK(empty.err.find("empty") != std::string::npos);
  CHECK(fs::is_empty(dir.path() + "/empty"));  // it never writes to the store

  tracker_ui_test::make_fixture_store(dir.path() + "/newer");
  {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open((dir.path() + "/newer/tracker.db").c_str(), &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, "PRAGMA user_version=999", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(h);
  }
  auto newer = screenshot_of(dir.path() + "/newer", png);
  CHECK(newer.exit_code == 2);
  CHECK(newer.err.find("newer") != std::string::npos);

  fs::create_directories(dir.path() + "/corrupt");
  {
    std::ofstream f(dir.path() + "/corrupt/tracker.db", std::ios::binary);
    for (int i = 0; i < 1024; ++i) f << "garbage\x01\x02\x03";
  }
  auto corrupt = screenshot_of(dir.path() + "/corrupt", png);
  CHECK(corrupt.exit_code == 2);
  CHECK(corrupt.err.find("tracker-ui: ") == 0);
  CHECK(corrupt.signal == 0);

  CHECK_FALSE(fs::exists(png));  // nothing was rendered for any of them
}

TEST_CASE("tracker-ui: without a display the interactive mode says how to get a screenshot") {
  tracker_test::temp_dir dir;
  tracker_ui_test::make_fixture_store(dir.store());
  auto r = run_process("/usr/bin/env", {"-u", "DISPLAY", "-u", "WAYLAND_DISPLAY", TRACKER_UI_PATH,
                                        "--store", dir.store()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("xvfb-run") != std::string::npos);
}
