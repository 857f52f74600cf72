// test_import.cpp — the RFC 4180 reader (tracker/cli/csv.hpp) and `tracker import` end to end:
// JSON Lines, CSV and gradio flag logs (quoted multi-line fields, image paths) into a real store,
// bad lines named by line and column with nothing stored, --skip-bad, idempotent re-imports.
#include "cli.hpp"
#include "../cli/cli_runner.hpp"
#include "csv.hpp"
#include "test_support.hpp"

#include <tracker/production.hpp>
#include <tracker/query.hpp>
#include <tracker/tracker.hpp>

#include <catch2/catch.hpp>
// Debian's libstb.so: writes the JPEG and BMP inputs, decodes what the store holds.
#include <stb_image.h>
#include <stb_image_write.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace prod = tracker::production;
using tracker::cli::csv_error;
using tracker::cli::parse_csv;

using tracker_test::cli_result;
cli_result cli(std::vector<std::string> args) { return tracker_test::run_cli_in_process(std::move(args)); }

std::size_t lines_of(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

// A valid 1×1 grey PNG (IHDR, one zlib-compressed scanline, IEND, with their CRCs; generated
// with Python's zlib and struct). The store checks only the signature; the rest keeps the
// viewer's thumbnails honest.
const std::string tiny_png(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00"
    "\x01\x08\x00\x00\x00\x00\x3a\x7e\x9b\x55\x00"
    "\x00\x00\x0a\x49\x44\x41\x54\x78\x9c\x63\x68\x00\x00\x00\x82\x00\x81\x77\xcd\x72\xb6\x00\x00"
    "\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    67);

struct import_store {
  tracker_test::temp_dir dir;
  std::string run_id;
  explicit import_store(const std::vector<std::string>& classes = {"Shirt", "Coat", "Bag"}) {
    tracker::options o;
    o.store = dir.store();
    o.name = "model";
    tracker::run r = tracker::init(o);
    run_id = r.id();
    r.finish();
    prod::store::open(dir.store()).set_classes(run_id, classes);
  }
  std::string file(const std::string& name, const std::string& text) const {
    const fs::path p = fs::path(dir.path()) / "in" / name;
    write_text(p, text);
    return p.string();
  }
  cli_result import(const std::string& file, const std::string& kind,
                    std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"import",  file,   "--kind",  kind,
                                  "--model", run_id, "--store", dir.store()};
    a.insert(a.end(), extra.begin(), extra.end());
    return cli(a);
  }
  prod::dataset read(prod::record_kind kind = prod::record_kind::prediction) const {
    return prod::read(tracker::reader::open(dir.store()), run_id, kind);
  }
};

const prod::feature_column* column(const prod::dataset& d, const std::string& name) {
  for (const prod::feature_column& c : d.features)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

// ---- the CSV reader --------------------------------------------------------------------------

TEST_CASE("csv: RFC 4180 fields, quotes, line breaks and line numbers", "[import][csv]") {
  const auto rows = parse_csv(
      "\xEF\xBB\xBF"  // a byte-order mark is skipped
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "\n"  // an empty line is not a record
      "2,\"two\nlines\",\n"
      "3,a\"b,\"\"");
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].fields == std::vector<std::string>{"a", "b", "c"});
  CHECK(rows[0].line == 1);
  CHECK(rows[1].fields == std::vector<std::string>{"1", "x, y", "say \"hi\""});
  CHECK(rows[1].line == 2);
  CHECK(rows[2].fields == std::vector<std::string>{"2", "two\nlines", ""});  // trailing empty field
  CHECK(rows[2].line == 4);
  CHECK(rows[3].fields ==
        std::vector<std::string>{"3", "a\"b", ""});  // a quote mid-field is a character
  CHECK(rows[3].line == 6);                          // the quoted line break counted
  CHECK(parse_csv("").empty());
  CHECK(parse_csv("x\n").size() == 1);
  CHECK(parse_csv("\"\"").at(0).fields == std::vector<std::string>{""});
  CHECK(parse_csv("\"a\",").at(0).fields == std::vector<std::string>{"a", ""});
  CHECK(parse_csv("a,").at(0).fields == std::vector<std::string>{"a", ""});
  // CRLF inside a quoted field is kept as is; the next record starts two lines on.
  const auto crlf = parse_csv("\"x\r\ny\",1\r\nz,2\r\n");
  REQUIRE(crlf.size() == 2);
  CHECK(crlf[0].fields[0] == "x\r\ny");
  CHECK(crlf[1].line == 3);
}

