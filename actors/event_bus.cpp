#include "actors/event_bus.hpp"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

namespace linkly {

struct event_bus::subscription::state {
  std::size_t capacity = 0;
  waker wake;
  filter keep;
  std::mutex mutex;  // guards buffer, dropped, armed
  std::vector<std::shared_ptr<const envelope>> buffer;
  std::uint64_t dropped = 0;        // since the last take
  std::uint64_t dropped_total = 0;  //
  bool armed = true;                // the next arrival wakes
  std::weak_ptr<event_bus::impl> bus;
};

struct event_bus::impl {
  mutable std::mutex mutex;  // guards subs
  std::vector<std::shared_ptr<subscription::state>> subs;
  std::atomic<std::uint64_t> dropped{0};
};

event_bus::subscription::~subscription() {
  if (auto bus = state_->bus.lock()) {
    std::lock_guard lock(bus->mutex);
    auto& subs = bus->subs;
    subs.erase(std::remove(subs.begin(), subs.end(), state_), subs.end());
  }
}

std::uint64_t event_bus::subscription::take(std::vector<std::shared_ptr<const envelope>>* out) {
  std::lock_guard lock(state_->mutex);
  std::move(state_->buffer.begin(), state_->buffer.end(), std::back_inserter(*out));
  state_->buffer.clear();
  state_->armed = true;
  return std::exchange(state_->dropped, 0);
}

std::uint64_t event_bus::subscription::dropped_total() const {
  std::lock_guard lock(state_->mutex);
  return state_->dropped_total;
}

event_bus::event_bus() : impl_(std::make_shared<impl>()) {}
event_bus::~event_bus() = default;

std::shared_ptr<event_bus::subscription> event_bus::subscribe(std::size_t capacity, waker wake,
                                                              filter keep) {
  auto st = std::make_shared<subscription::state>();
  st->capacity = capacity;
  st->wake = std::move(wake);
  st->keep = std::move(keep);
  st->bus = impl_;
  std::lock_guard lock(impl_->mutex);
  impl_->subs.push_back(st);
  return std::shared_ptr<subscription>(new subscription(std::move(st)));
}

void event_bus::publish(const std::vector<envelope>& events, std::uint64_t first_seq) {
  if (events.empty()) return;
  // Shared by every subscriber that keeps it; made on first use.
  std::vector<std::shared_ptr<const envelope>> shared(events.size());
  // Woken once the bus lock is released, so a waker may end a subscription.
  std::vector<std::shared_ptr<subscription::state>> to_wake;
  {
    std::lock_guard lock(impl_->mutex);
    for (const auto& sub : impl_->subs) {
      std::lock_guard sub_lock(sub->mutex);
      bool arrived = false;
      for (std::size_t i = 0; i < events.size(); ++i) {
        if (sub->keep && !sub->keep(events[i])) continue;
        if (sub->capacity == 0) {
          arrived = true;
        } else if (sub->buffer.size() < sub->capacity) {
          if (!shared[i]) {
            auto copy = std::make_shared<envelope>(events[i]);
            if (first_seq != 0) copy->seq = first_seq + i;
            shared[i] = std::move(copy);
          }
          sub->buffer.push_back(shared[i]);
          arrived = true;
        } else {
          ++sub->dropped;
          ++sub->dropped_total;
          impl_->dropped.fetch_add(1, std::memory_order_relaxed);
        }
      }
      if (arrived && sub->armed && sub->wake) {
        sub->armed = false;
        to_wake.push_back(sub);
      }
    }
  }
  for (const auto& sub : to_wake) sub->wake();
}

std::size_t event_bus::subscribers() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->subs.size();
}

std::uint64_t event_bus::dropped() const {
  return impl_->dropped.load(std::memory_order_relaxed);
}

}  // namespace linkly
