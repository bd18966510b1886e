#pragma once
// The redirect's answer once the link's url is known: a 302 whose Location
// is the url, re-checked first (link_rules.hpp is_safe_location), because a
// store on disk can be damaged or tampered with and a CR or LF written into
// a response head would split it.

#include "http/responses.hpp"

#include <string_view>

namespace linkly {

/// 302 to `url`, or, when the stored url of `code` is not a safe Location,
/// 500 JSON {"error": ...} and an error log line naming `code` (at most one
/// a second, with the count of refusals since the last).
http_response location_response(std::string_view code, std::string_view url);

}  // namespace linkly
