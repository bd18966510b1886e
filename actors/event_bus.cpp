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
  std::vector<envelope> buffer;
  std::uint64_t dropped = 0;        // since the last take
  std::uint64_t dropped_total = 0;  //
  bool armed = true;                // the next arrival wakes
  std::weak_ptr<event_bus::impl> bus;
};

struct event_bus::impl {
  mutable std::mutex mutex;  // guards subs
  std::vector<subscription::state*> subs;
  std::atomic<std::uint64_t> dropped{0};
};

event_bus::subscription::~subscription() {
  if (auto bus = state_->bus.lock()) {
    std::lock_guard lock(bus->mutex);
    auto& subs = bus->subs;
    subs.erase(std::remove(subs.begin(), subs.end(), state_.get()), subs.end());
  }
}

std::uint64_t event_bus::subscription::take(std::vector<envelope>* out) {
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
  impl_->subs.push_back(st.get());
  return std::shared_ptr<subscription>(new subscription(std::move(st)));
}

void event_bus::publish(const std::vector<envelope>& events) {
  if (events.empty()) return;
  // Wakers run once every lock is released: they may post, send, or take.
  std::vector<waker*> to_wake;
  std::lock_guard lock(impl_->mutex);
  for (subscription::state* sub : impl_->subs) {
    std::lock_guard sub_lock(sub->mutex);
    bool arrived = false;
    for (const envelope& e : events) {
      if (sub->keep && !sub->keep(e)) continue;
      if (sub->capacity == 0) {
        arrived = true;
      } else if (sub->buffer.size() < sub->capacity) {
        sub->buffer.push_back(e);
        arrived = true;
      } else {
        ++sub->dropped;
        ++sub->dropped_total;
        impl_->dropped.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (arrived && sub->armed && sub->wake) {
      sub->armed = false;
      to_wake.push_back(&sub->wake);
    }
  }
  // Still under the bus lock, so no subscription is destroyed meanwhile; a
  // waker must therefore not subscribe or unsubscribe.
  for (waker* w : to_wake) (*w)();
}

std::size_t event_bus::subscribers() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->subs.size();
}

std::uint64_t event_bus::dropped() const {
  return impl_->dropped.load(std::memory_order_relaxed);
}

}  // namespace linkly
