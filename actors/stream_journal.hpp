#pragma once
// stream_journal: in cluster mode, the writer of the links log is the links
// stream (storage/stream_log.hpp), shared by every node; the local links
// log is its replica, appended by the stream_follower alone.
//
// A link shard sends each append with, per event, the seq of its code's
// last event as the shard's table knows it. The writer publishes each event
// to `links.<code>` expecting that seq (another node's newer event makes it
// a conflict: nothing stored), with a message id `<node>.<boot>.<counter>`
// that a resend after a lost ack reuses, then waits until the local replica
// holds what was stored (and, after a conflict, the stream's last seq), so
// that the shard has been sent every event it must know of before it hears
// the outcome: read-your-writes on this node, and a conflict decided again
// on fresh state.
//
// Appends that arrive while a batch is out go together in the next one (one
// wait for the replica). The blocking calls run on the writer's own
// detached thread, never on a scheduler thread.

#include "actors/atoms.hpp"
#include "actors/journal_errors.hpp"
#include "schemas/envelope.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

class stream_follower;
class stream_log;

/// One shard's append: events[i] expects its code's last seq expected_last[i].
struct stream_append {
  std::vector<envelope> events;
  std::vector<std::uint64_t> expected_last;
};

/// Per event: its stream seq, or kConflict (another writer got there first;
/// nothing stored).
struct stream_append_result {
  static constexpr std::uint64_t kConflict = 0;
  std::vector<std::uint64_t> seqs;
  /// Between the writer and its journal only (a shard gets a caf::error
  /// instead): 0, or the journal_errc of the whole append, and why.
  std::uint8_t failure = 0;
  std::string why;
};

struct stream_writer_options {
  /// This node's name: the first part of every message id.
  std::string node;
  /// Tries of one publish (the first included) while the stream does not
  /// answer, each with the same message id, before its outcome is unknown.
  /// No resend while the follower cannot reach the stream either.
  std::size_t publish_attempts = 3;
  /// Longest wait for the local replica to hold what a batch stored: an
  /// answer is given only once this node reads it (milliseconds).
  std::chrono::milliseconds replica_wait{10'000};
};

using stream_journal_actor =
    caf::typed_actor<caf::replies_to<publish_atom, stream_append>::with<stream_append_result>>;

/// What the writer thread of a stream journal needs; shared by its restarts.
struct stream_writer_context {
  std::shared_ptr<stream_log> stream;
  std::shared_ptr<stream_follower> follower;
  stream_writer_options options;
  /// Random per engine start: message ids never repeat across restarts.
  std::string boot_id;
  /// Message ids issued so far, across restarts of the writer.
  std::shared_ptr<std::atomic<std::uint64_t>> counter =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

/// A fresh random boot id (hex).
std::string make_boot_id();

/// Spawns a stream journal (and its linked writer thread).
stream_journal_actor spawn_stream_journal(caf::actor_system& sys,
                                          std::shared_ptr<const stream_writer_context> context);

}  // namespace linkly

// Local only: never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::stream_append)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::stream_append_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<linkly::stream_append>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<linkly::stream_append_result>)
