#pragma once
// log_reader: reads events of the links log by sequence number for link
// history and as_of answers, on its own detached thread.
//
// Not the journal: a read must never wait behind the group commit, nor an
// append behind a read. event_log allows reads concurrent with appends
// (LevelDB point reads), so the reader needs no coordination with the
// writer; the events it reads are durable and never change. A detached
// thread rather than a scheduler thread, because a LevelDB read may wait on
// the disk; rather than the io threads, because those serve redirects.
// Callers bound each request (a history page, the two events of an as_of),
// so no request holds the thread for long.

#include "actors/journal_errors.hpp"
#include "actors/log_interfaces.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace linkly {

class event_log;

/// Spawns a reader over `log`. Read failures are answered as
/// journal_errc::read_failed; the reader keeps running.
log_reader_actor spawn_log_reader(caf::actor_system& sys, std::shared_ptr<const event_log> log);

}  // namespace linkly
