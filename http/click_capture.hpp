#pragma once
// What a redirect reads from the request to record a click, besides the
// standard Referer and User-Agent headers. Beast- and CAF-free: the app sets
// it through server_options.

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

/// A latitude or longitude header value: a finite decimal number taking the
/// whole value ("48.8566", "-3.5e1"). nullopt when absent ("") or unparsable.
std::optional<double> parse_coordinate(std::string_view value);

}  // namespace linkly
