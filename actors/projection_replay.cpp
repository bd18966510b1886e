#include "actors/projection_replay.hpp"

#include "actors/actor_types.hpp"
#include "storage/event_log.hpp"

#include <algorithm>
#include <vector>

namespace linkly {

namespace {

// A commit stops growing at this many changed keys, whatever the event
// count: LevelDB takes a batch whole into its memtable.
constexpr std::size_t kMaxKeysPerCommit = 100'000;

// A projection that throws is treated like one that returned an error.
status apply_one(const projection& proj, std::string_view log_name, const envelope& env,
                 const projection_store& store, write_set* writes) {
  try {
    return proj.apply(log_name, env, store, writes);
  } catch (...) {
    return status::invalid_argument(std::string(proj.name()) + " failed on seq " +
                                    std::to_string(env.seq) + ": " +
                                    describe_exception(std::current_exception()));
  }
}

}  // namespace

status apply_step(const projection& proj, projection_store& store, std::string_view log_name,
                  const event_log& log, std::uint64_t to, std::size_t max_events,
                  step_result* out) {
  *out = step_result{};
  const std::uint64_t from = store.checkpoint(log_name) + 1;
  const std::uint64_t end = std::min(to, log.highest_seq() + 1);
  if (from >= end) {
    out->at_end = true;
    return status::ok();
  }
  std::vector<envelope> events;
  events.reserve(std::min<std::uint64_t>(max_events, end - from));
  if (status st = log.read(from, end, max_events, &events); !st) return st;

  write_set writes;
  std::size_t done = 0;
  for (; done < events.size(); ++done) {
    status st = apply_one(proj, log_name, events[done], store, &writes);
    if (!st) {
      out->failed = events[done];
      out->event_error = st;
      break;
    }
    if (writes.size() >= kMaxKeysPerCommit) {
      ++done;
      break;
    }
  }
  if (!out->event_error.is_ok()) {
    // The failed apply may have left part of its changes: redo the others.
    writes.clear();
    for (std::size_t i = 0; i < done; ++i) {
      if (status st = apply_one(proj, log_name, events[i], store, &writes); !st) return st;
    }
  }
  if (done > 0) {
    writes.set_checkpoint(std::string(log_name), events[done - 1].seq);
    if (status st = store.commit(writes); !st) return st;
  }
  out->applied = done;
  out->at_end = out->event_error.is_ok() && events[done - 1].seq + 1 >= end;
  return status::ok();
}

status skip_event(projection_store& store, std::string_view log_name, std::uint64_t seq) {
  write_set writes;
  writes.set_checkpoint(std::string(log_name), seq);
  return store.commit(writes);
}

status apply_parked(const projection& proj, projection_store& store, std::string_view log_name,
                    const envelope& env) {
  write_set writes;
  if (status st = apply_one(proj, log_name, env, store, &writes); !st) return st;
  return store.commit(writes);
}

status replay_projection(const projection& proj, projection_store& store, const event_log& links,
                         const event_log* clicks, std::uint64_t links_to, std::uint64_t clicks_to,
                         std::size_t batch_events, std::uint64_t* applied) {
  *applied = 0;
  for (std::string_view name : proj.logs()) {
    const event_log* log = name == kLinksLog ? &links : clicks;
    if (log == nullptr) continue;
    const std::uint64_t to = name == kLinksLog ? links_to : clicks_to;
    for (;;) {
      step_result step;
      if (status st = apply_step(proj, store, name, *log, to, batch_events, &step); !st) return st;
      *applied += step.applied;
      if (!step.event_error.is_ok()) {
        return status::corruption("seq " + std::to_string(step.failed.seq) + " of the " +
                                  std::string(name) + " log does not apply to " +
                                  std::string(proj.name()) + ": " + step.event_error.to_string());
      }
      if (step.at_end) break;
    }
  }
  return status::ok();
}

}  // namespace linkly
