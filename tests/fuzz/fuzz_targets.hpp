// fuzz_targets.hpp — inputs a user or a damaged disk can hand the core, as fuzz targets.
//
// Each target takes arbitrary bytes and must either succeed or throw tracker::error: never
// crash, hang, leak or throw anything else. Built two ways (tests/fuzz/CMakeLists.txt):
//   * with clang and -DTRACKER_FUZZ=ON: libFuzzer binaries (fuzz_condition, fuzz_store_open, fuzz_http_request)
//     that search for crashing inputs — run them by hand, e.g. build-fuzz/bin/fuzz_condition
//     -max_total_time=60;
//   * always: fuzz_smoke, a CTest test that feeds each target a fixed corpus plus seeded random
//     mutations of it (deterministic), so CI (and the sanitizer builds) run them too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tracker_fuzz {

// tracker::parse_condition on the bytes as text.
void condition(const std::uint8_t* data, std::size_t size);
// The bytes as tracker.db of a store directory: open it with tracker::reader and list runs,
// summaries and buckets; then tracker::init on it.
void store_open(const std::uint8_t* data, std::size_t size);
// The bytes as an HTTP API request (tracker/server/router.hpp; the first byte picks method and
// path, the rest is the body) on a real store: always a JSON answer, never a 500 (fuzz_http.cpp).
void http_request(const std::uint8_t* data, std::size_t size);

}  // namespace tracker_fuzz
