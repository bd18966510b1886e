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

/// The link's visits: today the analytics total, every visit counted as a
/// non-bot one (bots 0) until clicks carry a bot flag. A store read: call
/// it on an io thread, never an actor's. Null `analytics`: all zero.
shlink_visits shlink_visits_of(const analytics_reader* analytics, const link_info& link);

}  // namespace linkly
