// production_blocks.hpp — the block format of production records (schema 5): the records of one
// model and kind, a few hundred per row of `production_blocks`, stored column by column.
// docs/store.md describes the bytes; this file is the only code that reads or writes them.
#pragma once

#include "store/production_tables.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tracker::store::production_block {

// Where a block is cut: records, or encoded bytes (a rewrite of the open block costs its size).
std::size_t max_records();
constexpr std::size_t max_bytes = 256 << 10;

// A NaN with this payload in a feature's numbers marks a record that does not have the feature
// (any other NaN is a missing value, read back as NaN / "").
constexpr std::uint64_t absent_bits = 0x7ff0'0000'0000'0001ull;

// Text values coded by their index in a dictionary of the block.
struct dictionary {
  std::vector<std::string> values;
  std::unordered_map<std::string, std::uint32_t> index;
  std::uint32_t code(const std::string& v);
  std::size_t bytes = 0;  // encoded size of the values
};

// The records of one block being built, column by column. Appending is O(record); encode()
// writes the whole block (the open block is rewritten by every commit that adds to it).
class builder {
 public:
  void add(const production_row& r);
  std::size_t size() const { return n_; }
  bool full() const { return n_ >= max_records() || encoded_size() >= max_bytes; }
  double min_time() const { return min_time_; }
  double max_time() const { return max_time_; }
  void encode(std::string& out) const;
  void clear() { *this = builder{}; }

 private:
  struct feature {
    std::string name;
    std::string numbers;  // n × float64 (NaN: missing; absent_bits: no such feature)
    dictionary categories;
    std::string codes;     // n × varint: 0 = not a category, k = categories.values[k - 1]
    bool any_category = false, all_category = true;
  };
  std::size_t encoded_size() const;
  void pad(feature& f) const;  // appends "absent" for the rows before f appeared

  std::size_t n_ = 0;
  double min_time_ = 0, max_time_ = 0;
  std::string ids_, times_, confidence_, latency_, probabilities_, tag_codes_, image_;
  dictionary predicted_, label_, tags_;
  std::string predicted_codes_, label_codes_;
  std::vector<feature> features_;
  std::unordered_map<std::string, std::size_t> feature_index_;
  std::size_t feature_bytes_ = 0;
};

// A block parsed in place: views into the blob, which must outlive it. Throws store_corrupt
// for a damaged blob (every length is checked).
struct view {
  struct bytes {
    const std::uint8_t* p = nullptr;
    const std::uint8_t* end = nullptr;
    bool empty() const { return p == end; }
  };
  struct dict_column {
    std::vector<std::string_view> values;
    bytes codes;
  };
  struct feature {
    std::string_view name;
    const std::uint8_t* numbers = nullptr;  // n × float64, or null: every record has a category
    dict_column categories;                 // codes empty: no record has a category
  };
  std::size_t n = 0;
  bytes ids, probabilities, tags, image;
  const std::uint8_t* times = nullptr;
  const std::uint8_t* confidence = nullptr;
  const std::uint8_t* latency = nullptr;
  dict_column predicted, label, tag_dictionary;
  std::vector<feature> features;
};
view parse(const void* data, std::size_t size);

// Column decoders over a view (all bounds-checked).
double f64_at(const std::uint8_t* column, std::size_t i);
std::uint64_t bits_at(const std::uint8_t* column, std::size_t i);
std::vector<std::string_view> texts(const view::bytes& column, std::size_t n);  // ids, image
// Codes of a dictionary column; with `offset` 1, code 0 means "none" (feature categories).
std::vector<std::uint32_t> codes(const view::dict_column& column, std::size_t n, std::uint32_t offset = 0);

// Every record of a block, as written (features in the block's column order; a missing value
// comes back as NaN or "", an absent feature not at all).
std::vector<production_row> rows(const view& v, std::int64_t rid, int kind);

// A record chosen for a read: its block (index into the blocks given) and row in the block.
struct pick {
  std::uint32_t block;
  std::uint32_t row;
};
// Fills out's record columns (ids to features; label is the record's own, flag and reason
// empty) from the chosen records, in the order given (production_columns.cpp).
void fill(const std::vector<view>& blocks, const std::vector<pick>& order, production::dataset& out);

}  // namespace tracker::store::production_block
