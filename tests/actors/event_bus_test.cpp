#include "actors/event_bus.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace linkly {
namespace {

std::vector<envelope> batch(std::uint64_t first, std::size_t n, std::string key = "a") {
  std::vector<envelope> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].seq = first + i;
    out[i].key = key;
  }
  return out;
}

TEST(EventBus, FullBufferDropsAndCountsWithoutWaiting) {
  event_bus bus;
  auto sub = bus.subscribe(3, {});
  bus.publish(batch(1, 5));
  std::vector<std::shared_ptr<const envelope>> got;
  EXPECT_EQ(sub->take(&got), 2u);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.front()->seq, 1u);
  EXPECT_EQ(got.back()->seq, 3u);
  EXPECT_EQ(bus.dropped(), 2u);
  bus.publish(batch(6, 1));
  got.clear();
  EXPECT_EQ(sub->take(&got), 0u);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->seq, 6u);
  EXPECT_EQ(sub->dropped_total(), 2u);
}

TEST(EventBus, WakesOncePerTake) {
  event_bus bus;
  std::atomic<int> wakes{0};
  auto sub = bus.subscribe(0, [&] { ++wakes; });
  bus.publish(batch(1, 2));
  bus.publish(batch(3, 2));
  EXPECT_EQ(wakes, 1) << "no second wake before the subscriber took";
  std::vector<std::shared_ptr<const envelope>> got;
  sub->take(&got);
  EXPECT_TRUE(got.empty()) << "capacity 0 only wakes";
  bus.publish(batch(5, 1));
  EXPECT_EQ(wakes, 2);
}

TEST(EventBus, FilterAndUnsubscribe) {
  event_bus bus;
  auto only_b = bus.subscribe(10, {}, [](const envelope& e) { return e.key == "b"; });
  auto all = bus.subscribe(10, {});
  EXPECT_EQ(bus.subscribers(), 2u);
  bus.publish(batch(1, 2, "a"));
  bus.publish(batch(3, 1, "b"));
  std::vector<std::shared_ptr<const envelope>> got;
  only_b->take(&got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->seq, 3u);
  all.reset();
  EXPECT_EQ(bus.subscribers(), 1u);
  bus.publish(batch(4, 1, "b"));  // nothing left dangling
}

TEST(EventBus, WakerMayEndItsOwnSubscription) {
  event_bus bus;
  std::shared_ptr<event_bus::subscription> sub;
  sub = bus.subscribe(0, [&] { sub.reset(); });
  bus.publish(batch(1, 1));  // would deadlock if wakers ran under the bus lock
  EXPECT_EQ(sub, nullptr);
  EXPECT_EQ(bus.subscribers(), 0u);
}

TEST(EventBus, SubscribersShareOneCopyOfEachEvent) {
  event_bus bus;
  auto a = bus.subscribe(4, {});
  auto b = bus.subscribe(4, {});
  bus.publish(batch(1, 1));
  std::vector<std::shared_ptr<const envelope>> got_a, got_b;
  a->take(&got_a);
  b->take(&got_b);
  ASSERT_EQ(got_a.size(), 1u);
  ASSERT_EQ(got_b.size(), 1u);
  EXPECT_EQ(got_a[0].get(), got_b[0].get());
}

TEST(EventBus, SubscriptionMayOutliveTheBus) {
  std::shared_ptr<event_bus::subscription> sub;
  {
    event_bus bus;
    sub = bus.subscribe(1, {});
  }
  std::vector<std::shared_ptr<const envelope>> got;
  EXPECT_EQ(sub->take(&got), 0u);
  sub.reset();
}

}  // namespace
}  // namespace linkly
