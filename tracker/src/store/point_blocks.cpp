// point_blocks.cpp — see point_blocks.hpp.
#include "store/point_blocks.hpp"

#include <cstdlib>

namespace tracker::store {

std::size_t block_points() {
  // Default 512 (docs/performance.md: 256 / 512 / 1024 measured). TRACKER_BLOCK_POINTS overrides
  // it for measurements only; any value reads back, it only changes where blocks are cut.
  static const std::size_t n = [] {
    const char* e = std::getenv("TRACKER_BLOCK_POINTS");
    long v = e ? std::atol(e) : 0;
    return v >= 16 && v <= 65536 ? static_cast<std::size_t>(v) : std::size_t{512};
  }();
  return n;
}

[[noreturn]] void corrupt_block(const char* what) {
  throw error(error_code::store_corrupt, std::string("tracker store: a points block is damaged (") + what +
                                             "); the database file was changed outside tracker");
}

void block_builder::blob(std::string& out) const {
  out.clear();
  out.push_back(1);
  put_varint(out, static_cast<std::uint64_t>(n));
  put_varint(out, runs.size());
  std::int64_t at = 0;
  for (auto [first, len] : runs) {
    put_varint(out, static_cast<std::uint64_t>(first - at));
    put_varint(out, static_cast<std::uint64_t>(len));
    at = first + len;
  }
  out += body;
}

}  // namespace tracker::store
