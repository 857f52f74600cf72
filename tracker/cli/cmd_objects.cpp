// cmd_objects.cpp — `tracker confusion`, `tracker table`, `tracker histogram`: print a stored
// object (tracker/metrics.hpp formats) of a run at a step (default: the latest one).
//
// All three share find_object(): resolve RUN, require --key, parse --step, fetch the object,
// check its kind, parse its body. A missing key or step is an input error (exit 2) whose one
// line says what *is* there, so the next attempt can succeed.
#include "command.hpp"
#include "format.hpp"

#include <tracker/metrics.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <string>
#include <variant>

namespace tracker::cli {

namespace {

namespace metrics = tracker::metrics;

const command_spec confusion_spec{
    .name = "confusion",
    .synopsis = "RUN --key K [--step S] [--most-confused [--min-count N]] [--format markdown|json]",
    .description =
        "Prints a confusion matrix logged under K (e.g. val/confusion) at step S, default the\n"
        "latest: rows = true class, columns = predicted. markdown adds per-class precision,\n"
        "recall, F1 and support. --most-confused lists the off-diagonal (true, predicted, count)\n"
        "pairs instead, largest first (count >= N, default 1).",
    .value_options = {"--key", "--step", "--min-count"},
    .flag_options = {"--most-confused"},
    .formats = {"markdown", "json"},
    .min_positional = 1,
    .max_positional = 1,
};

const command_spec table_spec{
    .name = "table",
    .synopsis = "RUN --key K [--step S] [--format markdown|json|csv]",
    .description =
        "Prints a table logged under K (e.g. val/misclassified) at step S, default the latest.\n"
        "Per-sample predictions (e.g. val/predictions) print as a table with the columns\n"
        "index, true_label, predicted_label, loss.\n"
        "Image cells are store-relative paths (media/<run>/...); JSON also gives the store\n"
        "directory they are relative to. CSV has a header row; missing cells are empty.",
    .value_options = {"--key", "--step"},
    .formats = {"markdown", "json", "csv"},
    .min_positional = 1,
    .max_positional = 1,
};

const command_spec histogram_spec{
    .name = "histogram",
    .synopsis = "RUN --key K [--step S] [--format markdown|json]",
    .description =
        "Prints a histogram logged under K (e.g. weights/conv1) at step S, default the latest:\n"
        "bin edges and counts, the number of finite values, their min and max, and how many\n"
        "NaN/Inf values were left out of the bins.",
    .value_options = {"--key", "--step"},
    .formats = {"markdown", "json"},
    .min_positional = 1,
    .max_positional = 1,
};

std::int64_t parse_int(const std::string& text, std::string_view option) {
  std::int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc{} || ptr != end || text.empty())
    throw bad_usage(std::string(option) + " must be an integer, got '" + text + "'");
  return v;
}

// "0, 1, 2, ..., 9" — the steps (or keys) a user could have meant, kept to one line.
template <class T>
std::string short_list(const std::vector<T>& items) {
  std::string out;
  const std::size_t limit = 12;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i == limit && items.size() > limit + 1) {
      out += ", ... (" + std::to_string(items.size() - limit - 1) + " more), ";
      i = items.size() - 1;
    } else if (i) {
      out += ", ";
    }
    if constexpr (std::is_same_v<T, std::string>) out += items[i];
    else out += std::to_string(items[i]);
  }
  return out;
}

struct found_object {
  run_info run;
  object_record record;
  nlohmann::json body;
};

