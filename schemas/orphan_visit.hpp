#pragma once
// OrphanVisit: a request to the redirect route that found no link (an
// unknown or deleted code), recorded in the clicks log through the same
// bounded queue as clicks, so that a misspelt or dead short url is seen
// (Shlink calls these orphan visits).
//
// Payload version 1 (cereal_layout.hpp's layout: lengths are u64):
//   version:u32(=1) flags:u8 (bit 0 potential_bot, bit 1 regular_404)
//   visited_url country referrer user_agent client_address
// The envelope's timestamp is the visit's time; its key is empty.

#include "schemas/envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace linkly {

/// What kind of miss: "invalid_short_url", a path shaped like a short code
/// (/s/{code} or /{code} whose code is well-formed) that names no live
/// link; "regular_404", any other path the redirect route was asked for.
enum class orphan_kind : std::uint8_t { invalid_short_url = 0, regular_404 = 1 };

/// "invalid_short_url" / "regular_404".
std::string_view to_string(orphan_kind kind);

/// Bytes of the path asked for kept in an orphan visit: any client can send
/// any path, and a visit must stay small (like a click's referrer).
inline constexpr std::size_t kMaxVisitedUrlBytes = 256;

struct orphan_visit {
  static constexpr event_type type = event_type::orphan_visit;
  std::int64_t visited_at_ms = 0;  // UTC ms
  orphan_kind kind = orphan_kind::invalid_short_url;
  std::string visited_url;  // the request's path (and query), cut to kMaxVisitedUrlBytes
  std::string country;      // as a click's (http/click_capture.hpp)
  std::string referrer;
  std::string user_agent;
  std::string client_address;
  bool potential_bot = false;

  friend bool operator==(const orphan_visit&, const orphan_visit&) = default;
};

inline constexpr std::uint32_t kOrphanVisitPayloadVersion = 1;

/// The envelope (seq 0) of `visit`.
envelope make_orphan_envelope(const orphan_visit& visit);

/// False, leaving *out unchanged, for another type or bytes that do not hold
/// a version 1 payload whole.
bool decode_orphan_visit(const envelope& env, orphan_visit* out);

}  // namespace linkly
