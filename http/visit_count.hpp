#pragma once
// Whether a redirect of a link with max_visits is under its limit, counting
// the visits of the link's current life only, so a code created again
// starts from zero. The first redirect of a life finds its cell in the
// analytics projection (analytics_reader::watch) and keeps its address in
// the link's extras; later ones read it with one load, without the
// analytics lock.

#include "actors/stored_link.hpp"
#include "http/read_sources.hpp"

#include <cstdint>
#include <string_view>

namespace linkly {

/// Whether the life `incarnation` of `code` has had fewer than `limit`
/// visits. `take`: the redirect will record a click, and takes its visit
/// now (visit_cell::take), so that redirects answered faster than analytics
/// applies their clicks still stop at exactly `limit`. `kept`: where the
/// life's cell is kept once found (a link's extras), or null. True when the
/// count is not known (analytics is not running): the limit is then not
/// enforced.
bool under_visit_limit(const analytics_reader* analytics, std::string_view code,
                       std::uint64_t incarnation, std::uint64_t limit, bool take,
                       const visit_cell_ref* kept = nullptr);

/// The same for `link`, the live link of `code` read under its lock, whose
/// extras keep the cell.
bool under_visit_limit(const read_sources& sources, std::string_view code, const stored_link& link,
                       std::uint64_t limit, bool take);

}  // namespace linkly