TEST_CASE("csv: an unterminated quote or text after a closing quote names line and column",
          "[import][csv]") {
  try {
    parse_csv("a,b\n1,\"open\nstill open\n");
    FAIL("no error");
  } catch (const csv_error& e) {
    CHECK(e.line() == 2);  // where the quoted field started
    CHECK(e.column() == 2);
    CHECK(std::string(e.what()).find("never closed") != std::string::npos);
  }
  try {
    parse_csv("a,b\n\"x\"y,2\n");
    FAIL("no error");
  } catch (const csv_error& e) {
    CHECK(e.line() == 2);
    CHECK(e.column() == 1);
  }
}

// ---- tracker import ----------------------------------------------------------------------------

TEST_CASE("import jsonl: records in the HTTP shape; a re-import stores nothing twice", "[import]") {
  import_store s;
  const std::string f = s.file(
      "p.jsonl",
      "{\"id\":\"r-1\",\"timestamp\":\"2026-11-22T10:00:00Z\",\"features\":{\"brightness\":0.7},"
      "\"prediction\":{\"label\":\"Shirt\",\"probabilities\":[0.8,0.1,0.1]}}\n"
      "\n"
      "{\"id\":\"r-2\",\"timestamp\":1795341660,\"features\":{\"brightness\":null},\"prediction\":"
      "1}\n");
  cli_result r = s.import(f, "predictions");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("imported 2 records and 0 feedback") != std::string::npos);
  prod::dataset d = s.read();
  REQUIRE(d.size() == 2);
  CHECK(d.predicted == std::vector<std::string>{"Shirt", "Coat"});  // index 1 → "Coat"
  CHECK(d.confidence[0] == Catch::Detail::Approx(0.8));
  CHECK(std::isnan(column(d, "brightness")->numbers[1]));

  r = s.import(f, "predictions");
  CHECK(r.code == 0);
  CHECK(r.out.find("imported 0 records (2 already stored)") != std::string::npos);
  CHECK(s.read().size() == 2);

  const std::string fb = s.file("f.jsonl",
                                "{\"id\":\"r-1\",\"label\":\"Coat\"}\n{\"id\":\"r-2\",\"flag\":"
                                "\"incorrect\",\"reason\":\"a bag\"}\n");
  r = s.import(fb, "feedback");
  CHECK(r.code == 0);
  d = s.read();
  CHECK(d.label[0] == "Coat");
  CHECK(d.flag[1] == "incorrect");
  CHECK(d.reason[1] == "a bag");
}

TEST_CASE("import jsonl: a bad line names line and field and nothing is stored; --skip-bad",
          "[import]") {
  import_store s;
  const std::string f = s.file("p.jsonl",
                               "{\"id\":\"a\",\"prediction\":\"Shirt\"}\n"
                               "{\"id\":\"b\",\"prediction\":\"Sock\"}\n"
                               "{\"id\":\"c\",\"prediction\":\"Coat\"\n");  // JSON cut short
  cli_result r = s.import(f, "predictions");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(lines_of(r.err) == 1);
  CHECK(r.err.find("line 2, field prediction") != std::string::npos);
  CHECK(r.err.find("nothing stored (1 more bad line") != std::string::npos);
  CHECK(s.read().size() == 0);

  r = s.import(f, "predictions", {"--skip-bad"});
  CHECK(r.code == 0);
  CHECK(r.err.find("skipped line 2, field prediction") != std::string::npos);
  CHECK(r.err.find("skipped line 3, column") != std::string::npos);
  CHECK(lines_of(r.err) == 2);
  CHECK(r.out.find("imported 1 record and 0 feedback") != std::string::npos);
  CHECK(r.out.find("skipped 2 bad lines") != std::string::npos);
  CHECK(s.read().ids == std::vector<std::string>{"a"});
}

