#include "http/visit_count.hpp"

#include "actors/analytics_projection.hpp"

namespace linkly {

bool under_visit_limit(const analytics_reader* analytics, std::string_view code,
                       std::uint64_t incarnation, std::uint64_t limit, bool take,
                       const visit_cell_ref* kept) {
  const visit_cell* cell = kept != nullptr ? kept->get() : nullptr;
  if (cell == nullptr && analytics != nullptr) {
    cell = analytics->watch(code, incarnation);
    if (cell != nullptr && kept != nullptr) kept->set(cell);
  }
  if (cell != nullptr) return take ? cell->take(limit) : cell->visits() < limit;
  if (analytics == nullptr) return true;
  // No cell to be had (every watch taken): the applied count, under the lock.
  return analytics->visits_of(code, incarnation).total < limit;
}

bool under_visit_limit(const read_sources& sources, std::string_view code, const stored_link& link,
                       std::uint64_t limit, bool take) {
  const link_extras* x = link.extras();
  return under_visit_limit(sources.analytics, code, link.incarnation(), limit, take,
                           x != nullptr ? &x->visits : nullptr);
}

}  // namespace linkly
