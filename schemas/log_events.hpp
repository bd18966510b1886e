#pragma once
// Events a log holds about itself rather than about links or clicks.
//
// RecordsLost marks a sequence number whose record was lost to damage (a torn
// or corrupt LevelDB .log) after a projection had applied it. `linkly log
// repair` writes one per lost seq, so that no later event is given a seq that
// readers already knew as another event. Every projection and every link
// replay skips it; `log dump` and /events show it as what it is.

#include "schemas/envelope.hpp"
#include "schemas/payload_codec.hpp"

#include <cereal/cereal.hpp>

#include <cstdint>
#include <string>

namespace linkly {

struct records_lost {
  static constexpr event_type type = event_type::records_lost;
  std::uint64_t first = 0;  // the lost range this marker is part of
  std::uint64_t last = 0;
  std::string reason;  // how the loss was found, e.g. "the cache held seq 1064"

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(first, last, reason);
  }

  friend bool operator==(const records_lost&, const records_lost&) = default;
};

/// An envelope (seq 0, empty key) carrying `marker`.
envelope make_records_lost_envelope(const records_lost& marker, std::int64_t timestamp_ms);

/// False for another event type or a payload that does not decode.
bool decode_records_lost(const envelope& env, records_lost* out);

inline bool is_records_lost(const envelope& env) {
  return env.type == event_type::records_lost;
}

}  // namespace linkly

CEREAL_CLASS_VERSION(linkly::records_lost, 1);
