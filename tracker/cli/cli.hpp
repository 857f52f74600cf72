// cli.hpp — the `tracker` command-line tool: one function per command, one dispatch table.
//
// Each command gets its arguments (after the command name) and two streams, and returns the
// process exit code: 0 ok, 1 a check or gate failed, 2 usage or input error (one-line reason
// on err). Commands never call exit(), so tests can run them in-process as well as through
// the real binary.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace tracker::cli {

enum exit_code : int { ok = 0, check_failed = 1, usage_error = 2 };

struct context {
  std::ostream& out;
  std::ostream& err;
};

using args = std::vector<std::string>;

// Core commands (issue 2).
int cmd_runs(const args& a, context& ctx);
int cmd_summary(const args& a, context& ctx);
int cmd_export(const args& a, context& ctx);
int cmd_compare(const args& a, context& ctx);
int cmd_check(const args& a, context& ctx);
int cmd_delete(const args& a, context& ctx);
int cmd_gc(const args& a, context& ctx);

// Stored-object commands (issue 3): confusion matrices, tables, histograms.
int cmd_confusion(const args& a, context& ctx);
int cmd_table(const args& a, context& ctx);
int cmd_histogram(const args& a, context& ctx);

// Production monitoring (issue 10): drift of a model's production data against its reference,
// and importing production records, feedback and flag logs from files.
int cmd_drift(const args& a, context& ctx);
int cmd_import(const args& a, context& ctx);

// Production monitoring (issue 10): the HTTP ingest server (tracker/server/, docs/http.md).
int cmd_serve(const args& a, context& ctx);

// Dispatches argv[1] to a command; prints usage for no/unknown command (exit 2) or --help.
int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace tracker::cli
