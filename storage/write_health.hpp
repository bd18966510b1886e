#pragma once
// write_health: whether a store can be written, why not, and when it may
// next try to reopen itself. A store that failed a write keeps one of these
// beside its write mutex: failed()/healed()/due() are called with that mutex
// held; writable() and error() are for health checks on any thread and
// never wait on a write.

#include "storage/backoff.hpp"
#include "storage/status.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace linkly {

class write_health {
 public:
  using clock = std::chrono::steady_clock;

  /// The first reopen is due `initial` after a failure; each failure after
  /// it doubles the wait, up to `max`.
  write_health(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(initial), max_(max) {}

  /// A write or reopen failed.
  void failed(status why) {
    if (failure_.is_ok()) {
      failed_reopens_ = 0;
    } else {
      ++failed_reopens_;
    }
    failure_ = std::move(why);
    due_at_ = clock::now() + backoff_delay(initial_, failed_reopens_ + 1, max_);
    {
      std::lock_guard lock(text_mutex_);
      text_ = failure_.to_string();
    }
    writable_.store(false, std::memory_order_release);
  }

  /// A reopen (or a write) succeeded.
  void healed() {
    failure_ = status::ok();
    {
      std::lock_guard lock(text_mutex_);
      text_.clear();
    }
    writable_.store(true, std::memory_order_release);
  }

  /// Reopens that failed since the last failed write.
  std::uint64_t failed_reopens() const { return failed_reopens_; }
  /// Whether the reopen failing now is worth a log line: the 1st, 2nd,
  /// 4th, 8th... so that a long outage logs a few lines, not one per try.
  bool should_log_reopen_failure() const {
    const std::uint64_t n = failed_reopens_ + 1;
    return (n & (n - 1)) == 0;
  }

  /// Whether a write failed and no reopen has succeeded since.
  bool failing() const { return !failure_.is_ok(); }
  const status& failure() const { return failure_; }

  /// The reopen after a failed write, as every store does it: ok while
  /// nothing failed; the refusal while a reopen is not due yet; else
  /// `reopen()`, whose failure is recorded, logged now and then, and
  /// answered as an io error naming `what`. `*reopened` is set when a
  /// reopen just succeeded (the caller says what it resumes with).
  status heal(const std::string& what, const std::function<status()>& reopen, bool* reopened);

  /// Whether a reopen may be tried now; if not, the io error to answer.
  bool due(const std::string& what, status* refusal) const {
    const auto now = clock::now();
    if (now >= due_at_) return true;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(due_at_ - now);
    *refusal = status::io_error(what + " cannot be written (" + failure_.message() +
                                "); reopening it in " + std::to_string(wait.count()) + " ms");
    return false;
  }

  bool writable() const { return writable_.load(std::memory_order_acquire); }
  /// Why not writable, "" when writable.
  std::string error() const {
    std::lock_guard lock(text_mutex_);
    return text_;
  }

 private:
  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds max_;
  std::uint64_t failed_reopens_ = 0;
  status failure_;
  clock::time_point due_at_{};
  std::atomic<bool> writable_{true};
  mutable std::mutex text_mutex_;
  std::string text_;
};

}  // namespace linkly
