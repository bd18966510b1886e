#pragma once
// Applying a log to a projection: one bounded step at a time. The live
// runner and `linkly replay` share it, so a rebuild computes exactly what
// the server computed.
//
// Blocking (reads the log): never call on an actor-system scheduler thread.

#include "actors/projection_store.hpp"
#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

namespace linkly {

class event_log;

struct step_result {
  std::uint64_t applied = 0;  // events applied by this step
  bool at_end = false;        // nothing left below `to` after this step
  /// The event that did not apply, when `event_error` is not ok. The events
  /// before it are applied; the checkpoint stays just below it.
  envelope failed;
  status event_error;
};

constexpr std::uint64_t kToHead = std::numeric_limits<std::uint64_t>::max();

/// Events per step of an offline rebuild.
constexpr std::size_t kRebuildBatchEvents = 1u << 20;

/// Applies the events of `log` (named `log_name`) after the store's
/// checkpoint and below `to`, at most `max_events`, each with its
/// checkpoint. The returned status is a failure to read the log; an event
/// that does not apply is reported in `out->event_error` instead.
status apply_step(projection_store& store, std::string_view log_name, const event_log& log,
                  std::uint64_t to, std::size_t max_events, step_result* out);

/// Applies everything below `to` of every log the projection follows, in
/// steps of `batch_events`. Stops at the first event that does not apply
/// (a rebuild has nobody to retry it) and says which. Does not save.
status replay_projection(projection_store& store, const event_log& links, const event_log* clicks,
                         std::uint64_t links_to, std::uint64_t clicks_to, std::size_t batch_events,
                         std::uint64_t* applied);

}  // namespace linkly
