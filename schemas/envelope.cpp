#include "schemas/envelope.hpp"

namespace linkly {

// Every event family's names live here, so a switch without a default makes
// the compiler flag a new event_type that was not named.
std::string_view to_string(event_type t) {
  switch (t) {
    case event_type::link_created:
      return "LinkCreated";
    case event_type::link_updated:
      return "LinkUpdated";
    case event_type::link_deleted:
      return "LinkDeleted";
    case event_type::click_recorded:
      return "ClickRecorded";
    case event_type::orphan_visit:
      return "OrphanVisit";
    case event_type::visits_deleted:
      return "VisitsDeleted";
    case event_type::api_key_created:
      return "ApiKeyCreated";
    case event_type::api_key_revoked:
      return "ApiKeyRevoked";
    case event_type::records_lost:
      return "RecordsLost";
  }
  return "Unknown";
}

bool is_clicks_log_event(event_type t) {
  return t == event_type::click_recorded || t == event_type::orphan_visit ||
         t == event_type::visits_deleted;
}

}  // namespace linkly
