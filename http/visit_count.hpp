#pragma once
// How many visits a link's current life has had, for max_visits at the
// redirect: the clicks of that life only, so a code created again starts
// from zero. Only links with max_visits ask (two lookups in memory).

#include "http/read_sources.hpp"

#include <cstdint>
#include <string_view>

namespace linkly {

/// Visits of `code` in its life `incarnation`, as far as the analytics
/// projection has applied the clicks log (a burst may overshoot a limit by
/// the clicks not yet applied). False when not known (analytics is not
/// running): the limit is then not enforced.
bool visits_of(const read_sources& sources, std::string_view code, std::uint64_t incarnation,
               std::uint64_t* out);

}  // namespace linkly
