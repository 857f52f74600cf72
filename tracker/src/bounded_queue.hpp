// bounded_queue.hpp — a fixed-capacity multi-producer multi-consumer queue (Dmitry Vyukov's
// design): one CAS per push or pop, no locks, no allocation after construction.
//
// Why MPMC and not MPSC: the drop_oldest policy lets a producer pop the oldest record to make
// room, so producers are occasionally consumers too.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <new>

namespace tracker::detail {

template <class T>
class bounded_queue {
 public:
  explicit bounded_queue(std::size_t min_capacity) {
    std::size_t cap = 1024;
    while (cap < min_capacity) cap <<= 1;
    mask_ = cap - 1;
    cells_ = std::make_unique<cell[]>(cap);
    for (std::size_t i = 0; i < cap; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }

  bool try_push(const T& value) noexcept {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos & mask_];
      std::size_t seq = c.sequence.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value = value;
          c.sequence.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  bool try_pop(T& out) noexcept {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos & mask_];
      std::size_t seq = c.sequence.load(std::memory_order_acquire);
      auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          out = c.value;
          c.sequence.store(pos + mask_ + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // empty
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Total successful pushes so far (monotonic): the "enqueued" counter, free of extra atomics.
  std::size_t pushed() const noexcept { return tail_.load(std::memory_order_relaxed); }
  std::size_t approx_size() const noexcept {
    std::size_t t = tail_.load(std::memory_order_relaxed), h = head_.load(std::memory_order_relaxed);
    return t > h ? t - h : 0;
  }

 private:
  struct cell {
    std::atomic<std::size_t> sequence;
    T value;
  };
  static constexpr std::size_t line = 64;
  alignas(line) std::atomic<std::size_t> tail_{0};
  alignas(line) std::atomic<std::size_t> head_{0};
  alignas(line) std::size_t mask_ = 0;
  std::unique_ptr<cell[]> cells_;
};

}  // namespace tracker::detail
