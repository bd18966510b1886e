#pragma once
// projection_runner: a durable subscriber. It applies the logs to one
// projection's store, each event with its checkpoint, and has the store
// write a snapshot by size and by time (projection_options), so a crash
// neither skips nor double-applies an event: a restart loads the snapshot
// and replays the logs after its checkpoints.
//
// On start it catches up from its checkpoints, in steps of batch_events
// (one message each, so it stays responsive), then follows the live tail:
// the event bus of each log wakes it, and it reads what is new from the log
// itself.
//
// An event that does not apply is the event's fault: it is retried after
// backoff * 2^(n-1), and after max_retries tries parked in the dead-letter
// store (queue "projection.<name>") exactly once, and the checkpoint moves
// past it. A failed park, or a failed read of a log, is not: nothing is
// parked or skipped, and the same step is retried (backoff doubling up to
// kMaxStoreBackoff). A snapshot that cannot be written (a full disk) keeps
// the state in memory and is retried the same way; projection_counters says
// why meanwhile.
//
// redrive_atom with a dead letter of its queue applies the parked event again
// (out of order, see projection_store::apply_parked), saves a snapshot, and
// erases the dead letter once both worked.
//
// It runs on a detached thread of its own: it reads logs and writes files.

#include "actors/engine.hpp"
#include "actors/message_inspect.hpp"
#include "actors/projection.hpp"
#include "actors/projection_store.hpp"
#include "storage/dead_letter_store.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace linkly {

class event_bus;

using tail_atom = caf::atom_constant<caf::atom("tail")>;
using step_atom = caf::atom_constant<caf::atom("step")>;

/// One log a projection follows.
struct followed_log {
  std::string_view name;  // kLinksLog, kClicksLog
  std::shared_ptr<event_log> log;
  event_bus* bus = nullptr;  // wakes the runner; outlives it
};

/// What the runner counts and whether its stores work; read by
/// projection_status. What it has parked is counted by the dead-letter store.
struct projection_counters {
  std::atomic<std::uint64_t> applied{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> store_errors{0};

  /// Empty while its logs read, its snapshots write and its dead letters
  /// park; else the last failure.
  std::string store_error() const {
    std::lock_guard lock(mutex_);
    return store_error_;
  }
  void set_store_error(std::string error) {
    std::lock_guard lock(mutex_);
    store_error_ = std::move(error);
  }

 private:
  mutable std::mutex mutex_;
  std::string store_error_;
};

struct projection_runner_config {
  std::shared_ptr<projection_store> store;
  std::vector<followed_log> logs;
  std::shared_ptr<dead_letter_store> dead_letters;  // may be null
  projection_options options;
  std::shared_ptr<projection_counters> counters;
};

/// The queue name a projection's dead letters carry.
std::string dead_letter_queue_of(std::string_view projection_name);

/// A parked event as a dead letter's payload:  seq:u64-big-endian record-value
/// (storage/record_format.hpp), so the event keeps its sequence number.
std::string encode_parked_event(const envelope& env);
status decode_parked_event(std::string_view payload, envelope* out);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dead_letter& x) {
  return f(caf::meta::type_name("dead_letter"), x.id, x.queue, x.payload, x.error, x.attempts,
           x.failed_at_ms);
}

/// Spawns the runner; it starts catching up at once. Stop it with an exit
/// message (its supervisor does).
caf::actor spawn_projection_runner(caf::actor_system& sys, projection_runner_config config);

}  // namespace linkly
