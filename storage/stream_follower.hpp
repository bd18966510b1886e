#pragma once
// stream_follower: keeps a node's local links log a replica of the links
// stream. One thread (at normal priority: see
// stream_follower_options::background) fetches the stream from the
// local log's highest seq + 1 and appends each record to the local log under
// the stream's own sequence number, so everything that reads the local log
// (the log listener, projections, /events, history, replay) works unchanged
// on every node.
//
// The local log must hold exactly the stream's records: a record whose seq
// is not the local highest + 1 (a gap, or a stream that was recreated), or
// one that cannot be decoded, stops the follower for good with an error
// naming both seqs. It never skips.
//
// Thread safety: any thread may call any method.

#include "storage/status.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace linkly {

class event_log;
class stream_log;

struct stream_follower_options {
  /// Most records one fetch takes (and one local append writes).
  std::size_t batch_records = 512;
  /// How long one fetch waits for new records: bounds how late a stop is
  /// noticed, and how often reachability is refreshed (milliseconds).
  std::chrono::milliseconds fetch_wait{250};
  /// After a failed fetch or append, the next try waits this long, doubled
  /// per failure in a row up to `retry_backoff_max` (milliseconds). The
  /// ceiling is short: while a nats-server's death has the stream elect a
  /// leader (4-7.5 s in chaos runs) every try fails, and every write on the
  /// node waits for this thread once the leader is back (with a 2 s
  /// ceiling, up to 2 s went by after the election). nudge() cuts a pause
  /// short.
  std::chrono::milliseconds retry_backoff{50};
  std::chrono::milliseconds retry_backoff_max{250};
  /// Run at background priority (storage/thread_priority.hpp). Off by
  /// default: every write waits for this thread (read-your-writes), and so
  /// does other nodes' freshness; at background priority a node busy with
  /// redirects starved it (PUT-to-redirect p99 across nodes 60-90 ms
  /// against 14-20 ms at normal priority, tests/e2e/cluster_test.cpp).
  bool background = false;
};

class stream_follower {
 public:
  /// Does not start: start() does. `log` is appended to by this follower
  /// alone while it runs.
  stream_follower(std::shared_ptr<stream_log> stream, std::shared_ptr<event_log> log,
                  stream_follower_options options = {});
  ~stream_follower();  // stop()s
  stream_follower(const stream_follower&) = delete;
  stream_follower& operator=(const stream_follower&) = delete;

  void start();
  /// Stops the thread within about one fetch_wait; idempotent.
  void stop();

  /// The highest seq the local log holds (what this follower applied, or
  /// what the log held when it started).
  std::uint64_t applied() const { return applied_.load(std::memory_order_acquire); }

  /// Waits until applied() >= seq, at most `limit`. False on timeout, or
  /// at once when the follower stopped (for good, or on stop()).
  bool wait_for(std::uint64_t seq, std::chrono::milliseconds limit) const;

  /// Whether the stream answered the last fetch.
  bool reachable() const { return reachable_.load(std::memory_order_acquire); }
  /// The stream answered someone else (a publish was acknowledged): a
  /// pause after failed fetches ends now rather than at its end.
  void nudge();
  /// "" while following; else why it stopped for good (a gap, a record
  /// that cannot be decoded).
  std::string failure() const;
  /// "" while the stream answers; else the last fetch's error.
  std::string fetch_error() const;

 private:
  void run();
  // One fetch and append; false when the follower must stop for good.
  bool step(std::uint64_t* failures);
  void fail(std::string why);

  std::shared_ptr<stream_log> stream_;
  std::shared_ptr<event_log> log_;
  stream_follower_options options_;
  std::atomic<std::uint64_t> applied_{0};
  // Start-up catch-up has just reached the stream; a fetch that fails says otherwise.
  std::atomic<bool> reachable_{true};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;    // mutex_
  bool nudged_ = false;      // mutex_: nudge() since the pause began
  bool stopped_ = false;     // mutex_: the thread is done (stop() or failure)
  std::string failure_;      // mutex_
  std::string fetch_error_;  // mutex_
  std::thread thread_;
};

}  // namespace linkly
