#pragma once
// log_throttle: at most one log line per interval for an event that can
// repeat as fast as requests arrive (a failing disk, a damaged link, a full
// descriptor table), with the count of occurrences each line stands for.
// Thread-safe and lock-free, so io threads may share one.

#include "schemas/clock.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>

namespace linkly {

class log_throttle {
 public:
  explicit log_throttle(std::chrono::milliseconds interval) : interval_ms_(interval.count()) {}

  /// Counts one occurrence. Returns how many occurred since the last line
  /// (this one included) when a line is due now, else 0: log only then.
  std::uint64_t note() {
    std::uint64_t count = since_.fetch_add(1, std::memory_order_relaxed) + 1;
    std::int64_t now = now_utc_ms();
    std::int64_t last = last_ms_.load(std::memory_order_relaxed);
    if (now - last < interval_ms_) return 0;
    if (!last_ms_.compare_exchange_strong(last, now, std::memory_order_relaxed)) return 0;
    since_.fetch_sub(count, std::memory_order_relaxed);
    return count;
  }

 private:
  const std::int64_t interval_ms_;
  std::atomic<std::int64_t> last_ms_{0};
  std::atomic<std::uint64_t> since_{0};
};

}  // namespace linkly
