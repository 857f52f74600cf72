// types.cpp — names of enums and the goal heuristic declared in types.hpp.
#include <tracker/types.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace tracker {

const char* to_string(error_code code) noexcept {
  switch (code) {
    case error_code::invalid_argument: return "invalid_argument";
    case error_code::store_open_failed: return "store_open_failed";
    case error_code::schema_too_new: return "schema_too_new";
    case error_code::store_corrupt: return "store_corrupt";
    case error_code::io_error: return "io_error";
    case error_code::config_conflict: return "config_conflict";
    case error_code::run_not_found: return "run_not_found";
    case error_code::run_ambiguous: return "run_ambiguous";
    case error_code::run_exists: return "run_exists";
    case error_code::run_closed: return "run_closed";
    case error_code::timeout: return "timeout";
  }
  return "unknown";
}

const char* to_string(goal g) noexcept {
  switch (g) {
    case goal::minimize: return "minimize";
    case goal::maximize: return "maximize";
    case goal::none: break;
  }
  return "none";
}

goal infer_goal(const std::string& key) noexcept {
  std::string k = key;
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
  auto has = [&](const char* s) { return k.find(s) != std::string::npos; };
  auto ends = [&](const char* s) {
    std::string_view suffix(s);
    return k.size() >= suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  // Minimizing words first: "val/error_rate" and "loss_acc_weighted" are losses.
  for (const char* w : {"loss", "error", "mse", "mae", "rmse", "perplexity"})
    if (has(w)) return goal::minimize;
  if (ends("err")) return goal::minimize;
  for (const char* w : {"acc", "f1", "precision", "recall", "auc", "iou", "map", "score"})
    if (has(w)) return goal::maximize;
  return goal::none;
}

const char* to_string(run_status s) noexcept {
  switch (s) {
    case run_status::running: return "running";
    case run_status::finished: return "finished";
    case run_status::failed: return "failed";
    case run_status::killed: return "killed";
    case run_status::crashed: return "crashed";
  }
  return "running";
}

std::optional<run_status> parse_run_status(const std::string& s) noexcept {
  for (auto st : {run_status::running, run_status::finished, run_status::failed, run_status::killed,
                  run_status::crashed})
    if (s == to_string(st)) return st;
  return std::nullopt;
}

}  // namespace tracker
