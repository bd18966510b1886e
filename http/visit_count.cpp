#include "http/visit_count.hpp"

#include "actors/analytics_projection.hpp"

namespace linkly {

namespace {

const visit_cell* cell_of(const read_sources& sources, std::string_view code,
                          const stored_link& link) {
  const link_extras* x = link.extras();
  if (x == nullptr) return nullptr;
  if (const visit_cell* cell = x->visits.get()) return cell;
  if (sources.analytics == nullptr) return nullptr;
  const visit_cell* cell = sources.analytics->watch(code, link.incarnation());
  if (cell != nullptr) x->visits.set(cell);
  return cell;
}

}  // namespace

bool under_visit_limit(const read_sources& sources, std::string_view code, const stored_link& link,
                       std::uint64_t limit, bool take) {
  if (const visit_cell* cell = cell_of(sources, code, link)) {
    return take ? cell->take(limit) : cell->visits() < limit;
  }
  if (sources.analytics == nullptr) return true;
  // No cell to be had (every watch taken): the applied count, under the lock.
  return sources.analytics->visits_of(code, link.incarnation()).total < limit;
}

}  // namespace linkly
