#include "schemas/link_events.hpp"

namespace linkly {

envelope make_envelope(const link_event& event, std::int64_t timestamp_ms) {
  return std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        envelope env;
        env.type = T::type;
        env.schema_version = schema_version_of<T>();
        env.timestamp_ms = timestamp_ms;
        env.key = e.code;
        env.payload = encode_payload(e);
        return env;
      },
      event);
}

namespace {
template <class T>
bool decode_as(const envelope& env, link_event* out) {
  T value;
  if (!decode_payload(env.payload, &value)) return false;
  *out = std::move(value);
  return true;
}
}  // namespace

bool decode_link_event(const envelope& env, link_event* out) {
  switch (env.type) {
    case event_type::link_created:
      return decode_as<link_created>(env, out);
    case event_type::link_updated:
      return decode_as<link_updated>(env, out);
    case event_type::link_deleted:
      return decode_as<link_deleted>(env, out);
    case event_type::click_recorded:
      return false;  // a clicks-log event: decode_click
    case event_type::orphan_visit:
      return false;  // a clicks-log event: decode_orphan_visit
    case event_type::visits_deleted:
      return false;  // a clicks-log event: decode_visits_deleted
    case event_type::api_key_created:
    case event_type::api_key_revoked:
      return false;  // a keys-log event: schemas/api_key_events.hpp
    case event_type::records_lost:
      return false;  // about the log itself: decode_records_lost
  }
  return false;
}

namespace {

struct attributes_wire {
  link_attributes* value;
  template <class Archive>
  void serialize(Archive& ar) {
    serialize_attributes(ar, *value);
  }
};

struct patch_wire {
  link_attributes_patch* value;
  template <class Archive>
  void serialize(Archive& ar) {
    link_attributes_patch& p = *value;
    ar(p.title, p.tags, p.valid_since_ms, p.valid_until_ms, p.max_visits, p.forward_query,
       p.crawlable);
  }
};

}  // namespace

std::string encode_attributes(const link_attributes& attrs) {
  link_attributes copy = attrs;
  return encode_payload(attributes_wire{&copy});
}

bool decode_attributes(std::string_view bytes, link_attributes* out) {
  attributes_wire wire{out};
  return decode_payload(bytes, &wire);
}

std::string encode_patch(const link_attributes_patch& patch) {
  link_attributes_patch copy = patch;
  return encode_payload(patch_wire{&copy});
}

bool decode_patch(std::string_view bytes, link_attributes_patch* out) {
  patch_wire wire{out};
  return decode_payload(bytes, &wire);
}

const std::string& code_of(const link_event& event) {
  return std::visit([](const auto& e) -> const std::string& { return e.code; }, event);
}

}  // namespace linkly
