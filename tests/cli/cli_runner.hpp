// cli_runner.hpp — runs the `tracker` CLI inside the test process (tracker::cli::run_cli), with
// stdout and stderr captured, for tests that check a command's output and exit code.
#pragma once

#include <string>
#include <vector>

namespace tracker_test {

struct cli_result {
  int code = -1;
  std::string out;
  std::string err;
};

// `tracker args...`; args do not include the program name.
cli_result run_cli_in_process(std::vector<std::string> args);

}  // namespace tracker_test
