// reports.cpp — see reports.hpp.
#include "reports.hpp"

#include "router.hpp"

#include <tracker/monitor.hpp>
#include <tracker/query.hpp>

#include <charconv>

namespace tracker::server {

namespace {

http_error bad_parameter(const std::string& name, const std::string& what) {
  return http_error{400, "query parameter " + name + ": " + what, std::nullopt, name};
}

}  // namespace

std::string get_drift(const production::store& store, std::string_view model_ref,
                      const std::vector<std::pair<std::string, std::string>>& query) {
  monitor::report_options o;
  for (const auto& [name, value] : query) {
    if (name == "since" || name == "until") {
      const std::optional<double> t = production::parse_time(value);
      if (!t) throw bad_parameter(name, "must be ISO-8601 (2026-11-22T10:00:00Z) or unix seconds");
      (name == "since" ? o.window.since : o.window.until) = *t;
    } else if (name == "last") {
      std::size_t n = 0;
      const char* end = value.data() + value.size();
      const auto [ptr, ec] = std::from_chars(value.data(), end, n);
      if (value.empty() || ec != std::errc{} || ptr != end || n == 0)
        throw bad_parameter(name, "must be a positive integer");
      o.window.last = n;
    } else if (name == "bucket") {
      if (value != "hour" && value != "day") throw bad_parameter(name, "must be hour or day");
      o.bucket = value;
    } else {
      // Strict: a misspelt parameter would otherwise silently report on everything.
      throw bad_parameter(name, "unknown (the parameters are since, until, last, bucket)");
    }
  }
  if (o.window.since && o.window.until && *o.window.since > *o.window.until)
    throw bad_parameter("since", "is after until");
  // A reader of its own per request: read-only, sees what is committed, and never waits for
  // the ingest writes (WAL).
  const tracker::reader reader = tracker::reader::open(store.location());
  return monitor::drift_report(reader, std::string(model_ref), o)
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tracker::server
