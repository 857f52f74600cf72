// production_rules.hpp — production::validate for many records against one model: the class
// names are looked up in a hash table built once, instead of a scan of model.classes per label.
// production::validate(record&, ...) is this with a linear lookup (no table to build for one
// record); the rules themselves live once, in production_records.cpp.
#pragma once

#include <tracker/production.hpp>

#include <cstddef>
#include <string_view>
#include <unordered_map>

namespace tracker::production::detail {

class record_rules {
 public:
  // index_classes: build the hash table (worth it when many records are checked, e.g. a
  // server's cached model). The model must outlive this object and not change.
  explicit record_rules(const model_info& model, bool index_classes = true);
  record_rules(const record_rules&) = delete;
  record_rules& operator=(const record_rules&) = delete;

  // production::validate(r, kind, model, index).
  void check(record& r, record_kind kind, std::size_t index) const;

  const model_info& model() const { return model_; }
  // The index of a class name in model.classes, or -1.
  std::ptrdiff_t class_index(std::string_view name) const;

 private:
  const model_info& model_;
  std::unordered_map<std::string_view, std::size_t> classes_;  // empty when not indexed
};

}  // namespace tracker::production::detail
