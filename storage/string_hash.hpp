#pragma once
// string_hash: a hash for unordered maps keyed by std::string that are
// looked up by std::string_view (or a literal) without building a string.
// Use with std::equal_to<>: `std::unordered_map<std::string, T, string_hash,
// std::equal_to<>>`.

#include <cstddef>
#include <functional>
#include <string_view>

namespace linkly {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

}  // namespace linkly
