#pragma once
// click queue: takes clicks off the redirect path and makes sure each is
// written to the clicks log, or parked where someone can see and redrive it.
//
// Clicks arrive fire-and-forget in small batches (one message each). The
// queue batches further, by size (max_batch) and age (max_wait), and gives
// sealed batches to at most `concurrency` writers, each a detached thread
// doing the blocking append. A failed batch is retried after
// backoff * 2^(attempt-1) while other batches keep flowing; after
// `max_retries` delivery attempts (the first one counts) it goes to the
// dead-letter store. If the store cannot take it either, the batch stays
// held and is tried again (the log, then the store) after the last backoff:
// a click is written or parked, never dropped once accepted. A writer that crashes is restarted and
// its batch retried; more than the supervision limit of crashes within the window is reported
// through on_fatal.
//
// A full queue (capacity clicks or capacity_bytes held, waiting or in
// flight) sheds new clicks and counts them: the redirect never waits and
// never fails.

#include "actors/atoms.hpp"
#include "actors/click_metrics.hpp"
#include "actors/click_options.hpp"
#include "actors/message_inspect.hpp"
#include "actors/payload_pool.hpp"
#include "storage/click_spool.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_sink.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using park_atom = caf::atom_constant<caf::atom("park")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// A sealed batch's clicks: moved in once when the batch is sealed, then
/// shared, never copied, by the queue (which keeps them to retry or park),
/// the writer's message and the dead-letter entry. Never changed: the log
/// gives its sequence numbers back in the append_result.
using click_list = std::shared_ptr<const std::vector<envelope>>;

/// A sealed batch and where it has been. Copying one copies a pointer.
struct click_batch {
  click_list clicks;
  std::size_t bytes = 0;             // click_bytes() of all its clicks
  std::uint32_t attempts = 0;        // delivery attempts so far
  std::uint64_t dead_letter_id = 0;  // the dead letter it is a redrive of, or 0
  std::string last_error;

  std::size_t size() const { return clicks ? clicks->size() : 0; }
};

using click_queue_actor = caf::typed_actor<
    // Clicks from a redirect path; never answered.
    caf::reacts_to<enqueue_atom, std::vector<envelope>>,
    // A dead letter's batch, written once more; erased from the store once written.
    caf::reacts_to<redrive_atom, std::uint64_t, std::vector<envelope>>,
    // Answers (with the clicks written so far) once nothing is held.
    caf::replies_to<drain_atom>::with<std::uint64_t>, caf::reacts_to<tick_atom>,
    caf::reacts_to<retry_atom, click_batch>>;

/// The bytes the queue counts a click as holding: its envelope and the
/// bytes it owns.
std::size_t click_bytes(const envelope& click);

/// Spawns the queue and its writers over `sink` (the clicks log) and
/// `dead_letters`. Both must outlive the queue. With a `spool`, each click
/// it holds is marked there as it is written, parked or shed. With
/// `payloads`, the payload buffers of each batch go back there once the
/// batch is done.
click_queue_actor spawn_click_queue(caf::actor_system& sys, const click_queue_options& options,
                                    event_sink* sink, dead_letter_store* dead_letters,
                                    std::shared_ptr<click_metrics> metrics,
                                    std::function<void(const std::string&)> on_fatal,
                                    std::shared_ptr<click_spool> spool = nullptr,
                                    std::shared_ptr<payload_pool> payloads = nullptr);

}  // namespace linkly

// Local messages only: a batch shares its clicks instead of copying them.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::click_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::click_batch)