TEST_CASE("import csv: reserved columns, features, labels as feedback, images; errors by column",
          "[import]") {
  import_store s;
  const std::string dir = (fs::path(s.dir.path()) / "in").string();
  write_text(fs::path(dir) / "img" / "a.png", tiny_png);
  const std::string f =
      s.file("p.csv",
             "id,timestamp,prediction,confidence,label,image,brightness,source,tag.env\n"
             "r1,2026-11-22T10:00:00Z,Shirt,0.9,Coat,img/a.png,0.71,upload,prod\n"
             "r2,2026-11-22T10:01:00Z,Bag,,,,,camera,\n");
  cli_result r = s.import(f, "predictions");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("imported 2 records and 1 feedback") != std::string::npos);
  const prod::dataset d = s.read();
  REQUIRE(d.size() == 2);
  CHECK(d.label == std::vector<std::string>{"Coat", ""});  // the label column arrives as feedback
  CHECK(d.confidence[0] == Catch::Detail::Approx(0.9));
  CHECK(std::isnan(d.confidence[1]));
  REQUIRE(column(d, "brightness"));
  CHECK(column(d, "brightness")->numeric);
  CHECK(std::isnan(column(d, "brightness")->numbers[1]));  // an empty cell is missing
  CHECK(column(d, "source")->categories == std::vector<std::string>{"upload", "camera"});
  CHECK(column(d, "env") == nullptr);  // tag.env is a tag, not a feature
  REQUIRE(!d.image[0].empty());
  CHECK(fs::file_size(fs::path(s.dir.store()) / d.image[0]) == tiny_png.size());
  CHECK(d.image[1].empty());

  // Reference records need a label; a wrong class names its line and column.
  const std::string ref = s.file("r.csv",
                                 "prediction,label,brightness\n"
                                 "Shirt,Shirt,0.5\n"
                                 "Shirt,Sock,0.6\n"
                                 "Coat,,0.7\n");
  r = s.import(ref, "reference");
  CHECK(r.code == 2);
  CHECK(lines_of(r.err) == 1);
  CHECK(r.err.find("line 3, column 2 (label)") != std::string::npos);
  CHECK(s.read(prod::record_kind::reference).size() == 0);
  r = s.import(ref, "reference", {"--skip-bad"});
  CHECK(r.code == 0);
  CHECK(r.err.find("skipped line 4, column 2 (label): is required") != std::string::npos);
  CHECK(s.read(prod::record_kind::reference).size() == 1);

  // A missing image file and a non-PNG file name the image column.
  write_text(fs::path(dir) / "img" / "b.png", "not a png");
  const std::string bad =
      s.file("b.csv", "id,prediction,image\nx,Shirt,img/missing.png\ny,Shirt,img/b.png\n");
  r = s.import(bad, "predictions", {"--skip-bad"});
  CHECK(r.err.find("line 2, column 3 (image): cannot read image file") != std::string::npos);
  CHECK(r.err.find("line 3, column 3 (image): image file ") != std::string::npos);
  CHECK(r.err.find("b.png is not a PNG, JPEG, BMP or GIF image") != std::string::npos);
  // A row with the wrong number of fields, and a header problem.
  r = s.import(s.file("c.csv", "id,prediction\nz,Shirt,extra\n"), "predictions");
  CHECK(r.code == 2);
  CHECK(r.err.find("line 2: 3 fields, but the header has 2") != std::string::npos);
  r = s.import(s.file("d.csv", "id,label\nz,Coat\n"), "feedback");
  CHECK(r.code == 0);
  r = s.import(s.file("e.csv", "id,colour\nz,red\n"), "feedback");
  CHECK(r.code == 2);
  CHECK(r.err.find("line 1, column 2: 'colour' is not a feedback column") != std::string::npos);
}

