#include "actors/projection_replay.hpp"

#include "actors/exception_text.hpp"
#include "schemas/log_events.hpp"
#include "storage/event_log.hpp"

#include <algorithm>
#include <vector>

namespace linkly {

namespace {

// A commit stops growing at this many changed keys, whatever the event
// count: LevelDB takes a batch whole into its memtable.
constexpr std::size_t kMaxKeysPerCommit = 100'000;
// Events read from the log at a time.
constexpr std::uint64_t kReadChunkEvents = 4096;

// A projection that throws is treated like one that returned an error.
status apply_one(const projection& proj, std::string_view log_name, const envelope& env,
                 const projection_store& store, write_set* writes) {
  // A lost record's marker changes no projection (schemas/log_events.hpp).
  if (is_records_lost(env)) return status::ok();
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
  write_set writes;
  std::uint64_t next = from;  // the first event not applied
  std::vector<envelope> chunk;
  while (next < end && out->applied < max_events && writes.size() < kMaxKeysPerCommit) {
    chunk.clear();
    const std::uint64_t want = std::min<std::uint64_t>(kReadChunkEvents, max_events - out->applied);
    if (status st = log.read(next, end, want, &chunk); !st) return st;
    if (chunk.empty()) break;
    for (const envelope& env : chunk) {
      if (status st = apply_one(proj, log_name, env, store, &writes); !st) {
        // The projection's reads failed with the store: not the event's fault.
        if (status health = store.health(); !health) return health;
        out->failed = env;
        out->event_error = st;
        break;
      }
      ++out->applied;
      next = env.seq + 1;
      if (writes.size() >= kMaxKeysPerCommit) break;
    }
    if (!out->event_error.is_ok()) break;
  }
  if (!out->event_error.is_ok() && out->applied > 0) {
    // The failed apply may have left part of its changes: redo the others.
    writes.clear();
    status redo;
    status st = log.replay(from, next, event_log::kNoLimit, [&](const envelope& env) {
      redo = apply_one(proj, log_name, env, store, &writes);
      return redo.is_ok();
    });
    if (!st) return st;
    if (!redo) return store.health() ? redo : store.health();
  }
  if (out->applied > 0) {
    writes.set_checkpoint(std::string(log_name), next - 1);
    if (status st = store.commit(writes); !st) return st;
  }
  out->at_end = out->event_error.is_ok() && next >= end;
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
  if (status st = apply_one(proj, log_name, env, store, &writes); !st) {
    status health = store.health();
    return health ? st : health;
  }
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
