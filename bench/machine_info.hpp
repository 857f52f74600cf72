// machine_info.hpp — what the benchmark programs print about the machine they ran on.
#pragma once

#include <fstream>
#include <string>

namespace tracker_bench {

// The value of the first "prefix: value" line of a /proc file (cpuinfo, meminfo, status),
// or fallback when there is none.
inline std::string proc_field(const char* path, const std::string& prefix, const char* fallback = "unknown") {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) {
      auto colon = line.find(':');
      std::string v = colon == std::string::npos ? line : line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return fallback;
}

}  // namespace tracker_bench
