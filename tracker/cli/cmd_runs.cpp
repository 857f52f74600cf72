// cmd_runs.cpp — `tracker runs`: list the runs of a store, newest first.
#include "command.hpp"
#include "format.hpp"

namespace tracker::cli {

namespace {

const command_spec spec{
    .name = "runs",
    .synopsis = "[--project P] [--status S] [--tag T]... [--where COND]... [--format table|json]",
    .description =
        "Lists runs, newest first. --tag and --where repeat and must all hold.\n"
        "S: running|finished|failed|killed|crashed. COND: 'config.lr=0.001',\n"
        "'val/acc>=0.85', 'train/loss.min<0.3' (fields last|min|max|best|count).",
    .value_options = {"--project", "--status", "--tag", "--where"},
    .formats = {"table", "json"},
    .max_positional = 0,
};

run_filter filter_from(const parsed_args& p) {
  run_filter f;
  f.project = p.value("--project");
  if (auto s = p.value("--status")) {
    f.status = parse_run_status(*s);
    if (!f.status)
      throw bad_usage("unknown status '" + *s +
                      "' (expected running, finished, failed, killed or crashed)");
  }
  f.tags = p.values("--tag");
  for (const std::string& text : p.values("--where")) f.where.push_back(parse_condition(text));
  return f;
}

std::string joined_tags(const run_info& r) {
  std::string out;
  for (const std::string& t : r.tags) {
    if (!out.empty()) out += ',';
    out += t;
  }
  return out;
}

}  // namespace

int cmd_runs(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const run_filter filter = filter_from(p);  // bad filters fail before the store is opened
    const reader store = open_store(p);
    const std::vector<run_info> runs = store.runs(filter);

    if (p.format == "json") {
      ojson doc = json_document();
      doc["store"] = store.store_dir();
      doc["runs"] = ojson::array();
      for (const run_info& r : runs) {
        ojson j = run_json(r);
        j["config"] = run_config(r);
        doc["runs"].push_back(std::move(j));
      }
      write_json(ctx.out, doc);
      return exit_code::ok;
    }

    if (runs.empty()) {
      ctx.out << "no runs match in " << store.store_dir() << '\n';
      return exit_code::ok;
    }
    std::vector<row> rows;
    for (const run_info& r : runs)
      rows.push_back({r.id, r.name, r.project, to_string(r.status), utc_time(r.created_at),
                      r.ended_at ? duration_text(*r.ended_at - r.created_at) : "—",
                      joined_tags(r)});
    write_text_table(ctx.out, {"ID", "NAME", "PROJECT", "STATUS", "CREATED", "DURATION", "TAGS"},
                     rows);
    return exit_code::ok;
  });
}

}  // namespace tracker::cli
