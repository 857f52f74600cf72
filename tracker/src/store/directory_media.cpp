// directory_media.cpp — media keys, and the media sink of a store directory: a key
// "media/<run>/<path>" is the file <store dir>/media/<run>/<path>. The only code that turns a key
// into a file path.
#include "store/media_sink.hpp"

#include <tracker/types.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace tracker::store {
namespace fs = std::filesystem;

namespace {

// Why a path of '/'-separated components is refused; nullopt when every component is fine.
std::optional<std::string> components_problem(std::string_view path) {
  if (path.empty()) return "it is empty";
  if (path.front() == '/') return "it must be relative, not absolute";
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f) return "it contains a control character";
  std::size_t at = 0;
  for (;;) {
    const std::size_t slash = path.find('/', at);
    const std::string_view part =
        path.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at);
    if (part == "..") return "'..' is not allowed";
    if (part.empty() || part == ".") return "it has an empty or '.' component";
    if (slash == std::string_view::npos) return std::nullopt;
    at = slash + 1;
  }
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::optional<std::string> run_id_problem(std::string_view run_id) {
  if (run_id.find('/') != std::string_view::npos) return "a run id has no '/'";
  return components_problem(run_id);
}

class directory_media final : public media_sink {
 public:
  explicit directory_media(const std::string& store_dir) : root_(fs::path(store_dir) / "media") {}

  std::string put(std::string_view run_id, std::string_view relative_path,
                  std::span<const std::uint8_t> bytes) override {
    std::string key = media_key(run_id, relative_path);
    const fs::path target = file_of(key);
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec)
      throw error(error_code::io_error,
                  "cannot store " + key + ": cannot create its directory: " + ec.message());
    // Written under a name no other thread or process uses, then renamed over the target: a
    // reader sees the old file or the whole new one. A crash leaves only the temporary file,
    // which is removed with the run's other files.
    static std::atomic<std::uint64_t> counter{0};
    fs::path tmp = target;
    tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(reinterpret_cast<const char*>(bytes.data()),
                static_cast<std::streamsize>(bytes.size()));
      out.close();
      if (!out) {
        fs::remove(tmp, ec);
        throw error(error_code::io_error,
                    "cannot store " + key + ": writing failed (disk full or no permission?)");
      }
    }
    fs::rename(tmp, target, ec);
    if (ec) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw error(error_code::io_error, "cannot store " + key + ": " + ec.message());
    }
    return key;
  }

  std::optional<std::vector<std::uint8_t>> find(std::string_view key) override {
    if (auto why = media_key_problem(key))
      throw error(error_code::invalid_argument,
                  "not a media key: " + quoted(key) + " (" + *why + ")");
    const fs::path path = file_of(key);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
      throw error(error_code::io_error,
                  "cannot read " + std::string(key) + ": " + std::strerror(errno));
    }
    std::vector<std::uint8_t> out;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      throw error(error_code::io_error,
                  "cannot read " + std::string(key) + ": it is a directory, not a file");
    }
    if (st.st_size > 0) out.reserve(static_cast<std::size_t>(st.st_size));
    std::uint8_t buf[1 << 16];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int e = errno;
        ::close(fd);
        throw error(error_code::io_error,
                    "cannot read " + std::string(key) + ": " + std::strerror(e));
      }
      if (n == 0) break;
      out.insert(out.end(), buf, buf + n);
    }
    ::close(fd);
    return out;
  }

  void remove_run(std::string_view run_id) override {
    if (auto why = run_id_problem(run_id))
      throw error(error_code::invalid_argument,
                  "not a run id: " + quoted(run_id) + " (" + *why + ")");
    std::error_code ec;
    fs::remove_all(root_ / fs::path(run_id), ec);
    if (ec)
      throw error(error_code::io_error, "cannot remove the media files of run " +
                                            std::string(run_id) + ": " + ec.message());
  }

  std::vector<std::string> runs() override {
    std::vector<std::string> out;
    std::error_code ec;
    fs::directory_iterator it(root_, ec);
    if (ec == std::errc::no_such_file_or_directory) return out;
    if (ec) throw error(error_code::io_error, "cannot list the store's media: " + ec.message());
    for (const auto& entry : it) {
      std::string name = entry.path().filename().string();
      if (entry.is_directory(ec) && !run_id_problem(name)) out.push_back(std::move(name));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  fs::path file_of(std::string_view key) const {
    return root_ / fs::path(key.substr(media_prefix.size()));
  }

  fs::path root_;
};

}  // namespace

std::optional<std::string> media_key_problem(std::string_view key) {
  if (key.substr(0, media_prefix.size()) != media_prefix) return "it does not start with media/";
  const std::string_view rest = key.substr(media_prefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return "it names no file under a run";
  if (auto why = components_problem(rest)) return why;
  return std::nullopt;
}

std::string media_key(std::string_view run_id, std::string_view relative_path) {
  if (auto why = run_id_problem(run_id))
    throw error(error_code::invalid_argument,
                "not a run id for media: " + quoted(run_id) + " (" + *why + ")");
  if (auto why = components_problem(relative_path))
    throw error(error_code::invalid_argument,
                "media path " + quoted(relative_path) + " is refused: " + *why);
  std::string key(media_prefix);
  key.append(run_id).append("/").append(relative_path);
  return key;
}

std::vector<std::uint8_t> media_sink::get(std::string_view key) {
  if (auto bytes = find(key)) return std::move(*bytes);
  throw error(error_code::io_error,
              "media file " + std::string(key) +
                  " is not in the store (gc removed it with its run, or it was deleted by hand)");
}

std::unique_ptr<media_sink> open_directory_media(const std::string& store_dir, bool create) {
  if (create) {
    std::error_code ec;
    fs::create_directories(fs::path(store_dir) / "media", ec);
    if (ec)
      throw error(error_code::store_open_failed,
                  "cannot create " + store_dir + "/media: " + ec.message());
  }
  return std::make_unique<directory_media>(store_dir);
}

}  // namespace tracker::store
