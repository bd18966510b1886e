#pragma once
// Reading an RFC 3339 timestamp ("2026-12-05T12:00:00Z",
// "2026-12-05T13:00:00.250+01:00") as UTC milliseconds: what every route
// that takes a time accepts. Writing is format_utc_ms (clock.hpp).

#include <cstdint>
#include <string_view>

namespace linkly {

/// `text` as ms since the epoch (UTC). A date and a time with "T" (or "t",
/// or a space) between, seconds required, an optional fraction (digits past
/// milliseconds are cut), then "Z" or an offset "+HH:MM" / "-HH:MM". Years
/// 0001-9999. False for anything else, or a field out of range.
bool parse_rfc3339_ms(std::string_view text, std::int64_t* out);

}  // namespace linkly
