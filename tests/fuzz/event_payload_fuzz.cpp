// Event payloads (schemas/link_events, schemas/click_events: cereal and the
// hand-written click layout) and parked events (a projection's dead
// letters). A payload that decodes encodes back to one that decodes equal.
//
//   input := mode:u8 bytes
//   mode % 8: the envelope's type: 0 link_created, 1 link_updated,
//             2 link_deleted, 3 click_recorded, 5 visits_deleted (keyed
//             "code" when mode bit 5 is set), else the next 2 bytes
//   mode bit 3: bytes is a parked event (seq:u64-be record-value) instead;
//               bit 4 then fixes its record's checksum first

#include "actors/projection_runner.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "schemas/visits_deleted.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/store_input.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace {

void check_link_event(const linkly::envelope& env) {
  linkly::link_event event;
  if (!linkly::decode_link_event(env, &event)) return;
  linkly::link_event again;
  FUZZ_CHECK(linkly::decode_link_event(linkly::make_envelope(event, env.timestamp_ms), &again));
  FUZZ_CHECK(again.index() == event.index());
  FUZZ_CHECK(linkly::code_of(again) == linkly::code_of(event));
}

void check_click(const linkly::envelope& env) {
  linkly::click_recorded click;
  if (!linkly::decode_click(env, &click)) return;
  linkly::click_recorded again;
  FUZZ_CHECK(linkly::decode_click(linkly::make_click_envelope(click), &again));
  // NaN coordinates are kept as they are, and NaN != NaN.
  auto same = [](const std::optional<double>& a, const std::optional<double>& b) {
    return a.has_value() == b.has_value() && (!a || *a == *b || (*a != *a && *b != *b));
  };
  FUZZ_CHECK(same(again.latitude, click.latitude) && same(again.longitude, click.longitude));
  // The rest compares with ==; the coordinates are checked above.
  again.latitude = click.latitude = std::nullopt;
  again.longitude = click.longitude = std::nullopt;
  FUZZ_CHECK(again == click);
}

void check_visits_deleted(const linkly::envelope& env) {
  linkly::visits_deleted deletion;
  if (!linkly::decode_visits_deleted(env, &deletion)) return;
  linkly::visits_deleted again;
  FUZZ_CHECK(linkly::decode_visits_deleted(linkly::make_visits_deleted_envelope(deletion), &again));
  FUZZ_CHECK(again == deletion);
  FUZZ_CHECK(make_visits_deleted_envelope(deletion).payload == env.payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  if (mode & 8) {
    std::string parked(bytes);
    if ((mode & 16) && parked.size() >= linkly::kRecordKeySize) {
      std::string value = parked.substr(linkly::kRecordKeySize);
      linkly::fuzz::fix_crc(&value);
      parked.replace(linkly::kRecordKeySize, std::string::npos, value);
    }
    linkly::envelope env;
    if (linkly::decode_parked_event(parked, &env)) {
      linkly::envelope again;
      FUZZ_CHECK(linkly::decode_parked_event(linkly::encode_parked_event(env), &again));
      FUZZ_CHECK(again == env);
      check_link_event(env);
      check_click(env);
      check_visits_deleted(env);
    }
    return 0;
  }

  linkly::envelope env;
  switch (mode % 8) {
    case 0:
      env.type = linkly::event_type::link_created;
      break;
    case 1:
      env.type = linkly::event_type::link_updated;
      break;
    case 2:
      env.type = linkly::event_type::link_deleted;
      break;
    case 3:
      env.type = linkly::event_type::click_recorded;
      break;
    case 5:
      env.type = linkly::event_type::visits_deleted;
      if (mode & 32) env.key = "code";
      break;
    default:
      if (bytes.size() < 2) return 0;
      env.type = static_cast<linkly::event_type>(static_cast<std::uint8_t>(bytes[0]) |
                                                 static_cast<std::uint8_t>(bytes[1]) << 8);
      bytes.remove_prefix(2);
  }
  env.schema_version = 1;
  env.payload.assign(bytes);
  check_link_event(env);
  check_click(env);
  check_visits_deleted(env);
  (void)linkly::to_string(env.type);
  return 0;
}
