// production_columns.cpp — a production::dataset's columns straight from parsed blocks: numbers
// are copied as they are stored, categories come from the blocks' dictionaries, and no value
// goes through JSON or text unless a mixed feature column needs a number as text.
#include "store/production_blocks.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <map>

namespace tracker::store::production_block {

namespace {

std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

constexpr double nan = std::numeric_limits<double>::quiet_NaN();

}  // namespace

void fill(const std::vector<view>& blocks, const std::vector<pick>& order, production::dataset& d) {
  const std::size_t n = order.size();
  struct decoded {
    std::vector<std::string_view> ids, image;
    std::vector<std::uint32_t> predicted, label;
  };
  std::vector<decoded> dec(blocks.size());
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const view& v = blocks[b];
    dec[b] = {texts(v.ids, v.n), texts(v.image, v.n), codes(v.predicted, v.n), codes(v.label, v.n)};
  }
  d.ids.reserve(n);
  d.times.reserve(n);
  d.predicted.reserve(n);
  d.confidence.reserve(n);
  d.latency_ms.reserve(n);
  d.label.reserve(n);
  d.image.reserve(n);
  for (auto [b, i] : order) {
    const view& v = blocks[b];
    d.ids.emplace_back(dec[b].ids[i]);
    d.times.push_back(f64_at(v.times, i));
    d.predicted.emplace_back(v.predicted.values[dec[b].predicted[i]]);
    d.confidence.push_back(f64_at(v.confidence, i));
    d.latency_ms.push_back(f64_at(v.latency, i));
    d.label.emplace_back(v.label.values[dec[b].label[i]]);
    d.image.emplace_back(dec[b].image[i]);
  }
  d.flag.assign(n, {});
  d.reason.assign(n, {});

  // Features by name (the dataset's order), each with its column in every block (or none).
  std::map<std::string_view, std::vector<const view::feature*>> by_name;
  for (std::size_t b = 0; b < blocks.size(); ++b)
    for (const view::feature& f : blocks[b].features) {
      auto& per_block = by_name[f.name];
      if (per_block.empty()) per_block.resize(blocks.size(), nullptr);
      per_block[b] = &f;
    }
  for (const auto& [name, per_block] : by_name) {
    std::vector<std::vector<std::uint32_t>> category(blocks.size());
    for (std::size_t b = 0; b < blocks.size(); ++b)
      if (per_block[b] && !per_block[b]->categories.codes.empty())
        category[b] = codes(per_block[b]->categories, blocks[b].n, 1);
    // A column exists if a chosen record has the feature, and is numeric unless one has text.
    bool present = false, numeric = true;
    for (auto [b, i] : order) {
      const view::feature* f = per_block[b];
      if (!f) continue;
      if (!category[b].empty() && category[b][i] != 0) {
        present = true;
        numeric = false;
        break;
      }
      if (f->numbers && bits_at(f->numbers, i) != absent_bits) present = true;
    }
    if (!present) continue;
    production::feature_column col;
    col.name = std::string(name);
    col.numeric = numeric;
    if (numeric) {
      col.numbers.reserve(n);
      for (auto [b, i] : order) {
        const view::feature* f = per_block[b];
        const double v = f && f->numbers ? f64_at(f->numbers, i) : nan;
        col.numbers.push_back(std::isnan(v) ? nan : v);
      }
    } else {
      col.categories.reserve(n);
      for (auto [b, i] : order) {
        const view::feature* f = per_block[b];
        if (!f) {
          col.categories.emplace_back();
        } else if (!category[b].empty() && category[b][i] != 0) {
          col.categories.emplace_back(f->categories.values[category[b][i] - 1]);
        } else {
          const double v = f->numbers ? f64_at(f->numbers, i) : nan;
          col.categories.push_back(std::isnan(v) ? std::string() : number_text(v));
        }
      }
    }
    d.features.push_back(std::move(col));
  }
}

}  // namespace tracker::store::production_block
