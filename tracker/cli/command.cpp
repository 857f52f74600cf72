// command.cpp — see command.hpp.
#include "command.hpp"

#include <tracker/tracker.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace tracker::cli {

namespace {

bool contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string join(const std::vector<std::string_view>& list, std::string_view sep) {
  std::string out;
  for (std::string_view s : list) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace

std::optional<std::string> parsed_args::value(std::string_view option) const {
  auto it = values_.find(option);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

const std::vector<std::string>& parsed_args::values(std::string_view option) const {
  static const std::vector<std::string> none;
  auto it = values_.find(option);
  return it == values_.end() ? none : it->second;
}

bool parsed_args::flag(std::string_view option) const { return flags_.count(option) != 0; }

std::string usage_line(const command_spec& spec) {
  std::string line = "usage: tracker ";
  line += spec.name;
  if (!spec.synopsis.empty()) (line += ' ') += spec.synopsis;
  return line;
}

parsed_args parse_args(const command_spec& spec, const args& a) {
  parsed_args p;
  std::optional<std::string> store;
  std::optional<std::string> format;
  bool only_positional = false;

  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& arg = a[i];
    // "-" alone and negative numbers are positionals, not options.
    const bool looks_like_option =
        arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9') && arg[1] != '.';
    if (only_positional || !looks_like_option) {
      p.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      p.help = true;
      continue;
    }
    // Split "--opt=value".
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const bool is_format = name == "--format" && !spec.formats.empty();
    const bool takes_value = name == "--store" || is_format || contains(spec.value_options, name);
    if (!takes_value) {
      if (contains(spec.flag_options, name) && !inline_value) {
        p.flags_.insert(name);
        continue;
      }
      throw bad_usage("unknown option '" + name + "'");
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < a.size() && a[i + 1].rfind("--", 0) != 0) {
      // "--format --store x" means a forgotten value, not a format named "--store";
      // a value that really starts with "--" can be given as --opt=--value.
      value = a[++i];
    } else {
      throw bad_usage("option '" + name + "' needs a value");
    }
    if (name == "--store") {
      if (value.empty()) throw bad_usage("--store needs a directory");
      store = value;
    } else if (is_format) {
      if (!contains(spec.formats, value))
        throw bad_usage("unknown format '" + value + "' (expected " + join(spec.formats, ", ") +
                        ")");
      format = value;
    } else {
      p.values_[name].push_back(value);
    }
  }
  if (p.help) return p;  // --help wins over everything else, including missing arguments

  if (p.positional.size() < spec.min_positional)
    throw bad_usage(p.positional.empty() ? "missing arguments" : "too few arguments");
  if (p.positional.size() > spec.max_positional)
    throw bad_usage("unexpected argument '" + p.positional[spec.max_positional] + "'");

  p.store = store ? *store : tracker::default_store_dir();
  if (format) {
    p.format = *format;
  } else if (!spec.formats.empty()) {
    p.format = std::string(spec.formats.front());
  }
  return p;
}

namespace {
// An error message on one line, whatever the user typed (a RUN or a condition with a
// newline) or the store held: control characters are shown as escapes.
std::string one_line(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7f) out += '?';
    else out += static_cast<char>(c);
  }
  return out;
}
}  // namespace

int run_command(const command_spec& spec, const args& a, context& ctx,
                const std::function<int(const parsed_args&)>& body) {
  // The exit-2 contract: nothing on stdout, one line on stderr. So a command's output is
  // held until it has succeeded (or a gate failed, exit 1): an error half-way through an
  // export (a damaged database) must not leave half a CSV on stdout.
  std::ostringstream held;
  std::ostream& real_out = ctx.out;
  try {
    parsed_args p = parse_args(spec, a);
    if (p.help) {
      real_out << usage_line(spec) << '\n';
      if (!spec.description.empty()) real_out << '\n' << spec.description << '\n';
      real_out << "\n--store DIR  the store (default: $TRACKER_DIR, else ./tracker-store)\n";
      return exit_code::ok;
    }
    int code;
    {
      // Commands write to ctx.out; point its buffer at `held` while the body runs.
      struct redirect {
        std::ostream& s;
        std::streambuf* saved;
        ~redirect() { s.rdbuf(saved); }
      } guard{real_out, real_out.rdbuf(held.rdbuf())};
      code = body(p);
    }
    real_out << held.str();
    return code;
  } catch (const bad_usage& e) {
    ctx.err << "tracker " << spec.name << ": " << one_line(e.what()) << " (" << usage_line(spec) << ")\n";
  } catch (const tracker::error& e) {
    ctx.err << "tracker: " << one_line(e.what()) << '\n';
  } catch (const std::exception& e) {
    // Anything else (a damaged value in the store, out of memory): still one line, still 2.
    ctx.err << "tracker: " << spec.name << " failed: " << one_line(e.what()) << '\n';
  }
  return exit_code::usage_error;
}

namespace {

void open_store_checks(const parsed_args& p) {
  namespace fs = std::filesystem;
  // Checked here, not only by the reader, to give the CLI's advice (--store, $TRACKER_DIR).
  std::error_code ec;
  bool there = fs::exists(fs::path(p.store) / "tracker.db", ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw tracker::error(error_code::store_open_failed,
                         "cannot read the store at '" + p.store + "': " + ec.message() +
                             " (check the directory's permissions)");
  if (!there)
    throw tracker::error(
        error_code::store_open_failed,
        "no tracker store at '" + p.store + "' (pass --store DIR or set $TRACKER_DIR)");
}

}  // namespace

tracker::reader open_store(const parsed_args& p) {
  open_store_checks(p);
  return tracker::reader::open(p.store);
}

tracker::reader open_store_for_writing(const parsed_args& p) {
  open_store_checks(p);
  tracker::upgrade_store(p.store);  // a reader refuses an older schema; a writer migrates it
  return tracker::reader::open(p.store);
}

}  // namespace tracker::cli
