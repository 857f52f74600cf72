// args.hpp — strict number parsing for the examples' command lines (fashion_mnist, serve_fashion):
// the whole text must be the number ("10x" and "" are refused).
#pragma once

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>

namespace fashion_mnist {

template <class T>
bool parse_number(std::string_view text, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    try {
      std::size_t used = 0;
      out = static_cast<T>(std::stod(std::string(text), &used));
      return used == text.size();
    } catch (...) {
      return false;
    }
  } else {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
  }
}

}  // namespace fashion_mnist
