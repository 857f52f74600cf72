// image_cache.cpp — see image_cache.hpp.
#include "model/image_cache.hpp"

#include <stb_image.h>

#include <tracker/types.hpp>

#include <algorithm>
#include <limits>

namespace tracker::ui {

decoded_image decode_image(const std::vector<std::uint8_t>& bytes, const std::string& path, int max_side) {
  decoded_image out;
  out.path = path;
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    out.error = "not an image (too large)";
    return out;
  }
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &n, 4);
  if (!px) {
    out.error = std::string("not an image (") + stbi_failure_reason() + ")";
    return out;
  }
  int f = 1;
  while (w / f > max_side || h / f > max_side) ++f;
  out.w = std::max(1, w / f);
  out.h = std::max(1, h / f);
  out.rgba.resize(std::size_t(out.w) * std::size_t(out.h) * 4);
  for (int y = 0; y < out.h; ++y)
    for (int x = 0; x < out.w; ++x)
      for (int c = 0; c < 4; ++c) {
        unsigned sum = 0;
        for (int dy = 0; dy < f; ++dy)
          for (int dx = 0; dx < f; ++dx)
            sum += px[(std::size_t(y * f + dy) * std::size_t(w) + std::size_t(x * f + dx)) * 4 + c];
        out.rgba[(std::size_t(y) * std::size_t(out.w) + std::size_t(x)) * 4 + c] =
            static_cast<unsigned char>(sum / unsigned(f * f));
      }
  stbi_image_free(px);
  return out;
}

image_cache::image_cache(std::string store_dir, std::size_t capacity, int max_side)
    : dir_(std::move(store_dir)),
      capacity_(std::max<std::size_t>(capacity, 1)),
      max_side_(max_side),
      thread_([this] { run(); }) {}

image_cache::~image_cache() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::shared_ptr<const decoded_image> image_cache::get(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ready_.find(path);
  if (it != ready_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.pos);
    return it->second.img;
  }
  if (!queued_.count(path)) {
    queued_[path] = true;
    queue_.push_front(path);
    // A long scroll leaves old requests behind: keep the newest few hundred.
    while (queue_.size() > 512) {
      queued_.erase(queue_.back());
      queue_.pop_back();
    }
    cv_.notify_one();
  }
  return nullptr;
}

bool image_cache::idle() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.empty() && !busy_;
}

std::size_t image_cache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ready_.size();
}

std::uint64_t image_cache::decoded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return decoded_;
}

std::uint64_t image_cache::evicted() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evicted_;
}

decoded_image image_cache::load(const std::string& key) {
  decoded_image out;
  out.path = key;
  try {
    if (!source_) source_.emplace(store_source::open(dir_));
    auto bytes = source_->media(key);
    if (!bytes) {
      out.error = "missing file";
      return out;
    }
    return decode_image(*bytes, key, max_side_);
  } catch (const error& e) {
    if (e.code() == error_code::invalid_argument) {
      out.error = "not a media path: " + key;
    } else {
      out.error = e.what();
      source_.reset();  // no store yet, or it failed: open it again for the next image
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

void image_cache::run() {
  for (;;) {
    std::string path;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      path = queue_.front();
      queue_.pop_front();
      busy_ = true;
    }
    auto img = std::make_shared<const decoded_image>(load(path));
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = false;
    queued_.erase(path);
    ++decoded_;
    lru_.push_front(path);
    ready_[path] = entry{std::move(img), lru_.begin()};
    while (ready_.size() > capacity_) {
      ready_.erase(lru_.back());
      lru_.pop_back();
      ++evicted_;
    }
  }
}

}  // namespace tracker::ui
