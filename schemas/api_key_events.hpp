#pragma once
// The keys log's events (data/keys): API keys are created and revoked, never
// changed otherwise. Only the SHA-256 digest of a key is stored; the key
// itself exists only in the answer to the request that created it.
//
// The envelope's key is the key's name and its timestamp is when the key was
// created (ApiKeyCreated) or revoked (ApiKeyRevoked).

#include "schemas/envelope.hpp"
#include "schemas/payload_codec.hpp"

#include <cereal/cereal.hpp>

#include <cstdint>
#include <string>
#include <variant>

namespace linkly {

struct api_key_created {
  static constexpr event_type type = event_type::api_key_created;
  std::string name;
  std::string digest;              // SHA-256 of the key, 32 raw bytes
  std::int64_t expires_at_ms = 0;  // UTC ms; 0: never expires

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(name, digest, expires_at_ms);
  }

  friend bool operator==(const api_key_created&, const api_key_created&) = default;
};

struct api_key_revoked {
  static constexpr event_type type = event_type::api_key_revoked;
  std::string name;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(name);
  }

  friend bool operator==(const api_key_revoked&, const api_key_revoked&) = default;
};

using api_key_event = std::variant<api_key_created, api_key_revoked>;

/// An envelope (seq 0) carrying `event`, keyed by the key's name.
envelope make_api_key_envelope(const api_key_event& event, std::int64_t timestamp_ms);

/// False for another event type or a payload that does not decode.
bool decode_api_key_event(const envelope& env, api_key_event* out);

}  // namespace linkly

CEREAL_CLASS_VERSION(linkly::api_key_created, 1);
CEREAL_CLASS_VERSION(linkly::api_key_revoked, 1);