found_object find_object(const reader& store, const parsed_args& p, std::string_view kind,
                         std::string_view what, std::string_view also_kind = {}) {
  found_object f;
  f.run = store.run(p.positional.at(0));  // throws run_not_found / run_ambiguous
  const auto key = p.value("--key");
  if (!key || key->empty()) {
    std::vector<std::string> keys;
    for (const object_record& o : store.objects(f.run.id, "", std::string(kind)))
      if (std::find(keys.begin(), keys.end(), o.key) == keys.end()) keys.push_back(o.key);
    throw bad_usage("--key is required; " +
                    (keys.empty() ? "run " + f.run.id + " has no " + std::string(what) + " objects"
                                  : "run " + f.run.id + " has " + std::string(what) +
                                        " objects under: " + short_list(keys)));
  }
  std::optional<std::int64_t> step;
  if (auto s = p.value("--step")) step = parse_int(*s, "--step");

  std::optional<object_record> rec = store.object(f.run.id, *key, step);
  if (!rec) {
    std::vector<std::int64_t> steps;
    for (const object_record& o : store.objects(f.run.id, *key)) steps.push_back(o.step);
    if (steps.empty())
      throw tracker::error(error_code::invalid_argument,
                           "run " + f.run.id + " has no object under key '" + *key + "'");
    throw tracker::error(error_code::invalid_argument,
                         "run " + f.run.id + " has no object '" + *key + "' at step " +
                             std::to_string(*step) + " (logged steps: " + short_list(steps) + ")");
  }
  if (rec->kind != kind && (also_kind.empty() || rec->kind != also_kind))
    throw tracker::error(error_code::invalid_argument,
                         "'" + *key + "' is a " + rec->kind + " object, not a " + std::string(kind) +
                             (rec->kind == metrics::kind_table               ? " (use `tracker table`)"
                              : rec->kind == metrics::kind_histogram         ? " (use `tracker histogram`)"
                              : rec->kind == metrics::kind_confusion_matrix  ? " (use `tracker confusion`)"
                                                                        : ""));
  try {
    f.body = nlohmann::json::parse(rec->body_json);
  } catch (const nlohmann::json::exception& e) {
    throw tracker::error(error_code::store_corrupt, "the stored body of '" + *key + "' at step " +
                                                       std::to_string(rec->step) +
                                                       " is not valid JSON: " + e.what());
  }
  f.record = std::move(*rec);
  return f;
}

ojson document_for(const found_object& f) {
  ojson doc = json_document();
  doc["run"] = f.run.id;
  doc["key"] = f.record.key;
  doc["step"] = f.record.step;
  doc["time"] = json_number(f.record.time);
  return doc;
}

std::string heading(const found_object& f, std::string_view what) {
  return std::string(what) + " `" + f.record.key + "` of run " + run_label(f.run) + " at step " +
         std::to_string(f.record.step);
}

// ---- confusion ---------------------------------------------------------------------------------

