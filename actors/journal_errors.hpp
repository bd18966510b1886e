#pragma once
// The errors the journal and the log reader answer with, as caf::error.

#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace linkly {

/// A write_failed append is known not to be applied; a replica_behind one
/// (cluster mode) is known to be stored in the stream but not yet in this
/// node's replica; any other failure of an append leaves its outcome unknown.
enum class journal_errc : std::uint8_t {
  write_failed = 1,
  read_failed = 2,
  replica_behind = 3,
};

caf::error make_error(journal_errc x, std::string message);
constexpr caf::atom_value kJournalErrorCategory = caf::atom("journal");

/// Why a read of the links log failed, for an answer: the message a
/// journal_errc error carries (it names the seq), else `sys`'s rendering.
std::string read_error_text(caf::actor_system& sys, const caf::error& err);

}  // namespace linkly
