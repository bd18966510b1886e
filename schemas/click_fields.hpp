#pragma once
// Bounds on what a click keeps of the request: every field a client writes
// is cut or checked here, at capture, so a click record and the analytics
// keys derived from it stay small whatever the client sends. Analytics
// applies the same rules again to records written before they existed.

#include <cstddef>
#include <string>
#include <string_view>

namespace linkly {

/// Bytes of User-Agent kept. Current browsers' strings are 70-150 bytes
/// (Chrome's reduced desktop one is 111); a longer one loses its tail. With
/// kMaxReferrerBytes, what keeps a click under ~270 bytes on disk whatever
/// the client sends (tests/e2e/hostile_clicks_test.cpp: 300 is the budget).
inline constexpr std::size_t kMaxUserAgentBytes = 112;

/// Bytes of Referer kept. Browsers send only the origin cross-site by
/// default ("https://www.google.com/"), so this keeps the host of nearly
/// every referrer (hosts up to ~39 bytes) and a little of its path;
/// analytics reads the host only, and only when the cut left it whole.
inline constexpr std::size_t kMaxReferrerBytes = 48;

/// The longest referrer host counted in analytics: a DNS name's limit
/// (RFC 1035: 253 characters, labels of at most 63).
inline constexpr std::size_t kMaxReferrerHostBytes = 253;
inline constexpr std::size_t kMaxHostLabelBytes = 63;

/// `s` cut to at most `max_bytes` without splitting a UTF-8 sequence: a cut
/// inside one moves back to its first byte (at most 3 bytes back; bytes
/// that are not UTF-8 are cut at `max_bytes`).
std::string_view cut_utf8(std::string_view s, std::size_t max_bytes);

/// An ISO 3166-1 alpha-2 country code from a CDN's country header: exactly
/// two ASCII letters, upper-cased ("de" -> "DE"). Anything else, and
/// Cloudflare's "XX" (no country known), gives "" (no country). Cloudflare's
/// "T1" (Tor) is not a country code either: "".
std::string country_code(std::string_view header);

/// True for a DNS host name as analytics keeps it: lower-case letters,
/// digits, '-' and '.', labels of 1-63 bytes, at most 253 bytes in all (a
/// trailing dot allowed); an IPv4 address passes too.
bool is_host_name(std::string_view host);

}  // namespace linkly
