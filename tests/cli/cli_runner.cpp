// cli_runner.cpp — see cli_runner.hpp.
#include "cli_runner.hpp"

#include "cli.hpp"

#include <sstream>

namespace tracker_test {

cli_result run_cli_in_process(std::vector<std::string> args) {
  args.insert(args.begin(), "tracker");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);  // as the real argv ends
  std::ostringstream out, err;
  const int code = tracker::cli::run_cli(static_cast<int>(args.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace tracker_test
