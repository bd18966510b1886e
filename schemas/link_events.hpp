#pragma once
// Events of the links log. Past tense: each records something that happened.
// Adding a field: bump CEREAL_CLASS_VERSION and read the field only when
// `version` says it was written (see tests/schemas/schema_evolution_test.cpp).

#include "schemas/envelope.hpp"
#include "schemas/link_attributes.hpp"
#include "schemas/payload_codec.hpp"

#include <cereal/cereal.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/vector.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace linkly {

/// The attributes' fields in the order events write them (from version 2
/// of link_created and link_updated on).
template <class Archive>
void serialize_attributes(Archive& ar, link_attributes& a) {
  ar(a.title, a.tags, a.valid_since_ms, a.valid_until_ms, a.max_visits, a.forward_query,
     a.crawlable);
}

/// A link's life begins (a new code, or a deleted one used again: a new
/// incarnation). Version 1 had no attributes: it reads as the defaults.
struct link_created {
  static constexpr event_type type = event_type::link_created;
  std::string code;
  std::string url;
  link_attributes attrs = {};  // version 2

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(code, url);
    if (version >= 2) serialize_attributes(ar, attrs);
  }
};

/// A live link changed. It carries the link's whole state after the change
/// (url and attributes, not the patch), so replay sets rather than merges.
/// Version 1 changed the url only: `attrs` is then nullopt (unchanged).
struct link_updated {
  static constexpr event_type type = event_type::link_updated;
  std::string code;
  std::string url;
  std::optional<link_attributes> attrs = {};  // version 2: always set when written

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(code, url);
    if (version < 2) return;
    if constexpr (Archive::is_saving::value) {
      // Writers always set it; unset (a test's shorthand) writes the defaults.
      link_attributes defaults;
      serialize_attributes(ar, attrs ? *attrs : defaults);
    } else {
      serialize_attributes(ar, attrs.emplace());
    }
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

/// The attributes (and a patch of them) as bytes, in the encoding events
/// use: for the snapshots and actor messages that carry them.
std::string encode_attributes(const link_attributes& attrs);
bool decode_attributes(std::string_view bytes, link_attributes* out);
std::string encode_patch(const link_attributes_patch& patch);
bool decode_patch(std::string_view bytes, link_attributes_patch* out);

/// The code a link event is about.
const std::string& code_of(const link_event& event);

}  // namespace linkly

CEREAL_CLASS_VERSION(linkly::link_created, 2);
CEREAL_CLASS_VERSION(linkly::link_updated, 2);
CEREAL_CLASS_VERSION(linkly::link_deleted, 1);
