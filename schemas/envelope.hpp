#pragma once
// The envelope every logged event travels in. Its on-disk record format is in
// storage/record_format.hpp; the payload is the event itself, serialized with
// Cereal's binary archive (see payload_codec.hpp).

#include <cstdint>
#include <string>
#include <string_view>

namespace linkly {

/// Stable numbers: they are stored in every record. Never renumber.
enum class event_type : std::uint16_t {
  link_created = 1,
  link_updated = 2,
  link_deleted = 3,
  // The clicks log's events (schemas/click_events.hpp) start at 16; 4..15 are
  // left free for the links log's.
  click_recorded = 16,
  orphan_visit = 17,    // a redirect miss (schemas/orphan_visit.hpp)
  visits_deleted = 18,  // a life's visits forgotten (schemas/visits_deleted.hpp)
  // The keys log's events (schemas/api_key_events.hpp) start at 32.
  api_key_created = 32,
  api_key_revoked = 33,
  // Events any log may hold about itself (schemas/log_events.hpp) start at 64.
  records_lost = 64,
};

/// "LinkCreated", ..., "ClickRecorded"; "Unknown" for a number this build
/// does not know.
std::string_view to_string(event_type t);

/// Whether events of type `t` belong in the clicks log (clicks, orphan
/// visits, deletions of visits) rather than the links log.
bool is_clicks_log_event(event_type t);

struct envelope {
  std::uint64_t seq = 0;             // assigned by the log on append; 0 before
  event_type type{};                 //
  std::uint32_t schema_version = 0;  // payload's version when it was written
  std::int64_t timestamp_ms = 0;     // UTC milliseconds since the epoch
  std::string key;                   // the entity: a link's code
  std::string payload;               // the event, Cereal binary
  // Where the click spool holds this click until it is durable
  // (storage/click_spool.hpp); 0 for none. Never stored or serialized, and
  // not part of the event: operator== ignores it.
  std::uint64_t spool_slot = 0;

  friend bool operator==(const envelope& a, const envelope& b) {
    return a.seq == b.seq && a.type == b.type && a.schema_version == b.schema_version &&
           a.timestamp_ms == b.timestamp_ms && a.key == b.key && a.payload == b.payload;
  }
};

}  // namespace linkly
