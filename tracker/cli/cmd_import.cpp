// cmd_import.cpp — `tracker import FILE --kind K --model RUN`: production records, feedback or a
// gradio flag log from a file into the store (mappings: import_rows.hpp, docs/cli.md).
//
// All or nothing: the whole file is read and checked before anything is written, and the
// records go in one transaction. A bad line is exit 2 naming its line and column, and nothing
// is stored. With --skip-bad the bad lines are listed on stderr and the rest is stored.
// Records and feedback are two writes (two transactions); both are checked first, and ids make
// a repeated import store nothing twice, so an I/O failure between them is fixed by re-running.
#include "command.hpp"
#include "csv.hpp"
#include "import_rows.hpp"

#include <tracker/production.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tracker::cli {

namespace {

namespace prod = tracker::production;
namespace fs = std::filesystem;

const command_spec spec{
    .name = "import",
    .synopsis =
        "FILE --kind predictions|feedback|reference|flags --model RUN [--format jsonl|csv] "
        "[--skip-bad] "
        "[--output-column NAME]",
    .description =
        "Stores production data of model run RUN from a file. --format defaults to csv for a\n"
        "*.csv FILE, else jsonl.\n"
        "jsonl   one record per line in the HTTP API's shape (docs/http.md)\n"
        "csv     a header row; columns id, timestamp, prediction, probabilities, confidence,\n"
        "        latency_ms, label, image (a PNG path), tag.NAME; all others are features\n"
        "flags   a gradio flag log (CSV): input columns (image paths relative to FILE's\n"
        "        directory), the output (--output-column, default 'output', else the last\n"
        "        column but flag, username, timestamp), flag, username, timestamp; each row\n"
        "        becomes a prediction record plus its flag\n"
        "A bad line is an error naming its line and column, and nothing is stored; with\n"
        "--skip-bad the bad lines are listed on stderr and the others stored. Ids already stored\n"
        "are skipped, so importing a file twice stores it once.",
    .value_options = {"--kind", "--model", "--format", "--output-column"},
    .flag_options = {"--skip-bad"},
    .min_positional = 1,
    .max_positional = 1,
};

import_kind parse_kind(const std::optional<std::string>& k) {
  if (!k) throw bad_usage("--kind predictions|feedback|reference|flags is required");
  if (*k == "predictions") return import_kind::predictions;
  if (*k == "feedback") return import_kind::feedback;
  if (*k == "reference") return import_kind::reference;
  if (*k == "flags") return import_kind::flags;
  throw bad_usage("--kind must be predictions, feedback, reference or flags, not '" + *k + "'");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw tracker::error(error_code::io_error, "cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int cmd_import(const args& a, context& ctx) {
  return run_command(spec, a, ctx, [&](const parsed_args& p) {
    const std::string& file = p.positional[0];
    const import_kind kind = parse_kind(p.value("--kind"));
    const std::optional<std::string> model_ref = p.value("--model");
    if (!model_ref) throw bad_usage("--model RUN is required");
    std::string format =
        p.value("--format").value_or(fs::path(file).extension() == ".csv" ? "csv" : "jsonl");
    if (format != "jsonl" && format != "csv")
      throw bad_usage("--format must be jsonl or csv, not '" + format + "'");
    if (kind == import_kind::flags && format != "csv")
      throw bad_usage("--kind flags reads a CSV flag log (--format csv)");
    if (p.value("--output-column") && kind != import_kind::flags)
      throw bad_usage("--output-column is for --kind flags");
    const bool skip_bad = p.flag("--skip-bad");

    const std::string text = read_file(file);
    // The store must already hold the model's run, so opening it read-write creates nothing.
    open_store_for_writing(p);
    prod::store store = prod::store::open(p.store);
    const prod::model_info model = store.model(*model_ref);

    import_source src{.kind = kind,
                      .model = &model,
                      .base_dir = fs::path(file).parent_path(),
                      .output_column = p.value("--output-column").value_or("")};
    import_batch batch;
    try {
      batch = format == "jsonl" ? read_jsonl(text, src) : read_csv_rows(parse_csv(text), src);
    } catch (const csv_error& e) {  // the file's structure: nothing to skip, nothing stored
      throw tracker::error(error_code::invalid_argument, file + ": " + e.what());
    }
    if (!batch.bad.empty() && !skip_bad) {
      const std::size_t more = batch.bad.size() - 1;
      throw tracker::error(
          error_code::invalid_argument,
          file + ": " + batch.bad.front().text() + "; nothing stored" +
              (more ? " (" + std::to_string(more) + " more bad line" + (more > 1 ? "s" : "") +
                          "; --skip-bad stores the good ones)"
                    : std::string()));
    }
    for (const bad_line& b : batch.bad)
      ctx.err << "tracker: " << file << ": skipped " << b.text() << '\n';

    std::vector<prod::record> records;
    std::vector<prod::feedback> feedback;
    std::vector<std::size_t> record_lines;
    for (import_item& item : batch.items) {
      if (item.record) {
        records.push_back(std::move(*item.record));
        record_lines.push_back(item.line);
      }
      for (prod::feedback& f : item.feedback) feedback.push_back(std::move(f));
    }
    prod::write_result wrote, fed;
    if (!records.empty()) {
      try {
        wrote = store.write(model,
                            kind == import_kind::reference ? prod::record_kind::reference
                                                           : prod::record_kind::prediction,
                            std::move(records));
      } catch (const prod::record_error& e) {  // checked above already; kept for the line number
        throw tracker::error(error_code::invalid_argument,
                             file + ": line " + std::to_string(record_lines.at(e.index())) + ": " +
                                 e.field() + ": " + e.reason() + "; nothing stored");
      }
    }
    if (!feedback.empty()) fed = store.write_feedback(std::move(feedback), &model);

    ctx.out << "imported " << wrote.accepted << " record" << (wrote.accepted == 1 ? "" : "s");
    if (wrote.duplicates) ctx.out << " (" << wrote.duplicates << " already stored)";
    ctx.out << " and " << fed.accepted << " feedback";
    if (fed.duplicates) ctx.out << " (" << fed.duplicates << " already stored)";
    ctx.out << " for " << model.run_name << " (" << model.run_id << ") from " << file;
    if (!batch.bad.empty())
      ctx.out << "; skipped " << batch.bad.size() << " bad line"
              << (batch.bad.size() == 1 ? "" : "s");
    ctx.out << '\n';
    return exit_code::ok;
  });
}

}  // namespace tracker::cli
