#pragma once
// click_replica: in cluster mode, each node's copy of the cluster's clicks
// stream, as a clicks log on its own disk. Analytics, /clicks/stream and the
// visits lists read this log exactly as a single node reads its own, so all
// of them see every node's clicks.
//
// Each stream message (a batch of one node's clicks, click_message.hpp) is
// appended as one atomic batch, in stream order, so every node numbers the
// same click with the same seq: a projection's checkpoint and a client's
// Last-Event-ID mean the same thing on every node.
//
// Where in the stream the log stands is written to a position file now and
// then (stream seq, log seq). At start the messages after it are counted
// until they account for the log's head exactly, which finds the stream seq
// of the last batch appended before a crash; a head that falls inside a
// message is corruption (a batch is never appended in part) and stops the
// replica with an error.

#include "storage/status.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace linkly {

class event_log;
class stream_log;

struct click_replica_options {
  /// The position file (a snapshot_file with checkpoints "stream" and "log").
  std::string position_path;
  /// This node's own subject (click_subject(node)): when_copied() follows
  /// its messages. "" for none.
  std::string own_subject;
  /// Messages per fetch, and the longest wait for the next one.
  std::size_t fetch_messages = 64;
  std::chrono::milliseconds fetch_wait{200};
  /// How often the position is written: a restart counts at most this much
  /// of the stream again.
  std::chrono::milliseconds position_interval{1'000};
  /// Wait after a failed fetch or append; doubles per failure in a row.
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds backoff_max{5'000};
};

class click_replica {
 public:
  /// Starts following `stream` into `log` (the node's replica clicks log).
  static std::unique_ptr<click_replica> start(std::shared_ptr<stream_log> stream,
                                              std::shared_ptr<event_log> log,
                                              const click_replica_options& options);

  click_replica(const click_replica&) = delete;
  click_replica& operator=(const click_replica&) = delete;
  ~click_replica();  // stop()s

  /// The stream seq of the last message in the log (0 before the first, or
  /// while the start-up count runs).
  std::uint64_t stream_seq() const { return stream_seq_.load(std::memory_order_acquire); }
  /// Whether the last call to the stream succeeded.
  bool reachable() const { return reachable_.load(std::memory_order_acquire); }
  /// Why following stopped for good ("" while it runs).
  std::string error() const;

  /// Calls `done` with the seq this log gave the record at `outbox_seq` of
  /// this node's own clicks log, once it is copied here (at once if it
  /// already is; with 0 if it was copied too long ago to be remembered, or
  /// when the replica stops first). How a node's synchronous append learns
  /// where its event stands in the log every node reads. `done` runs on the
  /// replica's thread or the caller's; it must be quick.
  void when_copied(std::uint64_t outbox_seq, std::function<void(std::uint64_t)> done);

  /// Writes the position and stops the thread. Idempotent.
  void stop();

 private:
  click_replica(std::shared_ptr<stream_log> stream, std::shared_ptr<event_log> log,
                click_replica_options options);
  void run();
  /// Finds the stream seq of the log's head. False: try again (or error_).
  bool locate();
  /// Appends the next messages, if any. False on a failure.
  bool follow();
  void save_position();
  void fail(std::string why);
  bool stopping();

  std::shared_ptr<stream_log> stream_;
  std::shared_ptr<event_log> log_;
  click_replica_options options_;

  // The thread's own.
  bool located_ = false;
  std::uint64_t counted_stream_ = 0;  // while locating: messages counted so far
  std::uint64_t counted_log_ = 0;     //   and the clicks they hold
  std::uint64_t saved_stream_ = 0;    // what the position file says
  std::chrono::steady_clock::time_point saved_at_{};

  std::atomic<std::uint64_t> stream_seq_{0};
  std::atomic<bool> reachable_{false};

  /// Records the own messages just appended and answers their waiters.
  void copied_own(std::uint64_t outbox_first, std::uint64_t count, std::uint64_t log_first);

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string error_;
  struct own_copy {
    std::uint64_t outbox_first, count, log_first;
  };
  std::deque<own_copy> own_;  // the last kOwnCopiesKept own messages copied
  std::vector<std::pair<std::uint64_t, std::function<void(std::uint64_t)>>> waiting_;
  std::thread thread_;
};

}  // namespace linkly