int confusion_body(const parsed_args& p, context& ctx) {
  const reader store = open_store(p);
  const found_object f = find_object(store, p, metrics::kind_confusion_matrix, "confusion matrix");
  const metrics::confusion_matrix cm = metrics::confusion_matrix::from_json(f.body);
  const bool json = p.format == "json";

  if (p.flag("--most-confused")) {
    std::int64_t min_count = 1;
    if (auto s = p.value("--min-count")) min_count = parse_int(*s, "--min-count");
    const auto pairs = metrics::most_confused(cm, min_count);
    if (json) {
      ojson doc = document_for(f);
      doc["most_confused"] = ojson::array();
      for (const metrics::confusion_pair& c : pairs)
        doc["most_confused"].push_back(
            {{"true", c.true_label}, {"predicted", c.predicted_label}, {"count", c.count}});
      write_json(ctx.out, doc);
      return exit_code::ok;
    }
    ctx.out << "Most confused pairs, " << heading(f, "confusion matrix") << "\n\n";
    if (pairs.empty()) {
      ctx.out << "no off-diagonal cell has a count >= " << std::max<std::int64_t>(min_count, 1)
              << '\n';
      return exit_code::ok;
    }
    std::vector<row> rows;
    for (const metrics::confusion_pair& c : pairs)
      rows.push_back({c.true_label, c.predicted_label, std::to_string(c.count)});
    write_markdown_table(ctx.out, {"true", "predicted", "count"}, rows);
    return exit_code::ok;
  }
  if (p.value("--min-count")) throw bad_usage("--min-count goes with --most-confused");

  if (json) {
    ojson doc = document_for(f);
    doc["labels"] = cm.labels();
    ojson matrix = ojson::array();
    for (std::size_t i = 0; i < cm.size(); ++i) {
      ojson r = ojson::array();
      for (std::size_t j = 0; j < cm.size(); ++j) r.push_back(cm.at(i, j));
      matrix.push_back(std::move(r));
    }
    doc["matrix"] = std::move(matrix);
    write_json(ctx.out, doc);
    return exit_code::ok;
  }

  const metrics::classification_report rep = metrics::compute_report(cm);
  ctx.out << heading(f, "Confusion matrix") << " (rows = true, columns = predicted)\n\n";
  row header{"true \\ predicted"};
  for (const std::string& l : cm.labels()) header.push_back(l);
  std::vector<row> rows;
  for (std::size_t i = 0; i < cm.size(); ++i) {
    row r{cm.labels()[i]};
    for (std::size_t j = 0; j < cm.size(); ++j) r.push_back(std::to_string(cm.at(i, j)));
    rows.push_back(std::move(r));
  }
  write_markdown_table(ctx.out, header, rows);

  ctx.out << '\n';
  rows.clear();
  for (const metrics::class_scores& c : rep.per_class)
    rows.push_back({c.label, human_number(c.precision), human_number(c.recall), human_number(c.f1),
                    std::to_string(c.support)});
  auto avg_row = [&](const char* name, const metrics::average_scores& a) {
    rows.push_back({name, human_number(a.precision), human_number(a.recall), human_number(a.f1),
                    std::to_string(rep.total)});
  };
  avg_row("macro avg", rep.macro);
  avg_row("micro avg", rep.micro);
  avg_row("weighted avg", rep.weighted);
  write_markdown_table(ctx.out, {"class", "precision", "recall", "f1", "support"}, rows);
  ctx.out << "\naccuracy " << human_number(rep.accuracy) << " (" << cm.correct() << " of "
          << rep.total << ")\n";
  return exit_code::ok;
}

// ---- table -------------------------------------------------------------------------------------

// A "predictions" object as a table: index, true_label, predicted_label (class names, like the
// confusion matrix), loss (missing when the run logged none).
metrics::table predictions_table(const metrics::predictions& pr) {
  metrics::table t({{"index", metrics::column_type::number},
                    {"true_label", metrics::column_type::text},
                    {"predicted_label", metrics::column_type::text},
                    {"loss", metrics::column_type::number}});
  const bool has_loss = pr.has_loss();
  for (std::size_t i = 0; i < pr.size(); ++i) {
    metrics::cell loss;
    if (has_loss) loss = static_cast<double>(pr.loss()[i]);
    t.add_row({static_cast<double>(pr.dataset_index()[i]), pr.labels()[pr.true_class()[i]],
               pr.labels()[pr.predicted_class()[i]], std::move(loss)});
  }
  return t;
}

