#include "http/visit_count.hpp"

#include "actors/analytics_projection.hpp"

namespace linkly {

bool visits_of(const read_sources& sources, std::string_view code, std::uint64_t /*incarnation*/,
               std::uint64_t* out) {
  // Every click of the code for now, whatever life it was recorded in.
  if (sources.analytics == nullptr) return false;
  return static_cast<bool>(sources.analytics->total_clicks(code, out));
}

}  // namespace linkly
