// drift_sort.cpp — tracker/drift.hpp's storage (big_allocator) and sorted_finite: the radix
// sort that prepares every numeric column.
#include "drift_internal.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tracker::drift {
namespace {

// ---- radix sort of doubles by their order-preserving bit pattern ----------------------------

inline std::uint64_t key_of(double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return (u & 0x8000000000000000ull) ? ~u : (u | 0x8000000000000000ull);
}
inline double value_of(std::uint64_t k) {
  std::uint64_t u = (k & 0x8000000000000000ull) ? (k & ~0x8000000000000000ull) : ~k;
  double d;
  std::memcpy(&d, &u, sizeof d);
  return d;
}

using key_vector = std::vector<std::uint64_t, big_allocator<std::uint64_t>>;

// Sorts a[0..n) by bits [0, top) of the keys (the higher bits are equal within the range) with
// LSD passes of 11 bits, t[0..n) as scratch; the result ends in a.
void lsd_low_bits(std::uint64_t* a, std::uint64_t* t, std::size_t n, int top, std::vector<std::uint32_t>& hist) {
  constexpr int bits = 11;
  constexpr std::size_t B = std::size_t{1} << bits;
  constexpr std::uint64_t mask = B - 1;
  const int passes = (top + bits - 1) / bits;
  hist.assign(static_cast<std::size_t>(passes) * B, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (int p = 0; p < passes; ++p) ++hist[p * B + ((a[i] >> (bits * p)) & mask)];
  std::uint64_t *src = a, *dst = t;
  for (int p = 0; p < passes; ++p) {
    std::uint32_t* h = hist.data() + p * B;
    const int shift = bits * p;
    if (h[(src[0] >> shift) & mask] == n) continue;
    std::uint32_t sum = 0;
    for (std::size_t d = 0; d < B; ++d) {
      const std::uint32_t c = h[d];
      h[d] = sum;
      sum += c;
    }
    for (std::size_t i = 0; i < n; ++i) dst[h[(src[i] >> shift) & mask]++] = src[i];
    std::swap(src, dst);
  }
  if (src != a) std::memcpy(a, src, n * sizeof(std::uint64_t));
}

// Doubles: one MSD pass on the 11 highest bits that differ between the smallest and largest
// key (2,048 buckets), then each bucket — now small enough to stay in cache — sorted on its
// remaining bits (std::sort up to 256 keys, LSD above). One pass over memory instead of five:
// 30% faster than the plain LSD sort on normal data, equal on uniform data.
value_vector msd_sorted_finite(std::span<const double> values, std::int64_t& missing,
                               detail::sort_scratch& scratch) {
  key_vector& keys = scratch.keys;
  keys.resize(std::max(keys.size(), values.size()));
  std::size_t n = 0;
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (double v : values) {
    if (!std::isfinite(v)) {
      ++missing;
      continue;
    }
    const std::uint64_t k = key_of(v == 0.0 ? 0.0 : v);  // -0 sorts and compares as +0
    keys[n++] = k;
    lo = std::min(lo, k);
    hi = std::max(hi, k);
  }
  value_vector out = std::move(scratch.result);
  out.resize(n);
  if (n == 0) return out;
  if (lo == hi) {
    std::fill(out.begin(), out.end(), value_of(lo));
    return out;
  }
  const int high_bit = 63 - __builtin_clzll(lo ^ hi);
  const int shift = std::max(high_bit - 10, 0);
  constexpr std::size_t B = 2048;
  std::vector<std::uint32_t> start(B + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[((keys[i] >> shift) & (B - 1)) + 1];
  for (std::size_t d = 0; d < B; ++d) start[d + 1] += start[d];
  std::vector<std::uint32_t> pos(start.begin(), start.end() - 1);
  key_vector& tmp = scratch.tmp;
  tmp.resize(std::max(tmp.size(), n));
  for (std::size_t i = 0; i < n; ++i) tmp[pos[(keys[i] >> shift) & (B - 1)]++] = keys[i];
  std::vector<std::uint32_t> hist;
  for (std::size_t d = 0; d < B; ++d) {
    const std::size_t a = start[d], m = start[d + 1] - a;
    if (m >= 2 && shift > 0) {
      if (m <= 256)
        std::sort(tmp.data() + a, tmp.data() + a + m);
      else
        lsd_low_bits(tmp.data() + a, keys.data() + a, m, shift, hist);
    }
    for (std::size_t i = a; i < a + m; ++i) out[i] = value_of(tmp[i]);  // while the bucket is in cache
  }
  return out;
}
}  // namespace

// =============================================================================================
// Storage
// =============================================================================================

namespace {
constexpr std::size_t kBigBlock = std::size_t{1} << 20;  // 1 MiB: from here on, huge pages
constexpr std::size_t kHugePage = std::size_t{2} << 20;  // 2 MiB
}  // namespace

void* big_allocate(std::size_t bytes) {
  if (bytes < kBigBlock) return ::operator new(bytes);
  const std::size_t size = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, size);
  if (!p) throw std::bad_alloc();
#if defined(__linux__)
  ::madvise(p, size, MADV_HUGEPAGE);  // a hint: failure (THP disabled) only costs speed
#endif
  return p;
}

void big_deallocate(void* p, std::size_t bytes) noexcept {
  if (bytes < kBigBlock)
    ::operator delete(p);
  else
    std::free(p);
}

value_vector sorted_finite(std::span<const double> values, std::int64_t* missing) {
  detail::sort_scratch scratch;
  return detail::sorted_finite(values, missing, scratch);
}

value_vector detail::sorted_finite(std::span<const double> values, std::int64_t* missing, sort_scratch& scratch) {
  std::int64_t miss = 0;
  value_vector out;
  if (values.size() >= 1024) {
    out = msd_sorted_finite(values, miss, scratch);
  } else {
    out.reserve(values.size());
    for (double v : values) {
      if (std::isfinite(v))
        out.push_back(v == 0.0 ? 0.0 : v);
      else
        ++miss;
    }
    std::sort(out.begin(), out.end());
  }
  if (missing) *missing = miss;
  return out;
}

}  // namespace tracker::drift
