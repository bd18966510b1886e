#pragma once
// VisitsDeleted: the visits of one life of a link (or the orphan visits)
// recorded so far are forgotten. It is an event of the clicks log, appended
// synchronously (acknowledged, never through the click queue), so that it
// sits exactly between the clicks it removes and those that count afresh,
// whatever the lag between the links and the clicks logs. The analytics
// projection applies it in clicks-log order (actors/analytics_projection.hpp).
//
// Payload version 1 (cereal_layout.hpp's layout):
//   version:u32(=1) flags:u8 incarnation:u64
//   flags: bit 0 unnamed_too, bit 1 orphans; no other bit is set.
// The envelope's key is the link's code (empty for the orphan visits), its
// timestamp the time of the deletion.

#include "schemas/envelope.hpp"

#include <cstdint>
#include <string>

namespace linkly {

struct visits_deleted {
  static constexpr event_type type = event_type::visits_deleted;
  std::string code;               // empty when `orphans`
  std::uint64_t incarnation = 0;  // the life (stored_link::incarnation()); 0 when `orphans`
  /// The life is its code's first: the clicks that name no incarnation
  /// (payload versions 1 and 2, schemas/click_events.hpp) are its own and go
  /// too. Decided by whoever knows the links log (the link's table), so the
  /// projection need not have read that far.
  bool unnamed_too = false;
  /// The orphan visits (schemas/orphan_visit.hpp) instead of a link's.
  bool orphans = false;
  std::int64_t deleted_at_ms = 0;  // UTC ms

  friend bool operator==(const visits_deleted&, const visits_deleted&) = default;
};

inline constexpr std::uint32_t kVisitsDeletedPayloadVersion = 1;

/// The envelope (seq 0) of `event`.
envelope make_visits_deleted_envelope(const visits_deleted& event);

/// False, leaving *out unchanged, for another type or bytes that do not hold
/// a version 1 payload whole (or hold unknown flags, or an orphans deletion
/// with a code).
bool decode_visits_deleted(const envelope& env, visits_deleted* out);

}  // namespace linkly
