// cli.cpp — the dispatch table and the global usage of the `tracker` tool.
//
// Each command parses its own arguments (command.hpp); this file only picks the command, lets
// `--store DIR` also come before the command name, and answers `--help` / `help [command]`.
#include "cli.hpp"

#include <string_view>

namespace tracker::cli {

namespace {

struct command_entry {
  std::string_view name;
  int (*fn)(const args&, context&);
  std::string_view summary;  // one line for `tracker --help`; details: `tracker <name> --help`
};

constexpr command_entry commands[] = {
    {"runs", cmd_runs, "list runs, newest first (filter by project, status, tag, condition)"},
    {"summary", cmd_summary, "a run's attributes, config and per-metric last/min/max/best"},
    {"export", cmd_export, "every raw point of a run's metrics as CSV or JSON Lines"},
    {"compare", cmd_compare, "two runs side by side: config differences, metric deltas (B - A)"},
    {"check", cmd_check, "CI gates such as 'val/acc>=0.85'; exit 1 if any fails"},
    {"delete", cmd_delete, "mark a run deleted (hidden at once; `gc` removes its data)"},
    {"gc", cmd_gc, "remove deleted runs' rows and media files"},
    {"confusion", cmd_confusion, "a logged confusion matrix, or its most confused pairs"},
    {"table", cmd_table, "a logged table (e.g. misclassified samples) as markdown/JSON/CSV"},
    {"histogram", cmd_histogram, "a logged histogram (bin edges and counts)"},
    {"drift", cmd_drift, "a model's production data against its reference (drift, metrics, flags)"},
    {"import", cmd_import, "production records, feedback or a gradio flag log from JSONL/CSV"},
    {"serve", cmd_serve, "HTTP API: production predictions, reference and feedback in (docs/http.md)"},
};

void print_usage(std::ostream& os) {
  os << "usage: tracker <command> [arguments] [--store DIR] [--format F]\n"
        "\n"
        "Reads a tracker store: summaries and gates for CI, exports, comparisons.\n"
        "\n"
        "commands:\n";
  for (const command_entry& c : commands) {
    os << "  " << c.name;
    for (std::size_t pad = c.name.size(); pad < 11; ++pad) os << ' ';
    os << c.summary << '\n';
  }
  os << "\n"
        "RUN is a run id, a run name when unique, or 'latest'.\n"
        "--store DIR  the store directory (default: $TRACKER_DIR, else ./tracker-store)\n"
        "exit codes:  0 ok, 1 a check or gate failed, 2 usage or input error\n"
        "\n"
        "`tracker <command> --help` describes a command; docs/cli.md describes the output.\n";
}

const command_entry* find_command(std::string_view name) {
  for (const command_entry& c : commands)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

int run_cli(int argc, char** argv, std::ostream& out, std::ostream& err) {
  args a(argv + (argc > 0 ? 1 : 0), argv + (argc > 0 ? argc : 0));
  context ctx{out, err};

  // `--store DIR` may come before the command ("tracker --store s runs"): move it after.
  args leading;
  std::size_t i = 0;
  while (i < a.size() && (a[i] == "--store" || a[i].rfind("--store=", 0) == 0)) {
    leading.push_back(a[i]);
    if (a[i] == "--store" && i + 1 < a.size()) leading.push_back(a[++i]);
    ++i;
  }
  a.erase(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(i));

  if (a.empty()) {
    err << "tracker: missing command\n";
    print_usage(err);
    return exit_code::usage_error;
  }
  const std::string name = a.front();
  if (name == "--help" || name == "-h") {
    print_usage(out);
    return exit_code::ok;
  }
  if (name == "help") {  // `tracker help` or `tracker help <command>`
    if (a.size() < 2) {
      print_usage(out);
      return exit_code::ok;
    }
    if (const command_entry* c = find_command(a[1])) return c->fn({"--help"}, ctx);
    err << "tracker: unknown command '" << a[1] << "' (see tracker --help)\n";
    return exit_code::usage_error;
  }
  const command_entry* c = find_command(name);
  if (!c) {
    err << "tracker: unknown command '" << name << "' (see tracker --help)\n";
    return exit_code::usage_error;
  }
  // Leading options go first, so a --store after the command (or after "--") keeps its meaning.
  args rest = leading;
  rest.insert(rest.end(), a.begin() + 1, a.end());
  return c->fn(rest, ctx);
}

}  // namespace tracker::cli
