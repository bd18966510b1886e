#pragma once
// reply_slot: carries a callback from outside the actor system to the actor
// that answers it. CAF-free: a facade makes one, an actor delivers it.

#include "actors/exception_text.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <exception>
#include <functional>
#include <utility>

namespace linkly {

/// Delivered at most once; if the slot is destroyed undelivered (its actor
/// died, the message was dropped), it delivers `fallback`, so a waiting
/// HTTP request always gets an answer.
///
/// The callback is the caller's code. deliver() lets what it throws reach
/// the deliverer (an actor's handler, which has its own exception handling);
/// the destructor cannot, since a throw from a destructor terminates the
/// process: there it is caught and logged.
template <class T>
class reply_slot {
 public:
  reply_slot(std::function<void(T)> fn, T fallback)
      : fn_(std::move(fn)), fallback_(std::move(fallback)) {}
  reply_slot(const reply_slot&) = delete;
  reply_slot& operator=(const reply_slot&) = delete;
  ~reply_slot() {
    if (delivered_.exchange(true)) return;
    try {
      fn_(std::move(fallback_));
    } catch (...) {
      spdlog::error("a reply callback threw while answering a dropped request: {}",
                    describe_exception(std::current_exception()));
    }
  }

  void deliver(T value) {
    if (!delivered_.exchange(true)) fn_(std::move(value));
  }

 private:
  std::function<void(T)> fn_;
  T fallback_;
  std::atomic<bool> delivered_{false};
};

}  // namespace linkly
