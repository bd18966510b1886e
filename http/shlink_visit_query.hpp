#pragma once
// The query of Shlink's visits lists (GET /rest/v3/short-urls/{code}/visits,
// /tags/{tag}/visits, /visits/orphan, /visits/non-orphan):
//   page, itemsPerPage (-1 or absent: all), startDate, endDate (inclusive),
//   excludeBots, and on the orphan list `type`.
// Pure: no actors, no I/O.

#include "actors/analytics_projection.hpp"
#include "http/shlink_target.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace linkly {

/// The most visits one page holds: each is a point read of the clicks log,
/// so a page stays tens of milliseconds of reads. Shlink's web client asks
/// for pages of 5000, so it gets whole pages; a larger or "all" (-1, or no
/// itemsPerPage: Shlink's default) page is cut to this and the paginator
/// says so (itemsPerPage, pagesCount), so a client that walks the pages
/// still sees every visit.
inline constexpr std::size_t kShlinkMaxVisitsPerPage = 5000;

/// The deepest a merged list (a tag's or every link's visits) is paged:
/// page * itemsPerPage visits at most. Each link's newest visits down to
/// that depth are held while merging (16 bytes each), so this bounds a
/// request to a few MB; a deeper page answers invalid-data on "page".
inline constexpr std::uint64_t kShlinkMaxMergedVisitsDepth = 200'000;

struct shlink_visit_query {
  std::size_t page = 1;  // 1-based
  /// Visits a page holds (1..kShlinkMaxVisitsPerPage).
  std::size_t per_page = kShlinkMaxVisitsPerPage;
  /// The client asked for every visit on one page (itemsPerPage -1 or none).
  bool all = true;
  visit_filter filter;  // dates, bots, orphan type; offset and limit from the page
};

/// Reads `target`'s query; false with `*invalid` naming the parameters at
/// fault. `orphans`: `type` is read (invalid_short_url, regular_404,
/// base_url), else ignored. A `type` of base_url matches nothing: linkly
/// records no visit of its base url.
bool parse_shlink_visit_query(const shlink_target& target, bool orphans, shlink_visit_query* out,
                              std::vector<std::string>* invalid);

/// The `type` base_url: a filter no orphan visit passes.
bool matches_nothing(const shlink_visit_query& query);

}  // namespace linkly
