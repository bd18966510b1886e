#include "http/shlink_visits_summary.hpp"

#include "actors/analytics_projection.hpp"

namespace linkly {

shlink_visits shlink_visits_of(const analytics_reader* analytics, const link_info& link) {
  shlink_visits out;
  if (analytics == nullptr) return out;
  visit_counts counts = analytics->visits_of(link.code, link.incarnation);
  out.total = counts.total;
  out.non_bots = counts.total - counts.bots;
  out.bots = counts.bots;
  return out;
}

}  // namespace linkly