TEST_CASE("import flags: a gradio flag log with quoted multi-line fields and image paths",
          "[import]") {
  import_store s;
  const fs::path dir = fs::path(s.dir.path()) / "in" / "flagged";
  write_text(dir / "image" / "0.png", tiny_png);
  write_text(dir / "image" / "1.png", tiny_png);
  // gradio's CSVLogger: the inputs (an image saved as a file, a textbox), the Label output as
  // JSON, then flag, username, timestamp (Python's str(datetime.now())).
  const std::string log =
      "image,comment,output,flag,username,timestamp\n"
      "image/0.png,\"too dark,\nplease\",\"{\"\"label\"\": \"\"Shirt\"\", \"\"confidences\"\": "
      "[{\"\"label\"\": \"\"Shirt\"\", \"\"confidence\"\": 0.8}, {\"\"label\"\": \"\"Coat\"\", "
      "\"\"confidence\"\": 0.2}]}\","
      "incorrect,alice,2026-11-22 10:00:00.250000\n"
      "image/1.png,fine,Coat,,,2026-11-22 10:05:00\n";
  write_text(dir / "log.csv", log);
  cli_result r = s.import((dir / "log.csv").string(), "flags");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("imported 2 records and 2 feedback") != std::string::npos);
  prod::dataset d = s.read();
  REQUIRE(d.size() == 2);
  CHECK(d.predicted == std::vector<std::string>{"Shirt", "Coat"});
  CHECK(d.confidence[0] ==
        Catch::Detail::Approx(0.8));  // the top-2 confidences do not cover 3 classes
  CHECK(d.times[0] ==
        Catch::Detail::Approx(1795341600.25));  // 2026-11-22T10:00:00.25 (no zone: UTC)
  CHECK(d.flag == std::vector<std::string>{"incorrect", "flagged"});  // no flag option: "flagged"
  REQUIRE(column(d, "comment"));
  CHECK(column(d, "comment")->categories[0] == "too dark,\nplease");
  CHECK(column(d, "image") == nullptr);  // a file name is not a feature
  CHECK(!d.image[0].empty());
  CHECK(!d.image[1].empty());
  CHECK(d.ids[0].rfind("gradio-", 0) == 0);

  // The same log again: the ids come from the rows, so nothing is stored twice.
  r = s.import((dir / "log.csv").string(), "flags");
  CHECK(r.code == 0);
  CHECK(r.out.find("imported 0 records (2 already stored)") != std::string::npos);
  CHECK(s.read().size() == 2);

  // A log without flag and username columns (newer gradio): the output is the last column
  // before timestamp, and the flag defaults to "flagged".
  write_text(dir / "short.csv", "image,output,timestamp\nimage/1.png,Bag,2026-11-22 10:10:00\n");
  r = s.import((dir / "short.csv").string(), "flags");
  CHECK(r.code == 0);
  d = s.read();
  REQUIRE(d.size() == 3);
  CHECK(d.predicted[2] == "Bag");
  CHECK(d.flag[2] == "flagged");

  // A bad row after a multi-line field: its line is counted in physical lines.
  write_text(dir / "bad.csv",
             "image,comment,output,flag,username,timestamp\n"
             "image/0.png,\"two\nlines\",Shirt,x,,2026-11-22 11:00:00\n"
             "image/1.png,ok,Sock,x,,2026-11-22 11:00:01\n");
  r = s.import((dir / "bad.csv").string(), "flags");
  CHECK(r.code == 2);
  CHECK(r.err.find("line 4, column 3 (output)") != std::string::npos);
  CHECK(s.read().size() == 3);
}

namespace {
struct pixels {
  int w = 0, h = 0, channels = 0;
  std::vector<unsigned char> px;
};
pixels decode(const std::string& path) {
  pixels p;
  unsigned char* d = stbi_load(path.c_str(), &p.w, &p.h, &p.channels, 0);
  if (!d) return p;
  p.px.assign(d, d + static_cast<std::size_t>(p.w) * p.h * p.channels);
  stbi_image_free(d);
  return p;
}
void append(void* ctx, void* data, int n) {
  static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<std::size_t>(n));
}
}  // namespace

