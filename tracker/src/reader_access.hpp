// reader_access.hpp — the reader's connection, for read modules of the library other than
// query.cpp (production.cpp). Not part of the public API.
#pragma once

#include <tracker/query.hpp>

#include "store/backend.hpp"

namespace tracker::detail {

struct reader_access {
  static store::backend& backend(const reader& r) { return *r.backend_; }
};

}  // namespace tracker::detail
