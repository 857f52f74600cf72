// import_rows.cpp — JSON Lines, CSV and gradio flag-log rows to production records and feedback
// (import_rows.hpp). Every CSV row is first turned into the HTTP API's JSON shape and parsed by
// production::record_from_json, so the import accepts and refuses exactly what the server does;
// a record_error's field ("features.brightness") is mapped back to the CSV column it came from.
#include "import_rows.hpp"

#include <nlohmann/json.hpp>
// Debian's libstb.so holds the stb_image and stb_image_write implementations: declarations only.
#include <stb_image.h>
#include <stb_image_write.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace tracker::cli {

namespace {

namespace prod = tracker::production;
namespace fs = std::filesystem;
using json = nlohmann::json;

// A problem with one line; caught per line and turned into a bad_line.
struct line_error {
  std::string where;
  std::string message;
};

// A cell as a JSON value: empty → null (missing), a finite number → number, else the text.
json cell_value(const std::string& text) {
  if (text.empty()) return nullptr;
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec == std::errc{} && ptr == end && std::isfinite(v)) return v;
  return text;
}

// "[0.1, 0.9]" or "0.1;0.9" or "0.1 0.9".
json probabilities_value(const std::string& text) {
  if (text.empty()) return nullptr;
  if (text.front() == '[') {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) throw line_error{"", "is not a JSON array of numbers"};
    return j;
  }
  json out = json::array();
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, ';')) {
    std::istringstream words(part);
    std::string w;
    while (words >> w) {
      const json v = cell_value(w);
      if (!v.is_number()) throw line_error{"", "'" + w + "' is not a number"};
      out.push_back(v);
    }
  }
  return out;
}

bool has_image_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".webp" || ext == ".gif" ||
         ext == ".bmp";
}

// Production images are stored as PNG: a PNG is taken as is; JPEG, BMP, GIF (first frame),
// TGA and the other formats stb_image decodes are re-encoded to PNG with their channels.
// WebP is refused by name (stb_image cannot decode it), as is anything else.
std::string to_png(std::string bytes, const fs::path& p) {
  static constexpr unsigned char png_sig[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() >= 8 && std::memcmp(bytes.data(), png_sig, 8) == 0) return bytes;
  if (bytes.size() >= 12 && bytes.compare(0, 4, "RIFF") == 0 && bytes.compare(8, 4, "WEBP") == 0)
    throw line_error{"", "image file " + p.string() +
                             " is WebP, which tracker cannot read: convert it to PNG or JPEG"};
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const int size = static_cast<int>(bytes.size());  // <= max_image_bytes, checked by the caller
  int w = 0, h = 0, channels = 0;
  // Pixels first: a small file may claim a huge image (e.g. a 65535 x 65535 BMP header).
  if (!stbi_info_from_memory(data, size, &w, &h, &channels))
    throw line_error{"", "image file " + p.string() + " is not a PNG, JPEG, BMP or GIF image (" +
                             stbi_failure_reason() + ")"};
  if (static_cast<std::int64_t>(w) * h > 64 << 20)
    throw line_error{"", "image file " + p.string() + " is " + std::to_string(w) + " x " +
                             std::to_string(h) + " pixels, more than 64 megapixels"};
  unsigned char* px = stbi_load_from_memory(data, size, &w, &h, &channels, 0);
  if (!px)
    throw line_error{"", "image file " + p.string() + " cannot be decoded (" + stbi_failure_reason() + ")"};
  std::string png;
  const auto append = [](void* ctx, void* d, int n) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(d), static_cast<std::size_t>(n));
  };
  const int ok = stbi_write_png_to_func(append, &png, w, h, channels, px, w * channels);
  stbi_image_free(px);
  if (!ok) throw line_error{"", "image file " + p.string() + " could not be re-encoded as PNG"};
  return png;
}

// The bytes of an image named in the file, relative to its directory (absolute paths as is),
// as PNG.
std::string read_image(const fs::path& base, const std::string& name) {
  const fs::path p = fs::path(name).is_absolute() ? fs::path(name) : base / name;
  std::ifstream in(p, std::ios::binary);
  if (!in) throw line_error{"", "cannot read image file " + p.string()};
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() > prod::limits::max_image_bytes)
    throw line_error{"", "image file " + p.string() + " is larger than " +
                             std::to_string(prod::limits::max_image_bytes) + " bytes"};
  return to_png(std::move(bytes), p);
}

