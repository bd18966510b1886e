#pragma once
// stream_link: one link's state read straight from the links stream, for a
// node whose replica has not copied it yet (actors/miss_lookup.hpp). The
// subject `links.<code>` holds the code's events in order; its last one
// says whether the link lives. A LinkCreated last is the whole state; after
// a LinkUpdated the version and the life (incarnation) need the code's
// earlier events, read in order with next_on_subject (at most
// kMaxStreamLinkEvents of them).
//
// Blocking (network): never on a CAF scheduler or io thread.

#include "schemas/link_commands.hpp"
#include "storage/status.hpp"

#include <cstddef>
#include <string_view>

namespace linkly {

class stream_log;

/// Most events of one code read to fold its state after a LinkUpdated: a
/// round trip each (~0.3 ms); a code changed more often than this is left
/// to the replica (the lookup fails).
inline constexpr std::size_t kMaxStreamLinkEvents = 64;

/// The link `code` as the stream's records say. ok and `*live` true with
/// `*out` filled (code, url, attributes, version, times, incarnation) when
/// the link lives; ok and `*live` false when the code has no events or was
/// deleted last; io_error when the stream does not answer; corruption when
/// a record does not decode or the history is longer than
/// kMaxStreamLinkEvents.
status read_stream_link(stream_log& stream, std::string_view code, link_info* out, bool* live);

}  // namespace linkly
