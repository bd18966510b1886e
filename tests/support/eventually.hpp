#pragma once
// Awaiting a condition another thread or process brings about. Header-only:
// the unit suites do not link tests/support/*.cpp.

#include <chrono>
#include <functional>
#include <thread>

namespace linkly::testing {

/// How long eventually() waits by default: far beyond what a condition
/// takes on an idle machine, so only a real failure runs into it.
inline constexpr std::chrono::milliseconds kEventuallyLimit{5'000};
/// Pause between two checks by default: short, as in-process conditions are
/// cheap to check. Callers polling a server over HTTP pass a longer one.
inline constexpr std::chrono::milliseconds kEventuallyPoll{1};

/// Checks `condition` until it holds (true) or `limit` passes (false); it
/// is checked once more at the deadline, so a slow check still counts.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds limit = kEventuallyLimit,
                       std::chrono::milliseconds poll = kEventuallyPoll) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace linkly::testing
