#pragma once
// event_bus: hands the envelopes appended to one log to best-effort
// subscribers (live streams), each through a bounded buffer of its own, and
// wakes durable followers that read the log themselves.
//
// publish() never waits for a subscriber: when one's buffer is full, the
// events that do not fit are dropped for it and counted. Subscribers share
// one copy of each event. A durable follower subscribes with capacity 0: it
// only learns that the log moved.
//
// Thread safety: any thread may call any method. A subscription may outlive
// the bus.

#include "schemas/envelope.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace linkly {

class event_bus {
 public:
  /// Called when events (or, at capacity 0, news of them) arrive for a
  /// subscription that has taken everything since its last wake-up. Runs on
  /// the publishing thread, outside the bus's locks, possibly just after the
  /// subscription ended: it must be quick (post to an executor, send a
  /// message) and must not publish to this bus.
  using waker = std::function<void()>;
  /// Which events a subscription wants; empty means all.
  using filter = std::function<bool(const envelope&)>;

  class subscription {
   public:
    ~subscription();
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;

    /// Appends the buffered events to `*out` and re-arms the waker. Returns
    /// how many events were dropped for this subscription since the last take.
    std::uint64_t take(std::vector<std::shared_ptr<const envelope>>* out);

    /// Events dropped for this subscription in all.
    std::uint64_t dropped_total() const;

   private:
    friend class event_bus;
    struct state;
    explicit subscription(std::shared_ptr<state> st) : state_(std::move(st)) {}
    std::shared_ptr<state> state_;
  };

  event_bus();
  ~event_bus();
  event_bus(const event_bus&) = delete;
  event_bus& operator=(const event_bus&) = delete;

  /// A new subscription holding up to `capacity` events. It ends when the
  /// returned pointer is destroyed.
  std::shared_ptr<subscription> subscribe(std::size_t capacity, waker wake, filter keep = {});

  /// Offers `events` to every subscription, then wakes those that need it.
  void publish(const std::vector<envelope>& events) { publish(events, 0); }

  /// The same for events a log has just appended as seqs first_seq,
  /// first_seq + 1, ... (the envelopes themselves do not carry them); 0: as
  /// the envelopes say.
  void publish(const std::vector<envelope>& events, std::uint64_t first_seq);

  std::size_t subscribers() const;
  /// Events dropped for slow subscribers, over all of them.
  std::uint64_t dropped() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace linkly
