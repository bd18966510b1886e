#pragma once
// store_healer: a thread that gives stores which failed a write their chance
// to reopen even when nobody writes to them, so that /healthz turns healthy
// soon after the disk has room again. Each store's own backoff still decides
// whether a reopen is tried; the healer only asks, every `interval`.
//
// The calls block on LevelDB: they run on this thread, never on an io or a
// CAF scheduler thread.

#include "storage/thread_priority.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace linkly {

class store_healer {
 public:
  /// How often unwritable stores are asked to heal: short against the
  /// stores' own reopen backoff (100 ms to 2 s), so it adds little delay.
  static constexpr std::chrono::milliseconds kDefaultInterval{250};

  /// Each check is called every `interval` from the healer's thread; it
  /// should do nothing when its store is writable (e.g. event_log::heal).
  explicit store_healer(std::vector<std::function<void()>> checks,
                        std::chrono::milliseconds interval = kDefaultInterval)
      : checks_(std::move(checks)), interval_(interval), thread_([this] { run(); }) {}

  store_healer(const store_healer&) = delete;
  store_healer& operator=(const store_healer&) = delete;

  ~store_healer() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    become_background_thread("store-healer");
    std::unique_lock lock(mutex_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      for (const auto& check : checks_) check();
      lock.lock();
    }
  }

  std::vector<std::function<void()>> checks_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace linkly
