// system_info.hpp — facts about this process and its surroundings, recorded with each run.
#pragma once

#include <cstdint>
#include <string>

namespace tracker::detail {

double now_seconds() noexcept;  // wall clock, unix seconds
std::string host_name();
std::int64_t process_id() noexcept;
// Start time of a process in clock ticks since boot (/proc/PID/stat field 22); 0 if unknown.
// With the pid it identifies a process even after the pid is reused.
std::int64_t process_start_ticks(std::int64_t pid) noexcept;
// True if the process (pid, start ticks) still runs on this host. start 0 = don't check.
bool process_alive(std::int64_t pid, std::int64_t start_ticks) noexcept;

// Which other processes hold POSIX locks on the SQLite file at db_path or its -shm file
// ("process 1234 (train)", from /proc/locks); "" when none is known.
std::string describe_lock_holders(const std::string& db_path);

struct git_state {
  std::string commit;  // 40 hex digits, empty outside a checkout
  std::string branch;  // empty when detached
};
// Reads .git of the working directory (or a parent) directly: no subprocess.
git_state read_git_state();

std::string random_run_id();                                 // 8 characters [a-z0-9]
std::string readable_run_name(std::int64_t sequence_number);  // "brisk-otter-3"

}  // namespace tracker::detail