// Where a record_error's field came from: JSON field paths → CSV columns, longest match wins.
struct column_map {
  std::vector<std::string> header;
  std::vector<std::pair<std::string, std::size_t>> fields;  // JSON field path → column index

  std::string where(const std::string& field) const {
    std::size_t best = header.size(), best_len = 0;
    for (const auto& [path, col] : fields) {
      const bool match =
          field == path ||
          (field.rfind(path, 0) == 0 && (field[path.size()] == '.' || field[path.size()] == '['));
      if (match && path.size() >= best_len) best = col, best_len = path.size();
    }
    if (best == header.size()) return field.empty() ? "" : "field " + field;
    return "column " + std::to_string(best + 1) + " (" + header[best] + ")";
  }
};

std::string column_where(const std::vector<std::string>& header, std::size_t c) {
  return "column " + std::to_string(c + 1) + " (" + header[c] + ")";
}

// ---- predictions / reference / feedback CSV ---------------------------------------------------

struct csv_layout {
  column_map map;
  std::optional<std::size_t> id, label, image;
};

csv_layout layout_for(const std::vector<std::string>& header, import_kind kind,
                      std::size_t header_line) {
  csv_layout l;
  l.map.header = header;
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string& h = header[c];
    if (h.empty()) throw csv_error(header_line, c + 1, "the header names no column here");
    for (std::size_t d = 0; d < c; ++d)
      if (header[d] == h)
        throw csv_error(header_line, c + 1, "column '" + h + "' appears twice in the header");
    if (kind == import_kind::feedback) {
      if (h != "id" && h != "label" && h != "flag" && h != "reason" && h != "timestamp")
        throw csv_error(
            header_line, c + 1,
            "'" + h + "' is not a feedback column (id, label, flag, reason, timestamp)");
      l.map.fields.emplace_back(h, c);
      if (h == "id") l.id = c;
      continue;
    }
    if (h == "id")
      l.id = c, l.map.fields.emplace_back("id", c);
    else if (h == "timestamp" || h == "time")
      l.map.fields.emplace_back("timestamp", c);
    else if (h == "prediction" || h == "predicted")
      l.map.fields.emplace_back("prediction", c);
    else if (h == "probabilities")
      l.map.fields.emplace_back("prediction.probabilities", c);
    else if (h == "confidence")
      l.map.fields.emplace_back("prediction.confidence", c);
    else if (h == "latency_ms")
      l.map.fields.emplace_back("latency_ms", c);
    else if (h == "label")
      l.label = c, l.map.fields.emplace_back("label", c);
    else if (h == "image")
      l.image = c, l.map.fields.emplace_back("image", c);
    else if (h.rfind("tag.", 0) == 0)
      l.map.fields.emplace_back("tags." + h.substr(4), c);
    else
      l.map.fields.emplace_back("features." + h, c);
  }
  if (kind == import_kind::feedback && !l.id)
    throw csv_error(header_line, 1, "a feedback CSV needs an 'id' column");
  return l;
}

// One CSV row in the HTTP shape. The image file and a prediction's label (sent as feedback) are
// the caller's.
json row_json(const csv_layout& l, const std::vector<std::string>& f, import_kind kind) {
  json j = json::object();
  json features = json::object(), tags = json::object(), prediction = json::object();
  for (std::size_t c = 0; c < f.size(); ++c) {
    const std::string& path = l.map.fields[c].first;
    const std::string& v = f[c];
    try {
      if (kind == import_kind::feedback) {
        if (!v.empty()) j[path] = v;
      } else if (path == "id" || path == "timestamp") {
        if (!v.empty()) j[path] = v;
      } else if (path == "prediction") {
        if (!v.empty()) prediction["label"] = v;
      } else if (path == "prediction.probabilities") {
        if (!v.empty()) prediction["probabilities"] = probabilities_value(v);
      } else if (path == "prediction.confidence") {
        if (!v.empty()) prediction["confidence"] = cell_value(v);
      } else if (path == "latency_ms") {
        if (!v.empty()) j["latency_ms"] = cell_value(v);
      } else if (path.empty() || path == "flag") {
        // ignored here: a flag log's extra image columns; its flag becomes feedback
      } else if (path == "label" || path == "image") {
        // label: a reference record's field, a prediction's feedback; image: read by the caller
        if (!v.empty() && path == "label" && kind == import_kind::reference) j["label"] = v;
      } else if (path.rfind("tags.", 0) == 0) {
        if (!v.empty()) tags[path.substr(5)] = v;
      } else {
        features[path.substr(9)] = cell_value(v);
      }
    } catch (line_error& e) {
      e.where = column_where(l.map.header, c);
      throw;
    }
  }
  if (kind == import_kind::feedback) return j;
  if (!j.contains("id")) j["id"] = row_id("row-", f);
  j["features"] = std::move(features);
  if (!prediction.empty()) j["prediction"] = std::move(prediction);
  if (!tags.empty()) j["tags"] = std::move(tags);
  return j;
}

