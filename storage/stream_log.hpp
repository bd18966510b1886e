#pragma once
// stream_log: an ordered, replicated, append-only log shared by every node
// of a cluster (a JetStream stream; storage/jetstream_log.hpp). Each record
// is published to a subject ("links.<code>") and gets the stream's next
// sequence number, which is global across subjects, starts at 1 and has no
// gaps while nothing is deleted from the stream.
//
// Two guards make it safe for many writers:
//  - per-subject optimistic concurrency: a publish names the sequence the
//    subject's last record must have (0: the subject holds none) and is
//    refused with a conflict when another writer got there first;
//  - de-duplication: a publish carries a message id; a resend with the same
//    id within the stream's window is not stored again and returns the
//    sequence of the first.
//
// Blocking: never call it on a CAF scheduler thread. Thread-safe.

#include "storage/status.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

struct stream_record {
  std::uint64_t seq = 0;  // the stream's sequence number
  std::string subject;    // as published, e.g. "links.abc123"
  std::string data;       // as published
};

/// Why a publish was refused: the subject's last sequence is not the one
/// expected (another writer got there first).
struct publish_outcome {
  std::uint64_t seq = 0;   // the record's sequence when stored (or a duplicate's)
  bool conflict = false;   // refused: the subject moved on; nothing stored
  bool duplicate = false;  // a resend of an id already stored; seq is the first's
};

class stream_log {
 public:
  /// No check of the subject's last sequence.
  static constexpr std::uint64_t kAnyLast = std::numeric_limits<std::uint64_t>::max();

  virtual ~stream_log() = default;

  /// Stores `data` under `subject` if the subject's last record has sequence
  /// `expected_last` (0: none yet; kAnyLast: no check). `msg_id` ("" for
  /// none) de-duplicates resends. ok with outcome->conflict set when refused
  /// for the subject; io_error when the stream cannot be reached or did not
  /// answer in time (then whether it was stored is unknown: resend with the
  /// same msg_id).
  virtual status publish(std::string_view subject, std::string_view data,
                         std::uint64_t expected_last, std::string_view msg_id,
                         publish_outcome* outcome) = 0;

  /// Appends to `*out` the records with seq >= `from`, in order, at most
  /// `max`; waits up to `wait` while there is none yet (ok and nothing added
  /// when none came).
  virtual status fetch(std::uint64_t from, std::size_t max, std::chrono::milliseconds wait,
                       std::vector<stream_record>* out) = 0;

  /// The stream's last sequence (0 when empty).
  virtual status last_seq(std::uint64_t* seq) = 0;

  /// The last record published to `subject`: not_found when it has none.
  virtual status last_on_subject(std::string_view subject, stream_record* out) = 0;

  /// The first record published to `subject` with seq >= `from`: not_found
  /// when there is none. Lets a reader walk one subject's records without
  /// reading the others'. The default says it cannot (io_error): a log that
  /// cannot serves only what last_on_subject tells.
  virtual status next_on_subject(std::string_view subject, std::uint64_t from, stream_record* out) {
    (void)subject;
    (void)from;
    (void)out;
    return status::io_error("reading a subject's records in order is not supported");
  }
};

}  // namespace linkly
