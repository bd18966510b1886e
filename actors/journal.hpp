#pragma once
// journal: the single writer of the links log.
//
// Group commit: appends that arrive while a write is in flight queue up and
// go together in the next WriteBatch, with one fsync. Each requester is
// answered only after the batch holding its events is durable. The blocking
// LevelDB calls run on the journal's own detached writer thread, never on a
// scheduler thread; replays go through that thread as well, so a replay
// sees a prefix of the log that no concurrent append can tear. Reads of
// single events (history, as_of) do not come here: log_reader.hpp.

#include "actors/journal_errors.hpp"
#include "actors/latency_histogram.hpp"
#include "actors/log_interfaces.hpp"

#include <memory>

namespace linkly {

class event_log;

/// Spawns a journal (and its linked writer thread) over `log`; each write's
/// duration goes to `writes` (not owned, may be null).
journal_actor spawn_journal(caf::actor_system& sys, std::shared_ptr<event_log> log,
                            latency_histogram* writes);

}  // namespace linkly
