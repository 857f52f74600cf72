// reports.hpp — the read endpoints of the HTTP API: what the store computes from what was
// ingested. Today the drift report; reads of runs and metrics join here later.
#pragma once

#include <tracker/production.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracker::server {

// GET /v1/models/<run>/drift?since=T&until=T&last=N&bucket=hour|day — monitor::drift_report as
// JSON (the same document as `tracker drift --format json`). Throws http_error 400 naming the
// query parameter when one is bad or unknown; run_not_found (404) for an unknown model.
std::string get_drift(const production::store& store, std::string_view model_ref,
                      const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace tracker::server
