// entry_ring.hpp — the production logger's buffer: a fixed-capacity multi-producer
// multi-consumer ring of entries (Dmitry Vyukov's bounded queue, as the core's
// tracker/src/bounded_queue.hpp, but moving its values instead of copying them).
//
// Why lock-free: log_prediction() runs on serving threads, many at once; one CAS and a move
// per call keeps them from ever waiting on each other or on the sender. Why MPMC: the
// drop_oldest policy lets a producer pop the oldest entry to make room.
//
// Capacity is exact (not rounded to a power of two) so that buffer_capacity means what it says;
// the modulo costs a few nanoseconds.
#pragma once

#include <tracker/production.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <variant>

namespace tracker::production_detail {

enum class entry_kind : std::uint8_t { prediction = 0, reference = 1, feedback = 2 };

struct entry {
  entry_kind kind = entry_kind::prediction;
  std::variant<production::record, production::feedback> value;
};

class entry_ring {
 public:
  explicit entry_ring(std::size_t capacity) : capacity_(capacity), cells_(std::make_unique<cell[]>(capacity)) {
    for (std::size_t i = 0; i < capacity; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return capacity_; }

  // Moves `value` (a record or a feedback) into a free slot as an entry of `kind` and returns
  // true (`count` = entries pushed so far, this one included), or returns false (and leaves
  // `value` alone) when full. The value is moved straight into the slot: no temporary entry.
  template <class T>
  bool try_push(entry_kind kind, T& value, std::size_t* count = nullptr) noexcept {
    std::size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos % capacity_];
      const std::size_t seq = c.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          c.value.kind = kind;
          c.value.value = std::move(value);  // strings and vectors move by pointer: no allocation
          c.sequence.store(pos + 1, std::memory_order_release);
          if (count) *count = pos + 1;
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  // Moves the oldest entry into `out`; false when empty.
  bool try_pop(entry& out) noexcept {
    std::size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      cell& c = cells_[pos % capacity_];
      const std::size_t seq = c.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          out = std::move(c.value);
          c.sequence.store(pos + capacity_, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Entries ever pushed / popped (monotonic): counters for free, without extra atomics.
  std::uint64_t pushed() const noexcept { return tail_.load(std::memory_order_acquire); }
  std::uint64_t popped() const noexcept { return head_.load(std::memory_order_acquire); }
  std::size_t approx_size() const noexcept {
    const std::size_t t = tail_.load(std::memory_order_relaxed), h = head_.load(std::memory_order_relaxed);
    return t > h ? t - h : 0;
  }

 private:
  struct cell {
    std::atomic<std::size_t> sequence;
    entry value;
  };
  static constexpr std::size_t line = 64;  // producers and the consumer touch different lines
  alignas(line) std::atomic<std::size_t> tail_{0};
  alignas(line) std::atomic<std::size_t> head_{0};
  alignas(line) const std::size_t capacity_;
  std::unique_ptr<cell[]> cells_;
};

}  // namespace tracker::production_detail
