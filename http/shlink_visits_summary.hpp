#pragma once
// The visit counts a Shlink ShortUrl carries (visitsSummary), in one place
// so the source of the counts can change without touching the routes.

#include "schemas/link_commands.hpp"

#include <cstdint>

namespace linkly {

class analytics_reader;

struct shlink_visits {
  std::uint64_t total = 0;
  std::uint64_t non_bots = 0;
  std::uint64_t bots = 0;
};

/// The visits of the link's current life (link.incarnation), bots apart.
/// A store read: call it on an io thread, never an actor's. Null
/// `analytics`: all zero.
shlink_visits shlink_visits_of(const analytics_reader* analytics, const link_info& link);

}  // namespace linkly
