#pragma once
// Background threads: work no client waits for (queued click writers,
// projection runners, the click spool's file thread, the store healer,
// LevelDB's compactions) runs below the io threads, so that an io thread that
// wakes takes the CPU from them at once instead of waiting out their time
// slice. The io threads, CAF's scheduler threads and every thread a client
// waits on (links log writer and reader, inline click writer, dead-letter
// admin) keep the normal priority: at SCHED_IDLE any busy process on the
// same CPU would starve them.
//
// Linux, per thread: SCHED_IDLE (see thread_priority.cpp and
// bench/results/tail.md for why that policy). Elsewhere only the name is set.

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace linkly {

/// Background threads raised to the normal level together while the work
/// they do piles up. At SCHED_IDLE a thread gets no CPU while an io thread
/// keeps its core busy: a click writer starved so lets the click queue fill
/// until it sheds clicks. Raised, it shares the core with the io threads
/// instead, and redirects slow by what writing their clicks costs. Threads
/// join through become_background_thread() and leave when they exit.
class background_group {
 public:
  /// Raises (true) or lowers (false) every member now, and those that join
  /// later start so. Any thread; a syscall per member, on a change only.
  void raise(bool raised);
  bool raised() const;
  /// Times raise(true) changed the level.
  std::uint64_t raises() const;
  /// Threads that are members now.
  std::size_t size() const;

 private:
  friend class background_membership;
  void join(int tid);
  void leave(int tid);

  mutable std::mutex mutex_;
  std::vector<int> members_;  // kernel thread ids
  bool raised_ = false;
  std::uint64_t raises_ = 0;
};

/// The click path's group: the queued click writers and LevelDB's
/// background thread (memtable flushes, without which a writer waits).
background_group& click_path_threads();

/// Names the calling thread `name` (the kernel keeps its first 15 bytes; the
/// name is what `top -H` and `perf sched` show) and lowers its CPU priority
/// to the background level. Never fails: a refusal is logged once per
/// process and the thread runs on at its old priority.
/// With a `group`, the thread is one of its members until it exits, and
/// starts raised if the group is.
void become_background_thread(std::string_view name, background_group* group = nullptr);

/// Names the calling thread only (a thread that keeps its priority).
void name_thread(std::string_view name);

/// Whether the calling thread runs at the background level, read back from
/// the kernel (not from what become_background_thread() remembered).
bool runs_in_background();

}  // namespace linkly
