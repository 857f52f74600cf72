// run_ref.hpp — what a run reference names: a run id, a unique run name, or "latest" (the most
// recently created run that is not deleted). Shared by the reader and the production store.
#pragma once

#include "store/backend.hpp"

#include <string>

namespace tracker::detail {

// Throws run_not_found (naming the store dir) or run_ambiguous (listing the matching ids).
store::run_record resolve_run(store::backend& b, const std::string& ref, const std::string& dir);

}  // namespace tracker::detail
