#pragma once
// core_load: how much of a pinned side's core other work took during a run.
//
// The server and the load generator are each pinned to a core, but the
// machine's other processes may run there too (and the hypervisor may steal
// the vCPU). What a run measured then is the machine, not the server. The
// foreign share of a core is its user time (any process, niced too) plus its
// steal time, minus the user time of the side pinned to it. Kernel time is
// left out: softirq work of the run's own loopback traffic lands there, on
// either core.

#include <sys/types.h>

namespace linkly::bench {

/// user + nice + steal seconds of `cpu` so far, from /proc/stat; -1 when
/// it cannot be read.
double core_user_and_steal_seconds(int cpu);
/// User-mode CPU seconds of every thread of `pid` so far (/proc/PID/stat
/// utime); -1 when it cannot be read.
double process_user_seconds(pid_t pid);
/// User-mode CPU seconds of this whole process so far.
double own_user_seconds();

/// Accumulates one core's foreign seconds between two samples.
class core_watch {
 public:
  /// `cpu` < 0 or `pid` < 0: nothing is watched and seconds() stays -1.
  /// `pid` 0 watches this process.
  core_watch(int cpu, pid_t pid) : cpu_(cpu), pid_(pid) {}
  void start();
  void stop();
  /// Seconds of the core other work used between start() and stop(); -1
  /// when unknown.
  double seconds() const { return seconds_; }

 private:
  double ours() const;

  int cpu_;
  pid_t pid_;
  double core_start_ = -1, ours_start_ = -1;
  double seconds_ = -1;
};

}  // namespace linkly::bench
