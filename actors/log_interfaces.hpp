#pragma once
// The typed interfaces of the actors around the links log: the journal
// (appends, replays), its writer thread and the log reader.

#include "actors/atoms.hpp"
#include "actors/message_inspect.hpp"
#include "schemas/envelope.hpp"
#include "storage/event_sink.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace linkly {

class link_table;

/// A replayed shard's table, handed over in memory.
using table_ptr = std::shared_ptr<link_table>;

/// Appends batches of envelopes to the links log (group commit) and replays
/// it for a restarting shard, off the scheduler threads.
using journal_actor =
    caf::typed_actor<caf::replies_to<append_atom, std::vector<envelope>>::with<append_result>,
                     caf::replies_to<replay_atom, std::uint64_t, std::uint64_t>::with<table_ptr>>;

/// The journal's blocking half: one detached thread owning the writes.
using log_writer_actor =
    caf::typed_actor<caf::replies_to<write_atom, std::vector<std::vector<envelope>>>::with<
                         std::vector<append_result>>,
                     caf::replies_to<replay_atom, std::uint64_t, std::uint64_t>::with<table_ptr>>;

/// Reads events of the links log by seq, beside the journal (log_reader.hpp).
using log_reader_actor = caf::typed_actor<
    caf::replies_to<read_atom, std::vector<std::uint64_t>>::with<std::vector<envelope>>>;

}  // namespace linkly

// Local only: an in-memory table never leaves the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::table_ptr)
