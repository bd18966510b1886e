#pragma once
// backoff: how long to wait before the next try after failures in a row.
// One formula for every retry loop (click batches, projections, supervised
// restarts, store reopens): the first wait, doubled for each failure after
// the first, at most a ceiling. In storage/ so that storage and actors share it.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace linkly {

/// Doublings at most: 2^20 times the first wait is already days for any
/// sensible first wait, and the shift never overflows.
inline constexpr std::uint64_t kMaxBackoffDoublings = 20;

/// `first * 2^(failures-1)`, at most `ceiling`: the wait after the
/// `failures`-th failure in a row (0 counts as 1).
constexpr std::chrono::milliseconds backoff_delay(
    std::chrono::milliseconds first, std::uint64_t failures,
    std::chrono::milliseconds ceiling = std::chrono::milliseconds::max()) {
  const std::uint64_t doublings = std::min(failures > 0 ? failures - 1 : 0, kMaxBackoffDoublings);
  return std::min(first * (std::int64_t{1} << doublings), ceiling);
}

}  // namespace linkly
