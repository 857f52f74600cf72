// image_cache.hpp — the store's media images decoded off the frame thread, cached with
// least-recently-used eviction. No GL here: the frame uploads decoded pixels as textures
// (widgets/texture), tests read the pixels directly. The bytes come through the store's reader
// (a store_source of the decoding thread's own), never from a path built here.
//
//   image_cache c(store_dir);          starts one decoding thread
//   auto img = c.get("media/r/x.png"); each frame: nullptr while queued or decoding (draw a
//                                      placeholder), then the pixels, or an error ("missing
//                                      file", not an image, "not a media path", no store)
//   ~image_cache()                     stops and joins
//
// The newest request is decoded first (the rows just scrolled into view), requests nobody
// repeated for a while are dropped from the queue, and beyond `capacity` images the least
// recently used ones are evicted (they decode again if asked for).
#pragma once

#include "model/store_source.hpp"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tracker::ui {

struct decoded_image {
  std::string path;
  int w = 0, h = 0;                 // after downscaling to at most max_side
  std::vector<unsigned char> rgba;  // w * h * 4
  std::string error;                // set when there are no pixels
};

class image_cache {
 public:
  explicit image_cache(std::string store_dir, std::size_t capacity = 1024, int max_side = 256);
  ~image_cache();
  image_cache(const image_cache&) = delete;
  image_cache& operator=(const image_cache&) = delete;

  // The decoded image, or nullptr while it is being decoded (a request is queued).
  std::shared_ptr<const decoded_image> get(const std::string& store_relative_path);
  // Nothing queued or decoding.
  bool idle() const;
  std::size_t size() const;  // decoded images held
  std::uint64_t decoded() const;
  std::uint64_t evicted() const;

 private:
  void run();
  decoded_image load(const std::string& key);  // on the decoding thread
  std::string dir_;
  std::optional<store_source> source_;  // the decoding thread's; opened on first use
  std::size_t capacity_;
  int max_side_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // newest at the front
  std::map<std::string, bool> queued_;
  std::list<std::string> lru_;  // most recent at the front
  struct entry {
    std::shared_ptr<const decoded_image> img;
    std::list<std::string>::iterator pos;
  };
  std::map<std::string, entry> ready_;
  bool busy_ = false;
  bool stop_ = false;
  std::uint64_t decoded_ = 0, evicted_ = 0;
  std::thread thread_;
};

// Decodes one image (any format stb_image reads) to RGBA, downscaled (box filter) so neither
// side exceeds max_side; path is only recorded in the result.
decoded_image decode_image(const std::vector<std::uint8_t>& bytes, const std::string& path, int max_side);

}  // namespace tracker::ui
