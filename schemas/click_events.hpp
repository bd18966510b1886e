#pragma once
// Events of the clicks log, recorded off the redirect path. The log uses the
// links log's record format (storage/record_format.hpp); only the envelope's
// type and payload differ.
//
// Payload versions: 1 is cereal's layout (serialize() below), still read.
// 2 is compact, by hand (every redirect writes one; cereal's 8-byte lengths
// and the code and time the envelope already holds were a third of a click):
//   version:u32(=2) link_version:u32 has:u8 (bit 0 latitude, bit 1 longitude)
//   [latitude:f64] [longitude:f64] then url country referrer user_agent
//   client_address, each a LEB128 length and its bytes.
// 3, written since, adds bit 2 of `has` (potential_bot) and, right after
// `has`, the link's incarnation as a LEB128 number:
//   version:u32(=3) link_version:u32 has:u8 incarnation:varint [latitude]
//   [longitude] url country referrer user_agent client_address.
// Numbers in the machine's byte order, as cereal writes them. The code and
// clicked_at_ms are the envelope's key and timestamp. A click of version 1
// or 2 decodes with incarnation 0 (unknown: the code's first incarnation,
// the only one there was when it was written) and potential_bot judged from
// its user agent (schemas/bot_patterns.hpp).

#include "schemas/envelope.hpp"
#include "schemas/payload_codec.hpp"

#include <cereal/cereal.hpp>
#include <cereal/types/optional.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkly {

/// One redirect served. Request-derived fields are bounded at capture
/// (http/click_capture.hpp); records written before that keep what was sent.
struct click_recorded {
  static constexpr event_type type = event_type::click_recorded;
  std::string code;
  std::int64_t clicked_at_ms = 0;   // UTC milliseconds since the epoch
  std::uint32_t link_version = 0;   // the link's version the redirect used
  std::string url;                  // the destination redirected to
  std::string country;              // CF-IPCountry as alpha-2; empty if none
  std::optional<double> latitude;   // CF-IPLatitude, if present
  std::optional<double> longitude;  // CF-IPLongitude, if present
  std::string referrer;             // Referer; empty if absent
  std::string user_agent;           // User-Agent; empty if absent
  std::string client_address;       // already truncated: IPv4 /24, IPv6 /48
  bool potential_bot = false;       // by its user agent (schemas/bot_patterns.hpp)
  // The seq of the LinkCreated the link's life began with
  // (stored_link::incarnation()); 0 = unknown (payload version 1 or 2): the
  // code's first incarnation.
  std::uint64_t incarnation = 0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(code, clicked_at_ms, link_version, url, country, latitude, longitude, referrer, user_agent,
       client_address);
  }

  friend bool operator==(const click_recorded&, const click_recorded&) = default;
};

/// The payload version make_click_envelope writes (see the top).
inline constexpr std::uint32_t kClickPayloadVersion = 3;

/// A click's payload fields where they already are (a request's headers, a
/// link's url): encoded from there, with no copy in between.
struct click_view {
  std::uint32_t link_version = 0;
  std::string_view url;
  std::string_view country;
  std::optional<double> latitude;
  std::optional<double> longitude;
  std::string_view referrer;
  std::string_view user_agent;
  std::string_view client_address;
  bool potential_bot = false;
  std::uint64_t incarnation = 0;
};

/// The version 3 payload of `click` (its code and time are not in it).
std::string encode_click(const click_recorded& click);

/// The version 3 payload of `click`, appended to `*out` (one allocation at
/// most: the exact size is reserved first).
void encode_click(const click_view& click, std::string* out);

/// An envelope (seq 0) carrying `click`: timestamp clicked_at_ms, key the code.
envelope make_click_envelope(const click_recorded& click);

/// The same for the click of `code` at `clicked_at_ms` (UTC ms) whose
/// fields are `click`: key moved in, payload encoded from the views into
/// `payload_buffer` (its content replaced, its capacity reused).
envelope make_click_envelope(std::string code, std::int64_t clicked_at_ms, const click_view& click,
                             std::string payload_buffer = {});

/// Decodes a clicks-log envelope, any payload version. False, leaving *out
/// unchanged, for another event type or a payload that does not decode.
bool decode_click(const envelope& env, click_recorded* out);

/// Decodes a payload of version 2 or 3 in place: *out views env.payload
/// (a fold reading a few fields of every click copies none). Its code and
/// time are env.key and env.timestamp_ms. False for another event type, an
/// older payload (decode it whole) or bytes that do not decode.
bool decode_click(const envelope& env, click_view* out);

/// The views of `click`'s payload fields.
click_view view_of(const click_recorded& click);

/// The client's network rather than its host, for privacy: "a.b.c.0" for an
/// IPv4 address (/24), the first 48 bits of an IPv6 one in canonical form
/// ("2001:db8:abcd::"; shorter when trailing groups of them are zero, e.g.
/// "2001:db8::"), the IPv4 rule for an IPv4-mapped IPv6 address
/// ("::ffff:1.2.3.4" -> "1.2.3.0"), and "" for anything unparsable. A zone
/// ("fe80::1%eth0") is dropped.
std::string truncate_client_address(std::string_view ip);

}  // namespace linkly

// Cereal reads the version 1 payloads; it never writes clicks.
CEREAL_CLASS_VERSION(linkly::click_recorded, 1);
