// VisitsDeleted in the analytics projection (analytics_projection.hpp): a
// life's visits, or the orphan ones, forgotten in clicks-log order, and how
// many went, kept for the requester.

#include "actors/analytics_projection.hpp"

#include "actors/projection_store.hpp"
#include "schemas/visits_deleted.hpp"

#include <algorithm>
#include <string>

namespace linkly {

status analytics_projection::apply_deletion(const envelope& env) {
  visits_deleted deletion;
  if (!decode_visits_deleted(env, &deletion)) {
    return status::corruption("undecodable VisitsDeleted at seq " + std::to_string(env.seq));
  }
  std::uint64_t removed = 0;
  if (deletion.orphans) {
    removed = orphans_.counts.total;
    orphans_ = {};
  } else if (std::vector<link_clicks>* found = clicks_.find(deletion.code)) {
    std::vector<link_clicks>& lives = *found;
    auto gone = [&](const link_clicks& life) {
      return life.incarnation == deletion.incarnation ||
             (deletion.unnamed_too && life.incarnation == 0);
    };
    for (const link_clicks& life : lives) {
      if (!gone(life)) continue;
      removed += life.total;
      all_.total -= life.total;
      all_.bots -= life.bots;
    }
    lives.erase(std::remove_if(lives.begin(), lives.end(), gone), lives.end());
    if (lives.empty()) clicks_.erase(deletion.code);
    recount_watches(deletion.code);  // a redirect's max_visits reads from 0 again
  }
  // In seq order; a parked one redriven late goes where its seq belongs.
  auto at = std::lower_bound(deletions_.begin(), deletions_.end(), env.seq,
                             [](const auto& d, std::uint64_t s) { return d.first < s; });
  deletions_.emplace(at, env.seq, removed);
  if (deletions_.size() > kRecentDeletionsKept) deletions_.pop_front();
  return status::ok();
}

bool analytics_projection::recent_deletion(std::uint64_t seq, std::uint64_t* removed) const {
  auto it = std::lower_bound(deletions_.begin(), deletions_.end(), seq,
                             [](const auto& d, std::uint64_t s) { return d.first < s; });
  if (it == deletions_.end() || it->first != seq) return false;
  *removed = it->second;
  return true;
}

analytics_reader::deletion_state analytics_reader::deletion(std::uint64_t seq,
                                                            std::uint64_t* removed) const {
  // The checkpoint moves with the state under the store's lock: once it has
  // passed `seq`, the state holds that event's result.
  if (store_.checkpoint(kClicksLog) < seq) return deletion_state::pending;
  const bool kept = store_.read([&](const projection& p) {
    return static_cast<const analytics_projection&>(p).recent_deletion(seq, removed);
  });
  return kept ? deletion_state::applied : deletion_state::unknown;
}

}  // namespace linkly
