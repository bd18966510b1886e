#include "http/shlink_visits_summary.hpp"

#include "actors/analytics_projection.hpp"

namespace linkly {

shlink_visits shlink_visits_of(const analytics_reader* analytics, const link_info& link) {
  shlink_visits out;
  if (analytics == nullptr) return out;
  std::uint64_t total = 0;
  if (analytics->total_clicks(link.code, &total)) out.total = total;
  out.non_bots = out.total;
  return out;
}

}  // namespace linkly
