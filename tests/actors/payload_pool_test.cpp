// payload_pool: written clicks' payload buffers come back for new clicks,
// emptied and with their memory, and the pool keeps no more than its bound.

#include "actors/payload_pool.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace linkly {
namespace {

// `n` clicks whose payloads each own a heap buffer of `bytes`.
std::vector<envelope> clicks_with_payloads(std::size_t n, std::size_t bytes) {
  std::vector<envelope> out(n);
  for (auto& c : out) c.payload.assign(bytes, 'p');
  return out;
}

TEST(PayloadPool, GivesBackTheSameBuffersEmptied) {
  payload_pool pool;
  auto clicks = clicks_with_payloads(3, 300);
  std::set<const char*> given;
  for (const auto& c : clicks) given.insert(c.payload.data());
  pool.give(clicks);
  EXPECT_EQ(pool.size(), 3u);
  for (const auto& c : clicks) EXPECT_TRUE(c.payload.empty());

  std::vector<std::string> taken;
  pool.take(10, &taken);  // more than it holds: all of them
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(pool.size(), 0u);
  for (const auto& b : taken) {
    EXPECT_TRUE(b.empty());
    EXPECT_GE(b.capacity(), 300u);
    EXPECT_EQ(given.count(b.data()), 1u) << "not one of the given buffers";
  }
}

TEST(PayloadPool, TakesAtMostWhatIsAskedAndAppends) {
  payload_pool pool;
  auto clicks = clicks_with_payloads(5, 100);
  pool.give(clicks);
  std::vector<std::string> taken(1);  // already holds one: appended after it
  pool.take(2, &taken);
  EXPECT_EQ(taken.size(), 3u);
  EXPECT_EQ(pool.size(), 3u);
  taken.clear();
  payload_pool empty;
  empty.take(4, &taken);
  EXPECT_TRUE(taken.empty());
}

TEST(PayloadPool, KeepsNoMoreThanItsBound) {
  payload_pool pool(4);
  auto clicks = clicks_with_payloads(10, 100);
  pool.give(clicks);
  EXPECT_EQ(pool.size(), 4u);
  auto more = clicks_with_payloads(2, 100);
  pool.give(more);
  EXPECT_EQ(pool.size(), 4u);
  EXPECT_FALSE(more[0].payload.empty()) << "a payload not kept stays with its click";
}

TEST(PayloadPool, KeepsNeitherOversizedNorUnallocatedBuffers) {
  payload_pool pool;
  std::vector<envelope> clicks(3);
  clicks[0].payload.assign(kMaxPooledPayloadBytes + 1, 'x');  // a rare long click
  clicks[1].payload = "short";  // within the string itself: no heap buffer
  clicks[2].payload.assign(200, 'y');
  pool.give(clicks);
  EXPECT_EQ(pool.size(), 1u);
  std::vector<std::string> taken;
  pool.take(3, &taken);
  for (const auto& b : taken) EXPECT_LE(b.capacity(), kMaxPooledPayloadBytes);
}

}  // namespace
}  // namespace linkly