// ---- gradio flag logs ------------------------------------------------------------------------

// gradio's Label output flags as JSON: {"label": "Shirt", "confidences": [{"label",
// "confidence"}]}. A plain class name is accepted too.
void apply_output(json& prediction, const std::string& value, const prod::model_info& model) {
  const json j =
      value.empty() || value.front() != '{' ? json() : json::parse(value, nullptr, false);
  if (!j.is_object()) {
    if (!value.empty()) prediction["label"] = value;
    return;
  }
  if (j.contains("label") && !j["label"].is_null()) prediction["label"] = j["label"];
  if (!j.contains("confidences") || !j["confidences"].is_array()) return;
  std::map<std::string, double> conf;
  for (const json& c : j["confidences"])
    if (c.is_object() && c.contains("label") && c.contains("confidence") &&
        c["confidence"].is_number())
      conf[c["label"].is_string() ? c["label"].get<std::string>() : c["label"].dump()] =
          c["confidence"].get<double>();
  // Probabilities only when they cover the model's classes (gradio may keep just the top k);
  // otherwise the predicted class's confidence alone.
  const bool all =
      !model.classes.empty() && std::all_of(model.classes.begin(), model.classes.end(),
                                            [&](const std::string& c) { return conf.count(c); });
  if (all) {
    json p = json::array();
    for (const std::string& c : model.classes) p.push_back(conf[c]);
    prediction["probabilities"] = std::move(p);
  } else if (prediction.contains("label") && prediction["label"].is_string() &&
             conf.count(prediction["label"].get<std::string>())) {
    prediction["confidence"] = conf[prediction["label"].get<std::string>()];
  }
}

}  // namespace

std::string bad_line::text() const {
  return "line " + std::to_string(line) + (where.empty() ? "" : ", " + where) + ": " + message;
}

std::string row_id(std::string_view prefix, const std::vector<std::string>& fields) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (const std::string& f : fields) {
    for (unsigned char c : f) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0x1f) * 1099511628211ull;  // field separator, so ("ab","c") != ("a","bc")
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return std::string(prefix) + buf;
}

import_batch read_jsonl(std::string_view text, const import_source& src) {
  import_batch out;
  std::size_t line = 0, pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (l.find_first_not_of(" \t") == std::string_view::npos) continue;
    try {
      const json j = json::parse(l);
      import_item item;
      item.line = line;
      const std::size_t index = out.items.size();
      if (src.kind == import_kind::feedback)
        item.feedback.push_back(prod::feedback_from_json(j, src.model, index));
      else
        item.record = prod::record_from_json(j,
                                             src.kind == import_kind::reference
                                                 ? prod::record_kind::reference
                                                 : prod::record_kind::prediction,
                                             *src.model, index);
      out.items.push_back(std::move(item));
    } catch (const json::parse_error& e) {
      // nlohmann's byte position counts from the start of this line (1-based).
      out.bad.push_back({line, "column " + std::to_string(e.byte), "not valid JSON"});
    } catch (const prod::record_error& e) {
      out.bad.push_back({line, e.field().empty() ? "" : "field " + e.field(), e.reason()});
    }
  }
  return out;
}

