#pragma once
// The message vocabulary of linkly's actors: atoms, typed interfaces and the
// inspect() overloads CAF 0.17 needs to put our types into messages.

#include "actors/exception_text.hpp"
#include "actors/link_recovery.hpp"
#include "actors/link_service.hpp"
#include "schemas/envelope.hpp"
#include "schemas/link_commands.hpp"
#include "storage/event_log.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

// -- atoms --------------------------------------------------------------------

using append_atom = caf::atom_constant<caf::atom("append")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using replay_atom = caf::atom_constant<caf::atom("replay")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using update_atom = caf::atom_constant<caf::atom("update")>;
using delete_atom = caf::atom_constant<caf::atom("delete")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using as_of_atom = caf::atom_constant<caf::atom("as_of")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
using redrive_atom = caf::atom_constant<caf::atom("redrive")>;
using import_atom = caf::atom_constant<caf::atom("import")>;

// -- reply slots --------------------------------------------------------------

/// Carries a callback from outside the actor system to the actor that
/// answers it. Delivered at most once; if the slot is destroyed undelivered
/// (its actor died, the message was dropped), it delivers `fallback`, so a
/// waiting HTTP request always gets an answer.
template <class T>
class reply_slot {
 public:
  reply_slot(std::function<void(T)> fn, T fallback)
      : fn_(std::move(fn)), fallback_(std::move(fallback)) {}
  reply_slot(const reply_slot&) = delete;
  reply_slot& operator=(const reply_slot&) = delete;
  ~reply_slot() {
    if (!delivered_.exchange(true)) fn_(std::move(fallback_));
  }

  void deliver(T value) {
    if (!delivered_.exchange(true)) fn_(std::move(value));
  }

 private:
  std::function<void(T)> fn_;
  T fallback_;
  std::atomic<bool> delivered_{false};
};

using command_slot = std::shared_ptr<reply_slot<command_reply>>;
using list_slot = std::shared_ptr<reply_slot<link_page>>;
using history_slot = std::shared_ptr<reply_slot<history_reply>>;
using as_of_slot = std::shared_ptr<reply_slot<as_of_reply>>;
using import_slot = std::shared_ptr<reply_slot<import_reply>>;
using table_ptr = std::shared_ptr<link_table>;

// -- errors -------------------------------------------------------------------

/// Errors the journal (and the log reader) answer with. A write_failed append is known not to be
/// applied; any other failure of an append leaves its outcome unknown.
enum class journal_errc : std::uint8_t {
  write_failed = 1,
  read_failed = 2,
};

caf::error make_error(journal_errc x, std::string message);
constexpr caf::atom_value kJournalErrorCategory = caf::atom("journal");

/// Why a read of the links log failed, for an answer: the message a
/// journal_errc error carries (it names the seq), else `sys`'s rendering.
std::string read_error_text(caf::actor_system& sys, const caf::error& err);

// -- interfaces ---------------------------------------------------------------

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

/// Owns one shard of the code space.
using link_actor = caf::typed_actor<
    caf::reacts_to<create_atom, create_link, command_slot>,
    caf::reacts_to<update_atom, update_link, command_slot>,
    caf::reacts_to<delete_atom, delete_link, command_slot>,
    caf::reacts_to<list_atom, std::string, std::uint64_t, list_slot>,
    caf::reacts_to<history_atom, std::string, std::uint64_t, std::uint64_t, history_slot>,
    caf::reacts_to<as_of_atom, std::string, std::uint64_t, as_of_slot>,
    caf::reacts_to<import_atom, std::vector<create_link>, import_slot>>;

// -- inspect ------------------------------------------------------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, envelope& x) {
  return f(caf::meta::type_name("envelope"), x.seq, x.type, x.schema_version, x.timestamp_ms, x.key,
           x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_result& x) {
  return f(caf::meta::type_name("append_result"), x.first_seq, x.last_seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_link& x) {
  return f(caf::meta::type_name("create_link"), x.code, x.url);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_link& x) {
  return f(caf::meta::type_name("update_link"), x.code, x.url);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_link& x) {
  return f(caf::meta::type_name("delete_link"), x.code);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_info& x) {
  return f(caf::meta::type_name("link_info"), x.code, x.url, x.version, x.created_at_ms,
           x.updated_at_ms);
}

}  // namespace linkly

// Local-only types: callbacks and in-memory tables never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::command_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::list_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::history_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::as_of_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::import_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::table_ptr)
