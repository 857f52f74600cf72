#include "key_registry.hpp"

#include "error_report.hpp"
#include "validate.hpp"

#include <deque>
#include <functional>
#include <mutex>
#include <unordered_map>

namespace tracker::detail {
namespace {

struct string_hash {
  using is_transparent = void;  // lets find() take a string_view without building a string
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using key_map = std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>>;

struct registry {
  std::mutex mu;
  key_map ids;
  std::deque<std::string> names;  // names[id - 1]; a deque keeps references stable
};

registry& global() {
  static auto* r = new registry;  // leaked on purpose: used by the writer during process exit
  return *r;
}

}  // namespace

std::uint32_t intern_key(std::string_view key) noexcept {
  thread_local key_map cache;
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  try {
    if (auto problem = key_problem(key)) {
      if (key.size() <= 4 * max_key_bytes && cache.size() < max_interned_keys)
        cache.emplace(std::string(key), 0);  // report once
      report_error(*problem + "; values logged under it are not stored (counted in run::stats().rejected)");
      return 0;
    }
    auto& r = global();
    std::uint32_t id;
    {
      std::lock_guard lock(r.mu);
      auto it = r.ids.find(key);
      if (it == r.ids.end()) {
        if (r.names.size() >= max_interned_keys) {
          // Bounded: a process that invents keys without end (a key per request id, say)
          // is told so instead of growing until it runs out of memory.
          if (cache.size() < max_interned_keys) cache.emplace(std::string(key), 0);
          report_error("more than " + std::to_string(max_interned_keys) +
                       " distinct metric keys in this process; \"" + std::string(key.substr(0, 64)) +
                       "\" and later new keys are not stored (put ids into values or objects, not keys)");
          return 0;
        }
        r.names.emplace_back(key);
        it = r.ids.emplace(std::string(key), static_cast<std::uint32_t>(r.names.size())).first;
      }
      id = it->second;
    }
    cache.emplace(std::string(key), id);
    return id;
  } catch (...) {
    report_error("out of memory while interning a metric key; the value was not logged");
    return 0;
  }
}

std::string key_name(std::uint32_t id) {
  auto& r = global();
  std::lock_guard lock(r.mu);
  return id >= 1 && id <= r.names.size() ? r.names[id - 1] : std::string();
}

}  // namespace tracker::detail