int table_body(const parsed_args& p, context& ctx) {
  const reader store = open_store(p);
  const found_object f = find_object(store, p, metrics::kind_table, "table", metrics::kind_predictions);
  const metrics::table t = f.record.kind == metrics::kind_predictions
                               ? predictions_table(metrics::predictions::from_json(f.body))
                               : metrics::table::from_json(f.body);

  if (p.format == "json") {
    ojson doc = document_for(f);
    std::error_code ec;  // image paths are relative to the store: give it absolute
    const auto dir = std::filesystem::absolute(store.store_dir(), ec);
    doc["store"] = ec ? store.store_dir() : dir.lexically_normal().string();
    ojson cols = ojson::array();
    for (const metrics::column& c : t.columns()) cols.push_back({{"name", c.name}, {"type", metrics::to_string(c.type)}});
    doc["columns"] = std::move(cols);
    ojson rows = ojson::array();
    for (const auto& r : t.rows()) {
      ojson out = ojson::array();
      for (const metrics::cell& c : r) {
        if (const auto* d = std::get_if<double>(&c)) out.push_back(json_number(*d));
        else if (const auto* s = std::get_if<std::string>(&c)) out.push_back(*s);
        else out.push_back(nullptr);
      }
      rows.push_back(std::move(out));
    }
    doc["rows"] = std::move(rows);
    write_json(ctx.out, doc);
    return exit_code::ok;
  }

  const bool csv = p.format == "csv";
  row header;
  for (const metrics::column& c : t.columns()) header.push_back(c.name);
  std::vector<row> rows;
  for (const auto& r : t.rows()) {
    row out;
    for (const metrics::cell& c : r) {
      if (const auto* d = std::get_if<double>(&c)) out.push_back(csv ? exact_number(*d) : human_number(*d));
      else if (const auto* s = std::get_if<std::string>(&c)) out.push_back(*s);
      else out.push_back(csv ? "" : "—");
    }
    rows.push_back(std::move(out));
  }
  if (csv) {
    write_csv_row(ctx.out, header);
    for (const row& r : rows) write_csv_row(ctx.out, r);
    return exit_code::ok;
  }
  ctx.out << heading(f, "Table") << " (" << t.size() << (t.size() == 1 ? " row" : " rows") << ")\n\n";
  write_markdown_table(ctx.out, header, rows);
  return exit_code::ok;
}

// ---- histogram ---------------------------------------------------------------------------------

int histogram_body(const parsed_args& p, context& ctx) {
  const reader store = open_store(p);
  const found_object f = find_object(store, p, metrics::kind_histogram, "histogram");
  const metrics::histogram h = metrics::histogram::from_json(f.body);

  if (p.format == "json") {
    ojson doc = document_for(f);
    doc["edges"] = h.edges;
    doc["counts"] = h.counts;
    doc["nonfinite"] = h.nonfinite;
    doc["min"] = h.count > 0 ? json_number(h.min) : ojson(nullptr);
    doc["max"] = h.count > 0 ? json_number(h.max) : ojson(nullptr);
    doc["count"] = h.count;
    write_json(ctx.out, doc);
    return exit_code::ok;
  }

  ctx.out << heading(f, "Histogram") << ": " << h.count << " finite values";
  if (h.count > 0) ctx.out << " in [" << human_number(h.min) << ", " << human_number(h.max) << "]";
  ctx.out << ", " << h.nonfinite << " NaN/Inf not binned\n\n";
  const std::int64_t peak = h.counts.empty() ? 0 : *std::max_element(h.counts.begin(), h.counts.end());
  std::vector<row> rows;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    // A bar of up to 30 blocks, so the shape reads without a plot; any non-zero count shows.
    std::size_t blocks = 0;
    if (peak > 0 && h.counts[i] > 0)
      blocks = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(30.0 * static_cast<double>(h.counts[i]) / static_cast<double>(peak))));
    std::string bar;
    for (std::size_t b = 0; b < blocks; ++b) bar += "\u2588";
    rows.push_back({human_number(h.edges[i]), human_number(h.edges[i + 1]),
                    std::to_string(h.counts[i]), bar});
  }
  write_markdown_table(ctx.out, {"from", "to", "count", ""}, rows);
  return exit_code::ok;
}

}  // namespace

int cmd_confusion(const args& a, context& ctx) {
  return run_command(confusion_spec, a, ctx, [&](const parsed_args& p) { return confusion_body(p, ctx); });
}

int cmd_table(const args& a, context& ctx) {
  return run_command(table_spec, a, ctx, [&](const parsed_args& p) { return table_body(p, ctx); });
}

int cmd_histogram(const args& a, context& ctx) {
  return run_command(histogram_spec, a, ctx, [&](const parsed_args& p) { return histogram_body(p, ctx); });
}

}  // namespace tracker::cli
