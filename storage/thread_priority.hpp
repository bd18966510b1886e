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

#include <string_view>

namespace linkly {

/// Names the calling thread `name` (the kernel keeps its first 15 bytes; the
/// name is what `top -H` and `perf sched` show) and lowers its CPU priority
/// to the background level. Never fails: a refusal is logged once per
/// process and the thread runs on at its old priority.
void become_background_thread(std::string_view name);

/// Names the calling thread only (a thread that keeps its priority).
void name_thread(std::string_view name);

/// Whether the calling thread runs at the background level, read back from
/// the kernel (not from what become_background_thread() remembered).
bool runs_in_background();

}  // namespace linkly
