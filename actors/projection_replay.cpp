#include "actors/projection_replay.hpp"

#include "schemas/log_events.hpp"
#include "storage/event_log.hpp"

#include <algorithm>
#include <vector>

namespace linkly {

status apply_step(projection_store& store, std::string_view log_name, const event_log& log,
                  std::uint64_t to, std::size_t max_events, step_result* out) {
  *out = step_result{};
  const std::uint64_t from = store.checkpoint(log_name) + 1;
  const std::uint64_t end = std::min(to, log.highest_seq() + 1);
  std::uint64_t next = from;  // the first event not applied
  // Applied where the log decodes them: a fold of a million events copies none.
  status read = log.replay(from, end, max_events, [&](const envelope& env) {
    // A lost record's marker changes no projection (schemas/log_events.hpp).
    status st;
    if (is_records_lost(env)) {
      store.skip(log_name, env.seq);
    } else {
      st = store.apply(log_name, env);
    }
    if (!st) {
      out->failed = env;
      out->event_error = st;
      return false;
    }
    ++out->applied;
    next = env.seq + 1;
    return true;
  });
  if (!read) return read;
  if (!out->event_error.is_ok()) return status::ok();
  out->at_end = next >= end;
  return status::ok();
}

status replay_projection(projection_store& store, const event_log& links, const event_log* clicks,
                         std::uint64_t links_to, std::uint64_t clicks_to, std::size_t batch_events,
                         std::uint64_t* applied) {
  *applied = 0;
  for (std::string_view name : store.logs()) {
    const event_log* log = name == kLinksLog ? &links : clicks;
    if (log == nullptr) continue;
    const std::uint64_t to = name == kLinksLog ? links_to : clicks_to;
    for (;;) {
      step_result step;
      if (status st = apply_step(store, name, *log, to, batch_events, &step); !st) return st;
      *applied += step.applied;
      if (!step.event_error.is_ok()) {
        return status::corruption("seq " + std::to_string(step.failed.seq) + " of the " +
                                  std::string(name) + " log does not apply to " +
                                  std::string(store.name()) + ": " + step.event_error.to_string());
      }
      if (step.at_end) break;
    }
  }
  return status::ok();
}

}  // namespace linkly
