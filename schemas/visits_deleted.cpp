#include "schemas/visits_deleted.hpp"

#include "schemas/cereal_layout.hpp"

#include <utility>

namespace linkly {

namespace {

constexpr std::uint8_t kUnnamedToo = 1;
constexpr std::uint8_t kOrphans = 2;

}  // namespace

envelope make_visits_deleted_envelope(const visits_deleted& event) {
  using cereal_layout::put;
  envelope env;
  env.type = visits_deleted::type;
  env.schema_version = kVisitsDeletedPayloadVersion;
  env.timestamp_ms = event.deleted_at_ms;
  env.key = event.code;
  put<std::uint32_t>(&env.payload, kVisitsDeletedPayloadVersion);
  put<std::uint8_t>(&env.payload, static_cast<std::uint8_t>((event.unnamed_too ? kUnnamedToo : 0) |
                                                            (event.orphans ? kOrphans : 0)));
  put<std::uint64_t>(&env.payload, event.incarnation);
  return env;
}

bool decode_visits_deleted(const envelope& env, visits_deleted* out) {
  if (env.type != visits_deleted::type) return false;
  cereal_layout::reader in(env.payload);
  std::uint32_t version = 0;
  std::uint8_t flags = 0;
  visits_deleted e;
  if (!in.get(&version) || version != kVisitsDeletedPayloadVersion || !in.get(&flags) ||
      (flags & ~(kUnnamedToo | kOrphans)) != 0 || !in.get(&e.incarnation) || !in.at_end()) {
    return false;
  }
  e.unnamed_too = (flags & kUnnamedToo) != 0;
  e.orphans = (flags & kOrphans) != 0;
  // The orphan visits belong to no link: a code with them is not this event.
  if (e.orphans && (!env.key.empty() || e.unnamed_too || e.incarnation != 0)) return false;
  if (!e.orphans && env.key.empty()) return false;
  e.code = env.key;
  e.deleted_at_ms = env.timestamp_ms;
  *out = std::move(e);
  return true;
}

}  // namespace linkly
