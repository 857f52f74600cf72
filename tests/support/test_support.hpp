// test_support.hpp — shared helpers for the test suite: temp-directory stores and child
// processes (the CLI binary, the test logger) with their output and exit status.
#pragma once

#include <tracker/tracker.hpp>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace tracker_test {

// Runs SQL straight on a database file (to lock, damage or fake a store), failing the test on
// an SQLite error. store_db(dir) is the database of a store directory.
void exec_sql(const std::string& db_path, const std::string& sql);
// The first column of the first row of sql as an integer ("PRAGMA user_version", a count).
std::int64_t query_int(const std::string& db_path, const std::string& sql);
inline std::string store_db(const std::string& store_dir) { return store_dir + "/tracker.db"; }

// A finished training run called `name` in store_dir with `classes` recorded as the classes its
// model predicts: the model that production tests send records for. Returns the run's id.
std::string make_model_run(const std::string& store_dir, const std::string& name,
                           const std::vector<std::string>& classes);

// Collects the messages sent to tracker's error handler while it lives.
class captured_errors {
 public:
  captured_errors();
  ~captured_errors();
  bool any_contains(const std::string& text);
  // The writer reports some problems (drops, refusals) at most once a second: wait for it.
  bool eventually_contains(const std::string& text, std::chrono::milliseconds within = std::chrono::seconds(3));

 private:
  std::mutex mu_;
  std::vector<std::string> messages_;
};

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }
  std::string store() const { return path_ + "/store"; }  // a store directory inside it

 private:
  std::string path_;
};

// Options for a run in dir's store that touch nothing outside it: no git probe, no signal
// handlers installed in the test process.
inline tracker::options quiet(const temp_dir& dir) {
  tracker::options o;
  o.store = dir.store();
  o.capture_git = false;
  o.handle_signals = false;
  return o;
}

struct process_result {
  int exit_code = -1;    // exit status, or -1 if killed by a signal
  int signal = 0;        // the signal that ended it, if any
  std::string out;       // stdout
  std::string err;       // stderr
};

// Runs a program to completion with the given arguments (no shell), capturing both streams.
process_result run_process(const std::string& program, const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env = {});

// A child process whose stdout is read line by line while it runs (for kill tests).
class child_process {
 public:
  child_process(const std::string& program, const std::vector<std::string>& args);
  ~child_process();  // kills (SIGKILL) and reaps if still running
  // Next stdout line, or false at EOF / after timeout_ms.
  bool read_line(std::string& line, int timeout_ms);
  void send_signal(int sig);
  process_result wait();  // reaps; out holds what was not yet read
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
};

}  // namespace tracker_test
