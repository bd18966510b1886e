#include "http/visit_count.hpp"

#include "actors/analytics_projection.hpp"

namespace linkly {

bool visits_of(const read_sources& sources, std::string_view code, std::uint64_t incarnation,
               std::uint64_t* out) {
  if (sources.analytics == nullptr) return false;
  *out = sources.analytics->visits_of(code, incarnation).total;
  return true;
}

}  // namespace linkly
