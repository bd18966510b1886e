#include "http/click_capture.hpp"

#include "schemas/bot_patterns.hpp"
#include "schemas/click_fields.hpp"

#include <charconv>
#include <cmath>
#include <utility>

namespace linkly {

std::optional<double> parse_coordinate(std::string_view value) {
  if (value.empty()) return std::nullopt;
  double out = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, out);
  if (ec != std::errc() || ptr != end || !std::isfinite(out)) return std::nullopt;
  return out;
}

void capture_click_view(const click_header_values& values, std::string* country, click_view* out) {
  *country = country_code(values.country);
  out->country = *country;
  out->latitude = parse_coordinate(values.latitude);
  out->longitude = parse_coordinate(values.longitude);
  out->referrer = cut_utf8(values.referrer, kMaxReferrerBytes);
  out->user_agent = cut_utf8(values.user_agent, kMaxUserAgentBytes);
  // Judged on what is kept, so reading the click again gives the same answer.
  out->potential_bot = is_potential_bot(out->user_agent);
}

void capture_click_fields(const click_header_values& values, click_recorded* click) {
  std::string country;
  click_view view;
  capture_click_view(values, &country, &view);
  click->country = std::move(country);
  click->latitude = view.latitude;
  click->longitude = view.longitude;
  click->referrer = std::string(view.referrer);
  click->user_agent = std::string(view.user_agent);
  click->potential_bot = view.potential_bot;
}

}  // namespace linkly
