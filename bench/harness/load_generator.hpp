#pragma once
// load_generator: HTTP/1.1 load over keep-alive connections on one thread,
// one request in flight per connection (no pipelining).
//
// Open loop (rate > 0): request i is due at t0 + i/rate and goes to
// connection i mod N; if that connection is still busy it waits, and its
// latency counts from when it was due, not from when it could be sent, so a
// server that stalls is charged for every request it held up (the
// coordinated-omission correction of wrk2).
//
// Closed loop (rate == 0): each connection sends its next request as soon as
// the previous answer arrives; latency counts from the send. This finds the
// highest rate the server sustains.
//
// Only requests due (open) or sent (closed) inside the measured window,
// after the warm-up, go into the histograms; every answer is checked and
// counted, warm-up included, so the server's click counters can be audited.

#include "bench/harness/latency_histogram.hpp"
#include "bench/harness/workload.hpp"

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace linkly::bench {

struct load_options {
  std::uint16_t port = 0;  // on 127.0.0.1
  std::size_t connections = 32;
  /// Requests per second for an open loop; 0 runs a closed loop.
  double rate = 0;
  std::chrono::nanoseconds warmup = std::chrono::seconds(1);
  std::chrono::nanoseconds duration = std::chrono::seconds(5);
  /// After the window, how long answers still owed are waited for. What is
  /// unanswered then is counted, and charged its wait so far as latency.
  std::chrono::nanoseconds drain_timeout = std::chrono::seconds(5);
  /// When set, its CPU time over the measured window is reported.
  pid_t server_pid = 0;
  /// Open loop: once the next request is due within this, the generator
  /// polls instead of sleeping until it, so the wake-up of a sleeping
  /// thread (hundreds of us on a VM) stays out of the latencies; it costs
  /// the generator's core. 0: always sleep.
  std::chrono::nanoseconds spin_within{0};
  /// The cores the server and this generator are pinned to (-1: not
  /// pinned): the share other work took of them is reported.
  int server_core = -1;
  int bench_core = -1;
};

struct load_result {
  latency_histogram redirect_latency;  // measured window only
  latency_histogram create_latency;
  /// Open loop: how late requests went out after they were due (waiting
  /// for a busy connection, or the generator itself falling behind).
  latency_histogram send_lag;
  /// Open loop: how late the generator itself noticed requests falling due
  /// (its timer or loop running late), busy connections aside.
  latency_histogram generator_lag;
  std::uint64_t sent = 0;  // whole run, warm-up included
  std::uint64_t answered = 0;
  std::uint64_t redirects_302 = 0;  // every 302: the clicks the server owes
  std::uint64_t measured = 0;       // answers inside the window
  std::uint64_t wrong_status = 0;
  std::uint64_t wrong_location = 0;
  std::uint64_t io_errors = 0;  // failed connects, writes and reads
  /// Redirects whose answer was lost (error or drain timeout): the server
  /// may or may not have counted their clicks.
  std::uint64_t in_doubt = 0;
  std::uint64_t unanswered = 0;  // owed when the drain timed out
  double offered_rate = 0;       // 0 for a closed loop
  double achieved_rate = 0;      // answers received in the window per second
  double window_seconds = 0;
  double cpu_window_seconds = 0;   // wall time the two below were taken over
  double server_cpu_seconds = -1;  // -1: unknown
  double bench_cpu_seconds = 0;
  /// Seconds of the server's and the generator's cores that other work
  /// used over the same window (core_load); -1: unknown or not pinned.
  double server_core_foreign_seconds = -1;
  double bench_core_foreign_seconds = -1;
  bool interrupted = false;
  std::vector<std::string> problems;  // the first few, for the report

  bool clean() const {
    return wrong_status == 0 && wrong_location == 0 && io_errors == 0 && unanswered == 0;
  }
};

/// Runs on the calling thread until the window is over and every answer is
/// in (or the drain timed out, or stop_requested()). Throws
/// std::runtime_error when it cannot connect at all.
load_result run_load(const load_options& options, workload& work);

}  // namespace linkly::bench
