#pragma once
// link_history: which events of a link's record a history page or an as_of
// read needs, and what they make. Plain code, no actors: a link shard picks
// the sequence numbers from its table (in memory), the log reader reads just
// those, and these functions turn the envelopes into an answer.
//
// A record's events are, by the table's rules (link_table.cpp), lives one
// after the other: each one LinkCreated, then LinkUpdated events, then at
// most one LinkDeleted (every life but the last has one). An update carries
// the link's whole state, so the link as of any point is known from two
// events, the creation of the life it falls in and the last event at or
// before that point, whatever the link's length.

#include "actors/link_table.hpp"
#include "schemas/envelope.hpp"
#include "schemas/link_commands.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace linkly {

/// The seqs of one history page: those of `r` after `after`, at most
/// `limit`; `next` is the cursor of the following page (the last seq of
/// this one), 0 when this page ends the history.
struct seq_page {
  std::vector<std::uint64_t> seqs;
  std::uint64_t next = 0;
};
seq_page history_page(seq_span seqs, std::uint64_t after, std::size_t limit);
seq_page history_page(const link_record& r, std::uint64_t after, std::size_t limit);

/// What an as_of read needs: `reads` (the first event and the last at or
/// before as_of; one seq when they are the same) when `live`, nothing when
/// the link was not live right after as_of (not created yet, or deleted).
struct as_of_plan {
  bool live = false;
  std::uint32_t version = 0;  // of the link right after as_of, when live
  std::vector<std::uint64_t> reads;
};
/// `recreated_at`: the seqs among `seqs` that began a later life.
as_of_plan plan_as_of(seq_span seqs, seq_span recreated_at, bool deleted, std::uint64_t as_of);
as_of_plan plan_as_of(const link_record& r, std::uint64_t as_of);

/// The link of `code` from the envelopes `plan.reads` named, in that order.
/// False when they do not decode as that plan's events (a damaged log).
bool link_from(const std::string& code, const as_of_plan& plan, const std::vector<envelope>& envs,
               link_info* out);

/// One history entry: type, time, and the url (and attributes) a creation or
/// update set.
link_history_entry history_entry(const envelope& env);

}  // namespace linkly
