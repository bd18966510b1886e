#pragma once
// click_publisher: in cluster mode a node's clicks log is its outbox. The
// click queue writes there as on a single node (a redirect never waits for
// the cluster), and this thread copies the log into the cluster's clicks
// stream in order, one message per batch, on the node's own subject
// (click_message.hpp).
//
// Exactly once: every message is published expecting the sequence of the
// subject's previous message, which only this node writes. After a lost
// acknowledgement, a refusal or a restart, the publisher asks the stream for
// the subject's last message and resumes after the clicks it holds, so a
// batch is never stored twice nor skipped, without relying on the stream's
// de-duplication window. While the stream cannot be reached clicks wait in
// the log (on disk, as many as it has room for) and backlog() grows.
//
// A stream that holds more of this node's clicks than its log does (the
// node's data was lost and its name reused) stops the publisher with an
// error: publishing would skip or mix clicks.

#include "storage/status.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace linkly {

class event_log;
class stream_log;

struct click_publisher_options {
  /// This node's name: the subject is "clicks.<node>".
  std::string node;
  /// Most clicks per message. At up to ~700 bytes a click, 512 stay well
  /// under JetStream's default 1 MiB payload limit.
  std::size_t max_batch = 512;
  /// Longest sleep when the log has nothing new (notify() wakes it sooner).
  std::chrono::milliseconds idle_wait{50};
  /// Wait after a failed publish or resync; doubles per failure in a row.
  std::chrono::milliseconds backoff{100};
  std::chrono::milliseconds backoff_max{5'000};
};

class click_publisher {
 public:
  /// Starts the publishing thread. The stream need not be reachable yet.
  static std::unique_ptr<click_publisher> start(std::shared_ptr<event_log> outbox,
                                                std::shared_ptr<stream_log> stream,
                                                const click_publisher_options& options);

  click_publisher(const click_publisher&) = delete;
  click_publisher& operator=(const click_publisher&) = delete;
  ~click_publisher();  // stop()s

  /// The outbox grew: publish without waiting out idle_wait. Cheap, any
  /// thread.
  void notify();

  /// The highest seq of the outbox known to be in the stream.
  std::uint64_t published() const { return published_.load(std::memory_order_acquire); }
  /// Clicks in the outbox not yet known to be in the stream.
  std::uint64_t backlog() const;
  /// Whether the last call to the stream succeeded.
  bool reachable() const { return reachable_.load(std::memory_order_acquire); }
  /// Publishes or resyncs that failed so far.
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  /// Why publishing stopped for good ("" while it runs).
  std::string error() const;

  /// Stops the thread after the call in flight. Idempotent.
  void stop();

 private:
  click_publisher(std::shared_ptr<event_log> outbox, std::shared_ptr<stream_log> stream,
                  click_publisher_options options);
  void run();
  enum class step { progressed, idle, failed };
  /// Learns from the stream where publishing stopped.
  step resync();
  /// Publishes the next batch, if there is one.
  step publish_next();
  void wait(std::chrono::milliseconds d);

  std::shared_ptr<event_log> outbox_;
  std::shared_ptr<stream_log> stream_;
  click_publisher_options options_;
  std::string subject_;

  bool synced_ = false;             // the thread's own
  std::uint64_t subject_last_ = 0;  // stream seq of the subject's last message
  std::uint64_t consecutive_failures_ = 0;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<bool> reachable_{false};
  std::atomic<std::uint64_t> failures_{0};

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  bool stopping_ = false;
  bool notified_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace linkly
