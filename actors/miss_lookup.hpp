#pragma once
// miss_lookup: cluster mode, a redirect miss asked of the links stream.
//
// A node reads its own writes, but another node's create reaches it only
// once its follower copied it (a few ms; longer while a nats-server dies).
// A redirect for a code the read view does not hold is handed here: a
// lookup thread reads the code's last event on `links.<code>`
// (storage/stream_link.hpp) and calls back with the link when it lives, so
// the node answers 302 instead of 404.
//
// Bounded, so that a scan of random codes cannot become unbounded NATS
// traffic: at most max_in_flight lookups queued or running, started at
// most at `per_second` (a token bucket of `burst`); beyond, submit() says
// no and the miss is answered 404 at once (shed). While the node's
// follower cannot reach the stream, no lookup is tried (unreachable).
//
// Thread safety: any thread may call submit() and counts(); it never
// blocks on the network. The callbacks run on the lookup threads.

#include "schemas/link_commands.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace linkly {

class stream_log;

struct miss_lookup_options {
  /// Threads asking the stream. Normal priority: a client waits on each
  /// lookup. A lookup is one round trip (~0.3 ms), so two carry thousands
  /// a second, far more than `per_second`.
  std::size_t threads = 2;
  /// Most lookups queued or running at once; a miss beyond is answered 404
  /// at once (lookups).
  std::size_t max_in_flight = 64;
  /// Lookups started per second on average (the token bucket's refill,
  /// lookups/s): a scan of random codes costs NATS at most this much.
  double per_second = 500;
  /// Lookups that may start at once after a quiet spell (the bucket's
  /// size, lookups).
  double burst = 100;
  /// Longest a lookup waits in the queue before it is answered 404 without
  /// asking (milliseconds). Each request to the stream then waits at most
  /// cluster.attempt_timeout_ms; a code whose last event is an update needs
  /// its history too, up to kMaxStreamLinkEvents + 1 requests.
  std::chrono::milliseconds queue_timeout{1'000};
};

enum class miss_result {
  found,        // the stream holds the code live: answered from it
  absent,       // no such code, or deleted: 404
  shed,         // over a bound: 404 without asking
  failed,       // the stream did not answer (or too late): 404
  unreachable,  // the node's follower cannot reach the stream: 404 without asking
};
inline constexpr std::size_t kMissResults = 5;

/// The lookups so far, per result.
struct miss_counts {
  std::uint64_t found = 0;
  std::uint64_t absent = 0;
  std::uint64_t shed = 0;
  std::uint64_t failed = 0;
  std::uint64_t unreachable = 0;
};

class miss_lookup {
 public:
  /// Called once per taken lookup, on a lookup thread: found with the live
  /// link, or absent/failed (then `link` is empty).
  using callback = std::function<void(miss_result result, const link_info& link)>;

  /// Starts the threads. `reachable` says whether the stream answered the
  /// node's follower lately (quick; it must not touch the network).
  miss_lookup(std::shared_ptr<stream_log> stream, std::function<bool()> reachable,
              miss_lookup_options options = {});
  ~miss_lookup();  // stop()s
  miss_lookup(const miss_lookup&) = delete;
  miss_lookup& operator=(const miss_lookup&) = delete;

  /// Takes the lookup of `code` (true: `done` will be called once) or
  /// refuses it (false: shed or unreachable, counted; `done` is not
  /// called and the caller answers 404 now). Never blocks.
  bool submit(std::string code, callback done);

  miss_counts counts() const;
  /// Appends linkly_cluster_miss_lookups_total{result=...} to a /metrics
  /// text.
  void append_metrics(std::string* out) const;

  /// Lookups still queued are answered failed; waits for the running ones
  /// (each at most one stream call). Idempotent.
  void stop();

 private:
  struct job {
    std::string code;
    callback done;
    std::chrono::steady_clock::time_point deadline;
  };
  void run();
  void count(miss_result r);
  // Calls j.done; what it throws is logged, not let out of the thread.
  static void answer(job& j, miss_result r, const link_info& link);

  std::shared_ptr<stream_log> stream_;
  std::function<bool()> reachable_;
  miss_lookup_options options_;
  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<job> queue_;                           // mutex_
  std::size_t in_flight_ = 0;                       // mutex_: queued or running
  double tokens_ = 0;                               // mutex_
  std::chrono::steady_clock::time_point refilled_;  // mutex_
  bool stopping_ = false;                           // mutex_
  // Per result, indexed by miss_result.
  std::array<std::atomic<std::uint64_t>, kMissResults> counts_{};
  std::vector<std::thread> threads_;
};

const char* to_string(miss_result r);

}  // namespace linkly
