// key_registry.hpp — process-wide interning of metric key strings into small integer ids, so
// the queue carries 4-byte ids instead of strings. Each thread caches the ids it has seen, so
// the steady state of log("train/loss", v) is one thread-local hash lookup, no lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tracker::detail {

// At most this many distinct keys per process (ids are never reused: queued records and thread
// caches hold them); a new key beyond it is refused and reported.
constexpr std::size_t max_interned_keys = std::size_t{1} << 20;

// Returns the key's id (>= 1), or 0 for an invalid key (validate.hpp's key_problem). A bad
// key is reported once per thread, never thrown, and then answered from the cache like a good
// one: a loop that logs a bad key takes no lock per call.
std::uint32_t intern_key(std::string_view key) noexcept;
// The key string of an id returned by intern_key.
std::string key_name(std::uint32_t id);

}  // namespace tracker::detail
