#include "system_info.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <set>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace tracker::detail {
namespace fs = std::filesystem;

double now_seconds() noexcept {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::int64_t process_id() noexcept { return static_cast<std::int64_t>(getpid()); }

std::int64_t process_start_ticks(std::int64_t pid) noexcept {
  try {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return 0;
    // The command name (field 2) may contain spaces; fields after the last ')' are plain.
    auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    for (int i = 3; i <= 22 && (rest >> field); ++i)
      if (i == 22) return std::stoll(field);
  } catch (...) {
  }
  return 0;
}

bool process_alive(std::int64_t pid, std::int64_t start_ticks) noexcept {
  if (pid <= 0) return false;
  std::int64_t now_start = process_start_ticks(pid);
  if (now_start == 0) return false;  // no such process
  return start_ticks == 0 || now_start == start_ticks;
}

namespace {
std::string read_first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// Finds the git directory of the working directory: ".git" as a directory, or a ".git" file
// pointing elsewhere (worktrees, submodules).
fs::path find_git_dir() {
  std::error_code cwd_error;
  fs::path start = fs::current_path(cwd_error);
  if (cwd_error) return {};
  for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
    fs::path dot_git = dir / ".git";
    std::error_code ec;  // "no such file" is the normal case on the way up: not a reason to stop
    if (fs::is_directory(dot_git, ec)) return dot_git;
    if (fs::is_regular_file(dot_git, ec)) {
      std::string line = read_first_line(dot_git);
      if (line.rfind("gitdir: ", 0) == 0) {
        fs::path target = line.substr(8);
        return target.is_absolute() ? target : dir / target;
      }
    }
    if (dir == dir.root_path()) break;
  }
  return {};
}

std::string resolve_ref(const fs::path& git_dir, const std::string& ref) {
  // Worktrees keep refs in the common dir.
  fs::path common = git_dir;
  std::string common_rel = read_first_line(git_dir / "commondir");
  if (!common_rel.empty()) common = fs::path(common_rel).is_absolute() ? fs::path(common_rel) : git_dir / common_rel;
  for (const fs::path& base : {git_dir, common}) {
    std::string sha = read_first_line(base / ref);
    if (sha.size() >= 40) return sha.substr(0, 40);
  }
  std::ifstream packed(common / "packed-refs");
  std::string line;
  while (std::getline(packed, line))
    if (line.size() > 41 && line.compare(41, std::string::npos, ref) == 0) return line.substr(0, 40);
  return {};
}
}  // namespace

git_state read_git_state() {
  git_state state;
  try {
    fs::path git_dir = find_git_dir();
    if (git_dir.empty()) return state;
    std::string head = read_first_line(git_dir / "HEAD");
    if (head.rfind("ref: ", 0) == 0) {
      std::string ref = head.substr(5);
      if (ref.rfind("refs/heads/", 0) == 0) state.branch = ref.substr(11);
      state.commit = resolve_ref(git_dir, ref);  // empty in a repository without commits
    } else if (head.size() >= 40) {
      state.commit = head.substr(0, 40);
    }
  } catch (...) {
  }
  return state;
}

std::string random_run_id() {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::uniform_int_distribution<int> pick(0, 35);
  std::string id(8, 'a');
  for (auto& c : id) c = alphabet[pick(gen)];
  return id;
}

std::string readable_run_name(std::int64_t sequence_number) {
  static constexpr std::array adjectives = {"brisk", "calm", "eager", "fancy", "gentle", "happy",
                                            "jolly", "keen", "lively", "merry", "nimble", "proud",
                                            "quiet", "rapid", "sunny", "tidy", "vivid", "witty",
                                            "bold", "clever", "daring", "fresh", "grand", "lucid"};
  static constexpr std::array nouns = {"otter", "falcon", "maple", "river", "comet", "badger",
                                       "cedar", "heron", "lynx", "meadow", "orbit", "pebble",
                                       "quartz", "raven", "spruce", "tiger", "violet", "willow",
                                       "aurora", "bison", "coral", "dune", "ember", "fjord"};
  std::random_device rd;
  std::string name = adjectives[rd() % adjectives.size()];
  name += '-';
  name += nouns[rd() % nouns.size()];
  name += '-' + std::to_string(sequence_number);
  return name;
}

std::string describe_lock_holders(const std::string& db_path) {
  std::set<unsigned long long> inodes;
  for (const std::string& p : {db_path, db_path + "-shm"}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) inodes.insert(static_cast<unsigned long long>(st.st_ino));
  }
  std::ifstream locks("/proc/locks");
  std::set<long long> pids;
  std::string line;
  const long long self = static_cast<long long>(::getpid());
  while (std::getline(locks, line)) {
    // "1: POSIX  ADVISORY  WRITE 4242 08:01:1234567 120 120"
    std::istringstream in(line);
    std::string index, kind, mode, rw, device;
    long long pid = 0;
    if (!(in >> index >> kind >> mode >> rw >> pid >> device) || kind != "POSIX") continue;
    auto colon = device.rfind(':');
    if (colon == std::string::npos) continue;
    unsigned long long inode = std::strtoull(device.c_str() + colon + 1, nullptr, 10);
    if (inodes.count(inode) && pid != self && pid > 0) pids.insert(pid);
  }
  std::string out;
  for (long long pid : pids) {
    std::ifstream comm("/proc/" + std::to_string(pid) + "/comm");
    std::string name;
    std::getline(comm, name);
    out += (out.empty() ? "" : ", ") + std::string("process ") + std::to_string(pid) + (name.empty() ? "" : " (" + name + ")");
  }
  return out;
}

}  // namespace tracker::detail
