// media_sink.hpp — where a store keeps its media: the files that rows refer to (images logged
// by runs, production images), by key "media/<run id>/<relative path>". Rows hold keys, never
// file paths, so only the sink knows where the bytes live: under <dir>/media/ for a store
// directory (directory_media.cpp), elsewhere for a future backend. store::open gives a store's
// sink with its backend (backend::media()).
//
// Thread safety: every method may be called from several threads at once (the writer thread and
// the production store's callers write concurrently).
// Errors: tracker::error, invalid_argument for a refused key, run id or path, io_error otherwise.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::store {

// Every key starts with this; the stored rows of old stores hold exactly such keys.
inline constexpr std::string_view media_prefix = "media/";

// Why a key is refused: it must be "media/<run id>/<path>" where every component is non-empty
// and not "." or "..", with no control character. nullopt for a good key.
std::optional<std::string> media_key_problem(std::string_view key);

// The key of a run's file: "media/<run id>/<relative path>". Throws invalid_argument when that
// is not a good key (an absolute path, "..", "." or empty components, control characters).
std::string media_key(std::string_view run_id, std::string_view relative_path);

class media_sink {
 public:
  virtual ~media_sink() = default;

  // Stores bytes as run_id's relative_path (replacing a file there) and returns its key. A
  // reader sees the previous bytes or all of the new ones, never part of a file.
  virtual std::string put(std::string_view run_id, std::string_view relative_path,
                          std::span<const std::uint8_t> bytes) = 0;
  // The bytes under key; nullopt when there is no such file (a file removed by gc or by hand).
  virtual std::optional<std::vector<std::uint8_t>> find(std::string_view key) = 0;
  // The bytes under key; io_error naming the key when there is no such file.
  std::vector<std::uint8_t> get(std::string_view key);
  // Removes every file of a run (nothing to do when it has none).
  virtual void remove_run(std::string_view run_id) = 0;
  // Ids of the runs that have files, sorted (gc removes those without a run row).
  virtual std::vector<std::string> runs() = 0;
};

// The sink of a store directory: files under <store_dir>/media/. create: make media/ now (a
// store opened for writing); a read-only sink creates nothing and finds nothing when it is absent.
std::unique_ptr<media_sink> open_directory_media(const std::string& store_dir, bool create);

}  // namespace tracker::store