TEST_CASE("import flags: JPEG and BMP images are stored as PNG; WebP is refused by line and file",
          "[import]") {
  import_store s;
  const fs::path dir = fs::path(s.dir.path()) / "in" / "flagged";
  fs::create_directories(dir / "image");
  // A 12x8 RGB gradient as JPEG (lossy: compared with its own decoding) and as BMP (exact).
  std::vector<unsigned char> rgb(12 * 8 * 3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 12; ++x)
      for (int c = 0; c < 3; ++c) rgb[(y * 12 + x) * 3 + c] = static_cast<unsigned char>(20 * x + 25 * y + 60 * c);
  const std::string jpg = (dir / "image" / "0.jpg").string(), bmp = (dir / "image" / "1.BMP").string();
  REQUIRE(stbi_write_jpg(jpg.c_str(), 12, 8, 3, rgb.data(), 90));
  REQUIRE(stbi_write_bmp(bmp.c_str(), 12, 8, 3, rgb.data()));
  // A second JPEG, written from grey pixels at another size.
  std::vector<unsigned char> grey(5 * 4, 0);
  for (std::size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<unsigned char>(i * 12);
  const std::string gjpg = (dir / "image" / "2.jpeg").string();
  REQUIRE(stbi_write_jpg(gjpg.c_str(), 5, 4, 1, grey.data(), 95));
  // A WebP file's header (RIFF, size, WEBP, a VP8L chunk): refused before any decoding.
  write_text(dir / "image" / "3.webp", std::string("RIFF\x1a\0\0\0WEBPVP8L\x0d\0\0\0\x2f\0\0\0\x10\x07\x10\x11\x11\x88\x88\xfe\x07\0", 38));
  const std::string header = "image,output,flag,username,timestamp\n";
  const std::string good = "image/0.jpg,Shirt,incorrect,,2026-11-22 10:00:00\n"
                           "image/1.BMP,Coat,incorrect,,2026-11-22 10:01:00\n"
                           "image/2.jpeg,Bag,incorrect,,2026-11-22 10:02:00\n";
  write_text(dir / "log.csv", header + good + "image/3.webp,Bag,incorrect,,2026-11-22 10:03:00\n");

  // Without --skip-bad the WebP row fails the file: its line, column and file are named and
  // nothing is stored.
  cli_result r = s.import((dir / "log.csv").string(), "flags");
  CHECK(r.code == 2);
  CHECK(r.err.find("line 5, column 1 (image): image file ") != std::string::npos);
  CHECK(r.err.find("3.webp is WebP, which tracker cannot read") != std::string::npos);
  CHECK(s.read().size() == 0);

  // --skip-bad: the other three are stored, each as a PNG with the decoded pixels.
  r = s.import((dir / "log.csv").string(), "flags", {"--skip-bad"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("skipped line 5, column 1 (image)") != std::string::npos);
  prod::dataset d = s.read();
  REQUIRE(d.size() == 3);
  const std::string png_signature("\x89PNG\r\n\x1a\n", 8);
  const std::vector<std::string> sources = {jpg, bmp, gjpg};
  for (std::size_t i = 0; i < 3; ++i) {
    INFO(sources[i]);
    REQUIRE(!d.image[i].empty());
    const std::string stored = (fs::path(s.dir.store()) / d.image[i]).string();
    std::ifstream in(stored, std::ios::binary);
    std::string head(8, '\0');
    in.read(head.data(), 8);
    CHECK(head == png_signature);
    const pixels want = decode(sources[i]), got = decode(stored);
    REQUIRE(want.w > 0);
    CHECK(got.w == want.w);
    CHECK(got.h == want.h);
    CHECK(got.channels == want.channels);
    CHECK(got.px == want.px);  // PNG is lossless: exactly what the JPEG / BMP decodes to
  }
  CHECK(decode(sources[1]).px == rgb);  // the BMP round trip is exact (the test's own check)

  // A PNG is stored byte for byte, as before.
  std::string png;
  REQUIRE(stbi_write_png_to_func(append, &png, 5, 4, 1, grey.data(), 5));
  write_text(dir / "image" / "4.png", png);
  write_text(dir / "png.csv", header + "image/4.png,Bag,incorrect,,2026-11-22 10:04:00\n");
  r = s.import((dir / "png.csv").string(), "flags");
  REQUIRE(r.code == 0);
  d = s.read();
  REQUIRE(d.size() == 4);
  CHECK(fs::file_size(fs::path(s.dir.store()) / d.image[3]) == png.size());
}

TEST_CASE("import: usage errors are exit 2 with one line", "[import]") {
  import_store s;
  const std::string f = s.file("p.jsonl", "{\"id\":\"a\",\"prediction\":\"Shirt\"}\n");
  for (const std::vector<std::string>& extra : std::vector<std::vector<std::string>>{
           {"--kind", "bogus"}, {"--format", "xml"}, {"--output-column", "x"}}) {
    std::vector<std::string> a = {"import", f, "--model", s.run_id, "--store", s.dir.store()};
    if (extra[0] != "--kind") a.insert(a.end(), {"--kind", "predictions"});
    a.insert(a.end(), extra.begin(), extra.end());
    const cli_result r = cli(a);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
  }
  CHECK(s.import(f, "flags").code == 2);  // a flag log is CSV
  CHECK(cli({"import", f, "--kind", "predictions", "--store", s.dir.store()}).code ==
        2);  // no --model
  CHECK(cli({"import", f, "--kind", "predictions", "--model", "nope", "--store", s.dir.store()})
            .code == 2);
  CHECK(s.import(f + ".missing", "predictions").code == 2);
}
