#include "schemas/api_key_events.hpp"

namespace linkly {

namespace {

template <class T>
bool decode_as(const envelope& env, api_key_event* out) {
  T value;
  if (!decode_payload(env.payload, &value)) return false;
  *out = std::move(value);
  return true;
}

}  // namespace

envelope make_api_key_envelope(const api_key_event& event, std::int64_t timestamp_ms) {
  envelope env;
  env.timestamp_ms = timestamp_ms;
  std::visit(
      [&env](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        env.type = T::type;
        env.schema_version = schema_version_of<T>();
        env.key = e.name;
        env.payload = encode_payload(e);
      },
      event);
  return env;
}

bool decode_api_key_event(const envelope& env, api_key_event* out) {
  switch (env.type) {
    case event_type::api_key_created:
      return decode_as<api_key_created>(env, out);
    case event_type::api_key_revoked:
      return decode_as<api_key_revoked>(env, out);
    default:
      return false;
  }
}

}  // namespace linkly
