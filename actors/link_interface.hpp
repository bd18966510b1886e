#pragma once
// The typed interface of a link shard and the reply slots its messages
// carry back to link_service's callers.

#include "actors/atoms.hpp"
#include "actors/link_service.hpp"
#include "actors/message_inspect.hpp"
#include "actors/reply_slot.hpp"
#include "schemas/link_commands.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

using command_slot = std::shared_ptr<reply_slot<command_reply>>;
using list_slot = std::shared_ptr<reply_slot<link_page>>;
using history_slot = std::shared_ptr<reply_slot<history_reply>>;
using as_of_slot = std::shared_ptr<reply_slot<as_of_reply>>;
using import_slot = std::shared_ptr<reply_slot<import_reply>>;

/// Owns one shard of the code space.
using link_actor = caf::typed_actor<
    caf::reacts_to<create_atom, create_link, command_slot>,
    caf::reacts_to<update_atom, update_link, command_slot>,
    caf::reacts_to<delete_atom, delete_link, command_slot>,
    caf::reacts_to<list_atom, std::string, std::uint64_t, std::vector<std::string>, list_slot>,
    caf::reacts_to<history_atom, std::string, std::uint64_t, std::uint64_t, history_slot>,
    caf::reacts_to<as_of_atom, std::string, std::uint64_t, as_of_slot>,
    caf::reacts_to<import_atom, std::vector<create_link>, import_slot>,
    // Cluster mode: events of the shard's codes the replica took from the
    // links stream, in seq order (stream_journal.hpp).
    caf::reacts_to<apply_atom, std::vector<envelope>>>;

}  // namespace linkly

// Local only: callbacks never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::command_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::list_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::history_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::as_of_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::import_slot)
