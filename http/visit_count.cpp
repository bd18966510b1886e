#include "http/visit_count.hpp"

#include "actors/analytics_projection.hpp"

namespace linkly {

bool visits_of(const read_sources& sources, std::string_view code, const stored_link& link,
               std::uint64_t* out) {
  const link_extras* x = link.extras();
  if (x != nullptr) {
    if (const visit_cell* cell = x->visits.get()) {
      *out = cell->load(std::memory_order_relaxed);
      return true;
    }
  }
  if (sources.analytics == nullptr) return false;
  if (x != nullptr) {
    if (const visit_cell* cell = sources.analytics->watch(code, link.incarnation())) {
      x->visits.set(cell);
      *out = cell->load(std::memory_order_relaxed);
      return true;
    }
  }
  *out = sources.analytics->visits_of(code, link.incarnation()).total;
  return true;
}

}  // namespace linkly
