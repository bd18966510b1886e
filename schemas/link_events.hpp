#pragma once
// Events of the links log. Past tense: each records something that happened.
// Adding a field: bump CEREAL_CLASS_VERSION and read the field only when
// `version` says it was written (see tests/schemas/schema_evolution_test.cpp).

#include "schemas/envelope.hpp"
#include "schemas/payload_codec.hpp"

#include <cereal/cereal.hpp>

#include <cstdint>
#include <string>
#include <variant>

namespace linkly {

struct link_created {
  static constexpr event_type type = event_type::link_created;
  std::string code;
  std::string url;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(code, url);
  }
};

struct link_updated {
  static constexpr event_type type = event_type::link_updated;
  std::string code;
  std::string url;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(code, url);
  }
};

struct link_deleted {
  static constexpr event_type type = event_type::link_deleted;
  std::string code;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(code);
  }
};

using link_event = std::variant<link_created, link_updated, link_deleted>;

/// An envelope (seq 0) carrying `event`, stamped with `timestamp_ms`.
envelope make_envelope(const link_event& event, std::int64_t timestamp_ms);

/// Decodes a links-log envelope. False for another event type or a payload
/// that does not decode.
bool decode_link_event(const envelope& env, link_event* out);

/// The code a link event is about.
const std::string& code_of(const link_event& event);

}  // namespace linkly

CEREAL_CLASS_VERSION(linkly::link_created, 1);
CEREAL_CLASS_VERSION(linkly::link_updated, 1);
CEREAL_CLASS_VERSION(linkly::link_deleted, 1);
