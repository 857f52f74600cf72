// gc.hpp — tracker::gc on a store that is already open: purge deleted runs' rows, then their
// media. Split from the public gc() (query.hpp), which opens the store, so the failure paths
// can be tested on a backend whose media sink fails on command.
#pragma once

#include "store/backend.hpp"

#include <cstddef>

namespace tracker::detail {

// Returns how many runs it purged; throws io_error naming the runs whose media could not be
// removed (their rows are gone; the next gc removes the media of every run without a row).
std::size_t collect_garbage(store::backend& b);

}  // namespace tracker::detail
