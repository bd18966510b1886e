#pragma once
// What a redirect reads from the request to record a click, besides the
// standard Referer and User-Agent headers. Beast- and CAF-free: the app sets
// it through server_options.

#include "schemas/click_events.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace linkly {

/// Names of the request headers a CDN or proxy in front of linkly fills in
/// (Cloudflare's by default). Matched case-insensitively.
struct click_headers {
  std::string country = "CF-IPCountry";
  std::string latitude = "CF-IPLatitude";
  std::string longitude = "CF-IPLongitude";
};

/// The raw values of the headers a click reads ("" when absent).
struct click_header_values {
  std::string_view country;
  std::string_view latitude;
  std::string_view longitude;
  std::string_view referrer;
  std::string_view user_agent;
};

/// The request-derived fields of a click from `values`, bounded as
/// capture_click_fields says, as views of the request's bytes; the country,
/// normalised, is kept in `*country` (two letters: no allocation).
/// `values` must outlive the result's use.
void capture_click_view(const click_header_values& values, std::string* country, click_view* out);

/// Sets the request-derived fields of `click` from `values`, bounded so a
/// click stays small whatever the client sends (schemas/click_fields.hpp):
/// the country only as an ISO 3166 alpha-2 code, the user agent and the
/// referrer cut to kMaxUserAgentBytes / kMaxReferrerBytes on a UTF-8
/// boundary, coordinates only when they parse; potential_bot from the kept
/// user agent (schemas/bot_patterns.hpp).
void capture_click_fields(const click_header_values& values, click_recorded* click);

/// A latitude or longitude header value: a finite decimal number taking the
/// whole value ("48.8566", "-3.5e1"). nullopt when absent ("") or unparsable.
std::optional<double> parse_coordinate(std::string_view value);

}  // namespace linkly
