#include "test_support.hpp"

#include <tracker/production.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tracker_test {
namespace fs = std::filesystem;

void exec_sql(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  std::string text = msg ? msg : "";
  sqlite3_free(msg);
  sqlite3_close(db);
  INFO(text);
  REQUIRE(rc == SQLITE_OK);
}

std::string make_model_run(const std::string& store_dir, const std::string& name,
                           const std::vector<std::string>& classes) {
  tracker::options o;
  o.store = store_dir;
  o.name = name;
  o.capture_git = false;
  o.handle_signals = false;
  std::string id;
  {
    tracker::run r = tracker::init(o);
    id = r.id();
    r.finish();
  }
  tracker::production::store::open(store_dir).set_classes(id, classes);
  return id;
}

std::int64_t query_int(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
  std::string text = rc == SQLITE_OK ? "" : sqlite3_errmsg(db);
  const bool row = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
  const std::int64_t v = row ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  sqlite3_close(db);
  INFO(sql << ": " << text);
  REQUIRE(row);
  return v;
}

captured_errors::captured_errors() {
  tracker::set_error_handler([this](const std::string& m) {
    std::lock_guard lock(mu_);
    messages_.push_back(m);
  });
}
captured_errors::~captured_errors() { tracker::set_error_handler(nullptr); }
bool captured_errors::any_contains(const std::string& text) {
  std::lock_guard lock(mu_);
  for (auto& m : messages_)
    if (m.find(text) != std::string::npos) return true;
  return false;
}
bool captured_errors::eventually_contains(const std::string& text, std::chrono::milliseconds within) {
  for (auto t0 = std::chrono::steady_clock::now(); std::chrono::steady_clock::now() - t0 < within;
       std::this_thread::sleep_for(std::chrono::milliseconds(10)))
    if (any_contains(text)) return true;
  return any_contains(text);
}

temp_dir::temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "tracker-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {

std::vector<char*> make_argv(const std::string& program, const std::vector<std::string>& args,
                             std::vector<std::string>& storage) {
  storage.clear();
  storage.push_back(program);
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  return argv;
}

std::vector<char*> make_env(const std::vector<std::string>& extra, std::vector<std::string>& storage) {
  // extra first: getenv() returns the first match, so the test's variables win.
  storage.assign(extra.begin(), extra.end());
  for (char** e = environ; *e; ++e) storage.emplace_back(*e);
  std::vector<char*> env;
  for (auto& s : storage) env.push_back(s.data());
  env.push_back(nullptr);
  return env;
}

void decode_status(int status, process_result& r) {
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) {
    r.exit_code = -1;
    r.signal = WTERMSIG(status);
  }
}

}  // namespace

process_result run_process(const std::string& program, const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  posix_spawn_file_actions_addclose(&actions, err_pipe[0]);
  std::vector<std::string> arg_storage, env_storage;
  auto argv = make_argv(program, args, arg_storage);
  auto env = make_env(extra_env, env_storage);
  pid_t pid;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }
  process_result r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[4096];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  decode_status(status, r);
  return r;
}

child_process::child_process(const std::string& program, const std::vector<std::string>& args) {
  int out_pipe[2];
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_addclose(&actions, out_pipe[0]);
  std::vector<std::string> arg_storage, env_storage;
  auto argv = make_argv(program, args, arg_storage);
  auto env = make_env({}, env_storage);
  pid_t pid;
  int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }
  pid_ = pid;
  out_fd_ = out_pipe[0];
}

child_process::~child_process() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
}

bool child_process::read_line(std::string& line, int timeout_ms) {
  for (;;) {
    auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    pollfd fd{out_fd_, POLLIN, 0};
    if (poll(&fd, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) return false;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

void child_process::send_signal(int sig) { kill(pid_, sig); }

process_result child_process::wait() {
  process_result r;
  char buf[4096];
  ssize_t n;
  while ((n = read(out_fd_, buf, sizeof buf)) > 0) buffer_.append(buf, static_cast<std::size_t>(n));
  r.out = buffer_;
  int status = 0;
  waitpid(pid_, &status, 0);
  reaped_ = true;
  decode_status(status, r);
  return r;
}

}  // namespace tracker_test
