#include "http/click_capture.hpp"

#include <charconv>
#include <cmath>

namespace linkly {

std::optional<double> parse_coordinate(std::string_view value) {
  if (value.empty()) return std::nullopt;
  double out = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (ec != std::errc() || ptr != end || !std::isfinite(out)) return std::nullopt;
  return out;
}

}  // namespace linkly
