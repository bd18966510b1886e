#pragma once
// restart_budget: how often something may be restarted within a window
// before restarting it is pointless (it is crash-looping).

#include "storage/backoff.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>

namespace linkly {

class restart_budget {
 public:
  using clock_type = std::chrono::steady_clock;

  restart_budget(std::size_t max_restarts, std::chrono::milliseconds window)
      : max_restarts_(max_restarts), window_(window) {}

  /// Records a restart now. False once there were more than max_restarts
  /// within the window: give up.
  bool spend(clock_type::time_point now = clock_type::now()) {
    while (!recent_.empty() && now - recent_.front() > window_) recent_.pop_front();
    recent_.push_back(now);
    return recent_.size() <= max_restarts_;
  }

  /// Restarts within the window so far.
  std::size_t spent() const { return recent_.size(); }

  /// `initial` doubled for each restart in the window, at most `max`.
  std::chrono::milliseconds backoff(std::chrono::milliseconds initial,
                                    std::chrono::milliseconds max) const {
    return backoff_delay(initial, recent_.size(), max);
  }

 private:
  std::size_t max_restarts_;
  std::chrono::milliseconds window_;
  std::deque<clock_type::time_point> recent_;
};

}  // namespace linkly
