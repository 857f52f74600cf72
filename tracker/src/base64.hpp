// base64.hpp — RFC 4648 base64 (standard alphabet, '=' padding), for binary inside JSON: the
// "predictions" object's packed arrays and the images production records carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracker::detail {

std::string base64_encode(const std::uint8_t* data, std::size_t size);
inline std::string base64_encode(const std::vector<std::uint8_t>& in) { return base64_encode(in.data(), in.size()); }
// nullopt when the text is not padded base64 (wrong length, a character outside the alphabet,
// '=' anywhere but the last two places).
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view in);

}  // namespace tracker::detail
