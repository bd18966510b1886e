#include "schemas/log_events.hpp"

namespace linkly {

envelope make_records_lost_envelope(const records_lost& marker, std::int64_t timestamp_ms) {
  envelope env;
  env.type = records_lost::type;
  env.schema_version = schema_version_of<records_lost>();
  env.timestamp_ms = timestamp_ms;
  env.payload = encode_payload(marker);
  return env;
}

bool decode_records_lost(const envelope& env, records_lost* out) {
  if (env.type != records_lost::type) return false;
  records_lost value;
  if (!decode_payload(env.payload, &value)) return false;
  *out = std::move(value);
  return true;
}

}  // namespace linkly
