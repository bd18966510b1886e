#pragma once
// How many visits a link's current life has had, for max_visits at the
// redirect: the clicks of that life only, so a code created again starts
// from zero. Only links with max_visits ask. The first redirect of a life
// finds its cell in the analytics projection (analytics_reader::watch) and
// keeps its address in the link's extras; later ones read it with one load,
// without the analytics lock.

#include "actors/stored_link.hpp"
#include "http/read_sources.hpp"

#include <cstdint>
#include <string_view>

namespace linkly {

/// Visits of `link` (the live link of `code`, read under its lock) in its
/// current life, as far as the analytics projection has applied the clicks
/// log (a burst may overshoot a limit by the clicks not yet applied). False
/// when not known (analytics is not running): the limit is then not
/// enforced.
bool visits_of(const read_sources& sources, std::string_view code, const stored_link& link,
               std::uint64_t* out);

}  // namespace linkly
