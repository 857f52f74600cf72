// command.hpp — plumbing every `tracker` command shares: option parsing, --help, opening the
// store, and turning errors into exit code 2 with a one-line reason.
//
// A command is written as a spec plus a body:
//
//   const command_spec spec{.name = "summary", .synopsis = "RUN [--format markdown|json]",
//                           .formats = {"markdown", "json"}, .min_positional = 1,
//                           .max_positional = 1};
//   int cmd_summary(const args& a, context& ctx) {
//     return run_command(spec, a, ctx, [&](const parsed_args& p) {
//       tracker::reader store = open_store(p);
//       ...
//       return exit_code::ok;
//     });
//   }
//
// run_command() parses (throwing bad_usage on anything unexpected), answers --help, runs the
// body, and maps bad_usage / tracker::error / other exceptions to exit 2 with
// "tracker: <reason>" on ctx.err. Bodies therefore just throw; they never print errors.
#pragma once

#include "cli.hpp"

#include <tracker/query.hpp>

#include <cstddef>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::cli {

// A usage error found while parsing (bad flag, missing argument, bad value): exit 2, and the
// message is followed by the command's usage line. Input errors found later (no such metric)
// throw tracker::error(error_code::invalid_argument, ...) instead: same exit code, no usage.
class bad_usage : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a command accepts. Every command also accepts --store DIR and --help / -h.
struct command_spec {
  std::string_view name;      // "summary"
  std::string_view synopsis;  // "RUN [--format markdown|json]" (printed after "tracker <name> ")
  std::string_view description = {};  // a few lines for `tracker <name> --help`
  // Options that take a value ("--key", "--tag"); each may repeat.
  std::vector<std::string_view> value_options = {};
  // Options without a value ("--most-confused").
  std::vector<std::string_view> flag_options = {};
  // Allowed --format values, the first being the default; empty: the command has no --format.
  std::vector<std::string_view> formats = {};
  std::size_t min_positional = 0;
  std::size_t max_positional = std::numeric_limits<std::size_t>::max();
};

struct parsed_args {
  std::string store;                    // --store, else tracker::default_store_dir()
  std::string format;                   // --format, else spec.formats[0] (empty if none)
  std::vector<std::string> positional;  // in order
  bool help = false;

  // The last value given for a value option, if any ("--key a --key b" -> "b").
  std::optional<std::string> value(std::string_view option) const;
  // Every value given for a repeatable option, in order.
  const std::vector<std::string>& values(std::string_view option) const;
  bool flag(std::string_view option) const;

  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::set<std::string, std::less<>> flags_;
};

// Parses a command's arguments: "--opt value", "--opt=value", flags, positionals, and "--"
// (everything after it is positional, e.g. a gate on a metric named "-x"). Throws bad_usage.
parsed_args parse_args(const command_spec& spec, const args& a);

// "usage: tracker <name> <synopsis>"
std::string usage_line(const command_spec& spec);

// Parses, answers --help on ctx.out, runs body, and maps every exception to exit 2 with one
// line on ctx.err: "tracker: <message>" (usage errors add the command's usage line).
int run_command(const command_spec& spec, const args& a, context& ctx,
                const std::function<int(const parsed_args&)>& body);

// Opens the store named by --store read-only. A missing or unreadable store throws
// tracker::error (store_open_failed / schema_too_new) with the directory in the message.
tracker::reader open_store(const parsed_args& p);
// The same for a command that writes: a store of an older schema is first migrated in place
// (a reader alone refuses it), so `tracker gc`, `delete` and `import` work on it.
tracker::reader open_store_for_writing(const parsed_args& p);

}  // namespace tracker::cli
