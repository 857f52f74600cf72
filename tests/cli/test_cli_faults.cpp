// The CLI and the store under bad input: the exit-2 contract (nothing on stdout, one line on
// stderr), typos that must not read as failed gates, foreign and damaged databases, a store
// the user can read but not write.
#include <catch2/catch.hpp>

#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include "test_support.hpp"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

using tracker_test::exec_sql;
using tracker_test::temp_dir;
namespace fs = std::filesystem;

namespace {

tracker_test::process_result cli(const std::vector<std::string>& args) {
  auto r = tracker_test::run_process(TRACKER_CLI_PATH, args);
  REQUIRE(r.signal == 0);
  return r;
}

// Exit 2, nothing on stdout, exactly one line on stderr.
void check_usage_error(const tracker_test::process_result& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

std::string make_store(const temp_dir& dir, int points = 2000) {
  tracker::options o;
  o.store = dir.store();
  o.capture_git = false;
  o.name = "gate-run";
  auto run = tracker::init(o);
  for (int s = 0; s < points; ++s) run.log({{"val/accuracy", 0.9}, {"train/loss", 1.0 / (s + 1)}}, s);
  run.finish();
  return run.id();
}

}  // namespace

TEST_CASE("check: a condition without a key or with a non-decimal threshold is a usage error, not a failed gate", "[cli][faults]") {
  temp_dir dir;
  make_store(dir);
  for (const char* bad : {".min>0", ".best>=1", "val/accuracy>=nan", "val/accuracy>=inf", "val/accuracy>=0x10",
                          "val/accuracy>=-inf", "val/accuracy>=1.5x"})
    check_usage_error(cli({"check", "latest", bad, "--store", dir.store()}));
  auto ok = cli({"check", "latest", "val/accuracy>=0.85", "train/loss.min<1e-2", "--store", dir.store()});
  CHECK(ok.exit_code == 0);
  CHECK(cli({"check", "latest", "val/accuracy>=0.95", "--store", dir.store()}).exit_code == 1);
}

TEST_CASE("a RUN or condition with a newline gets a one-line message", "[cli][faults]") {
  temp_dir dir;
  make_store(dir);
  check_usage_error(cli({"summary", "no\nsuch\nrun", "--store", dir.store()}));
  check_usage_error(cli({"check", "latest", "val/acc\nuracy>=0.5", "--store", dir.store()}));
}

TEST_CASE("export of a damaged database exits 2 with nothing on stdout, not half a CSV", "[cli][faults]") {
  temp_dir dir;
  std::string id = make_store(dir, 50'000);
  // Damage the points table's pages but keep the header and schema readable: overwrite the
  // second half of the file.
  std::string db = dir.store() + "/tracker.db";
  auto size = fs::file_size(db);
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    std::string junk(size / 2, '\x5a');
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  auto r = cli({"export", id, "--store", dir.store(), "--format", "csv"});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
}

TEST_CASE("export: a repeated --key exports its points once", "[cli][faults]") {
  temp_dir dir;
  make_store(dir, 10);
  auto once = cli({"export", "latest", "--key", "train/loss", "--store", dir.store()});
  auto twice = cli({"export", "latest", "--key", "train/loss", "--key", "train/loss", "--store", dir.store()});
  REQUIRE(once.exit_code == 0);
  CHECK(twice.exit_code == 0);
  CHECK(twice.out == once.out);
}

TEST_CASE("init() on another application's SQLite file refuses before changing anything", "[cli][faults][store]") {
  temp_dir dir;
  fs::create_directories(dir.store());
  std::string db = dir.store() + "/tracker.db";
  exec_sql(db, "CREATE TABLE precious(x); INSERT INTO precious VALUES(42)");  // rollback journal mode
  auto before = fs::file_size(db);
  tracker::options o;
  o.store = dir.store();
  CHECK_THROWS_MATCHES(tracker::init(o), tracker::error, Catch::Predicate<tracker::error>([](const tracker::error& e) {
                         return e.code() == tracker::error_code::store_corrupt &&
                                std::string(e.what()).find("another application") != std::string::npos;
                       }));
  CHECK_FALSE(fs::exists(dir.store() + "/media"));
  CHECK_FALSE(fs::exists(db + "-wal"));
  CHECK(fs::file_size(db) == before);
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, nullptr);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "delete");  // not WAL
  sqlite3_finalize(st);
  sqlite3_close(h);
  // The CLI names it for what it is, not "schema version 0 ... open it for writing".
  auto r = cli({"runs", "--store", dir.store()});
  check_usage_error(r);
  CHECK(r.err.find("another application") != std::string::npos);
  CHECK(r.err.find("schema version 0") == std::string::npos);
}

TEST_CASE("a store the user can read but not write is readable by the CLI (no -wal/-shm needed)", "[cli][faults][store]") {
  if (::geteuid() != 0 || ::access("/usr/bin/setpriv", X_OK) != 0) {
    WARN("needs root and setpriv to run the CLI as an unprivileged user; skipped");
    return;
  }
  temp_dir dir;
  std::string id = make_store(dir, 100);
  REQUIRE_FALSE(fs::exists(dir.store() + "/tracker.db-wal"));  // the writer closed cleanly
  // Let the unprivileged user reach the store but not write anything there.
  ::chmod(dir.path().c_str(), 0755);
  ::chmod(dir.store().c_str(), 0755);
  ::chmod((dir.store() + "/tracker.db").c_str(), 0644);
  auto r = tracker_test::run_process("/usr/bin/setpriv", {"--reuid=65534", "--regid=65534", "--clear-groups",
                                                          TRACKER_CLI_PATH, "summary", id, "--store", dir.store(),
                                                          "--format", "json"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("val/accuracy") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.store() + "/tracker.db-shm"));

  // A directory it cannot read at all is called that, not "no tracker store".
  ::chmod(dir.store().c_str(), 0700);
  auto denied = tracker_test::run_process("/usr/bin/setpriv", {"--reuid=65534", "--regid=65534", "--clear-groups",
                                                               TRACKER_CLI_PATH, "runs", "--store", dir.store()});
  CHECK(denied.exit_code == 2);
  CHECK(denied.err.find("ermission denied") != std::string::npos);
  CHECK(denied.err.find("no tracker store") == std::string::npos);
}
