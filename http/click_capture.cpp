#include "http/click_capture.hpp"

#include "schemas/click_fields.hpp"

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

void capture_click_fields(const click_header_values& values, click_recorded* click) {
  click->country = country_code(values.country);
  click->latitude = parse_coordinate(values.latitude);
  click->longitude = parse_coordinate(values.longitude);
  click->referrer = std::string(cut_utf8(values.referrer, kMaxReferrerBytes));
  click->user_agent = std::string(cut_utf8(values.user_agent, kMaxUserAgentBytes));
}

}  // namespace linkly
