// production_write.hpp — the write path for front ends inside this project that have already
// validated their records (the HTTP server and `tracker import` call production::validate, or
// record_from_json which does, on every record before writing). Not part of the public API:
// a caller outside the project goes through store::write, which validates.
#pragma once

#include <tracker/production.hpp>

namespace tracker::detail {

// store::write without validating the records a second time. Every record must have passed
// validate(record, kind, model, index) against the same model and kind; images, ids and
// duplicates are handled as store::write handles them.
production::write_result write_validated(production::store& s, const production::model_info& model,
                                         production::record_kind kind, std::vector<production::record> records);

}  // namespace tracker::detail
