#pragma once
// A link as it was at a point of the links log: the fold behind
// GET /links/{code}?as_of=SEQ. Pure, no I/O.

#include "schemas/link_commands.hpp"

#include <cstdint>
#include <string_view>
#include <vector>

namespace linkly {

/// Folds the history `entries` of `code` (oldest first, as link_service
/// history gives them) with seq <= `as_of`: LinkCreated starts version 1
/// (created_at = updated_at = its time), LinkUpdated bumps the version and
/// sets url and updated_at, LinkDeleted removes the link. A creation after a
/// deletion starts over at version 1. Unknown types are ignored. True and
/// `*out` set when the link was live right after `as_of`.
bool link_as_of(std::string_view code, const std::vector<link_history_entry>& entries,
                std::uint64_t as_of, link_info* out);

}  // namespace linkly
