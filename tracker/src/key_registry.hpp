// key_registry.hpp — process-wide interning of metric key strings into small integer ids, so
// the queue carries 4-byte ids instead of strings. Each thread caches the ids it has seen, so
// the steady state of log("train/loss", v) is one thread-local hash lookup, no lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tracker::detail {

constexpr std::size_t max_key_bytes = 256;

// Why a key is invalid ("empty key", ...), or nothing if it is fine.
std::optional<std::string> key_problem(std::string_view key);

// Returns the key's id (>= 1), or 0 for an invalid key (which is reported, never thrown).
std::uint32_t intern_key(std::string_view key) noexcept;
// The key string of an id returned by intern_key.
std::string key_name(std::uint32_t id);

}  // namespace tracker::detail
