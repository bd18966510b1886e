#include "schemas/orphan_visit.hpp"

#include "schemas/cereal_layout.hpp"

#include <utility>

namespace linkly {

namespace {

constexpr std::uint8_t kBot = 1;
constexpr std::uint8_t kRegular404 = 2;

}  // namespace

std::string_view to_string(orphan_kind kind) {
  return kind == orphan_kind::regular_404 ? "regular_404" : "invalid_short_url";
}

envelope make_orphan_envelope(const orphan_visit& visit) {
  using cereal_layout::put;
  envelope env;
  env.type = orphan_visit::type;
  env.schema_version = kOrphanVisitPayloadVersion;
  env.timestamp_ms = visit.visited_at_ms;
  put<std::uint32_t>(&env.payload, kOrphanVisitPayloadVersion);
  put<std::uint8_t>(&env.payload, static_cast<std::uint8_t>(
                                      (visit.potential_bot ? kBot : 0) |
                                      (visit.kind == orphan_kind::regular_404 ? kRegular404 : 0)));
  for (const std::string* s : {&visit.visited_url, &visit.country, &visit.referrer,
                               &visit.user_agent, &visit.client_address}) {
    put(&env.payload, std::string_view(*s));
  }
  return env;
}

bool decode_orphan_visit(const envelope& env, orphan_visit* out) {
  if (env.type != orphan_visit::type) return false;
  cereal_layout::reader in(env.payload);
  std::uint32_t version = 0;
  std::uint8_t flags = 0;
  orphan_visit v;
  if (!in.get(&version) || version != kOrphanVisitPayloadVersion || !in.get(&flags) ||
      (flags & ~(kBot | kRegular404)) != 0) {
    return false;
  }
  if (!(in.get(&v.visited_url) && in.get(&v.country) && in.get(&v.referrer) &&
        in.get(&v.user_agent) && in.get(&v.client_address) && in.at_end())) {
    return false;
  }
  v.visited_at_ms = env.timestamp_ms;
  v.potential_bot = (flags & kBot) != 0;
  v.kind = (flags & kRegular404) != 0 ? orphan_kind::regular_404 : orphan_kind::invalid_short_url;
  *out = std::move(v);
  return true;
}

}  // namespace linkly