import_batch read_csv_rows(const std::vector<csv_record>& rows, const import_source& src) {
  import_batch out;
  if (rows.empty()) return out;
  const std::vector<std::string>& header = rows[0].fields;
  const bool flags = src.kind == import_kind::flags;
  // A flag log maps like a predictions CSV once its gradio columns are recognized.
  csv_layout l = layout_for(header, flags ? import_kind::predictions : src.kind, rows[0].line);
  std::optional<std::size_t> flag_col, user_col, output_col;
  if (flags) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (header[c] == "flag") flag_col = c;
      if (header[c] == "username") user_col = c;
      if (header[c] == (src.output_column.empty() ? "output" : src.output_column)) output_col = c;
    }
    if (!output_col && !src.output_column.empty())
      throw csv_error(rows[0].line, 1,
                      "no column named '" + src.output_column + "' (--output-column)");
    // gradio writes the inputs, then the outputs, then flag, username, timestamp (newer
    // versions leave some of those out): the output is the last column that is none of them.
    for (std::size_t c = header.size(); !output_col && c-- > 0;)
      if (header[c] != "flag" && header[c] != "username" && header[c] != "timestamp")
        output_col = c;
    if (!output_col)
      throw csv_error(rows[0].line, 1,
                      "cannot tell the model's output column (use --output-column)");
    l.map.fields[*output_col].first = "prediction";
    if (flag_col) l.map.fields[*flag_col].first = "flag";
    if (user_col) l.map.fields[*user_col].first = "tags.username";
    // Image inputs: columns holding an image file name in any row. The first is the record's
    // image; further ones are ignored (a record has one image).
    for (std::size_t c = 0; c < header.size(); ++c) {
      if (l.map.fields[c].first.rfind("features.", 0) != 0) continue;
      const bool images = std::any_of(rows.begin() + 1, rows.end(), [&](const csv_record& row) {
        return c < row.fields.size() && has_image_extension(row.fields[c]);
      });
      if (!images) continue;
      l.map.fields[c].first = l.image ? "" : "image";
      if (!l.image) l.image = c;
    }
  }
  const prod::record_kind rk = src.kind == import_kind::reference ? prod::record_kind::reference
                                                                  : prod::record_kind::prediction;

  for (std::size_t r = 1; r < rows.size(); ++r) {
    const csv_record& row = rows[r];
    const std::size_t index = out.items.size();
    try {
      if (row.fields.size() != header.size())
        throw line_error{"", std::to_string(row.fields.size()) + " fields, but the header has " +
                                 std::to_string(header.size())};
      const std::vector<std::string>& f = row.fields;
      const std::string image_path = l.image ? f[*l.image] : std::string();
      import_item item;
      item.line = row.line;
      json j;
      if (!flags) {
        j = row_json(l, f, src.kind);
      } else {
        std::vector<std::string> inputs = f;
        inputs[*output_col].clear();  // gradio's output may be JSON: apply_output reads it
        j = row_json(l, inputs, import_kind::predictions);
        j["id"] = row_id("gradio-", f);  // from the whole row: a re-import stores nothing twice
        json prediction = json::object();
        apply_output(prediction, f[*output_col], *src.model);
        if (!prediction.empty()) j["prediction"] = std::move(prediction);
      }
      if (src.kind == import_kind::feedback) {
        item.feedback.push_back(prod::feedback_from_json(j, src.model, index));
      } else {
        prod::record rec = prod::record_from_json(j, rk, *src.model, index);
        if (!image_path.empty()) {
          try {
            rec.image_png = read_image(src.base_dir, image_path);
          } catch (line_error& e) {
            e.where = column_where(header, *l.image);
            throw;
          }
          prod::validate(rec, rk, *src.model, index);  // the PNG's size and signature
        }
        // A prediction CSV's label, and a gradio flag, are feedback on the new record.
        if (src.kind == import_kind::predictions && l.label && !f[*l.label].empty())
          item.feedback.push_back(
              prod::feedback_from_json({{"id", rec.id}, {"label", f[*l.label]}}, src.model, index));
        if (flags) {
          prod::feedback fb;
          fb.id = rec.id;
          fb.flag = flag_col ? f[*flag_col] : std::string();
          fb.time = rec.time;
          if (!flag_col || fb.flag.empty()) fb.flag = "flagged";  // gradio without flag options
          prod::validate(fb, src.model, index);
          item.feedback.push_back(std::move(fb));
        }
        item.record = std::move(rec);
      }
      out.items.push_back(std::move(item));
    } catch (const line_error& e) {
      out.bad.push_back({row.line, e.where, e.message});
    } catch (const prod::record_error& e) {
      out.bad.push_back({row.line, l.map.where(e.field()), e.reason()});
    }
  }
  return out;
}

}  // namespace tracker::cli
