// backoff_delay: the one retry-wait formula of click batches, projections,
// supervised restarts and store reopens.

#include "storage/backoff.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace linkly {
namespace {

using std::chrono::milliseconds;

TEST(BackoffDelay, FirstFailureWaitsTheFirstWait) {
  EXPECT_EQ(backoff_delay(milliseconds(100), 1), milliseconds(100));
}

TEST(BackoffDelay, NoFailureYetCountsAsTheFirst) {
  EXPECT_EQ(backoff_delay(milliseconds(100), 0), milliseconds(100));
}

TEST(BackoffDelay, EachFailureAfterTheFirstDoublesTheWait) {
  EXPECT_EQ(backoff_delay(milliseconds(100), 2), milliseconds(200));
  EXPECT_EQ(backoff_delay(milliseconds(100), 3), milliseconds(400));
  EXPECT_EQ(backoff_delay(milliseconds(1000), 5), milliseconds(16'000));
}

TEST(BackoffDelay, StopsAtTheCeiling) {
  EXPECT_EQ(backoff_delay(milliseconds(100), 5, milliseconds(1000)), milliseconds(1000));
  EXPECT_EQ(backoff_delay(milliseconds(100), 4, milliseconds(1000)), milliseconds(800));
  EXPECT_EQ(backoff_delay(milliseconds(100), 1'000'000, milliseconds(5000)), milliseconds(5000));
}

TEST(BackoffDelay, DoublesAtMostTwentyTimes) {
  const milliseconds most = milliseconds(1) * (std::int64_t{1} << kMaxBackoffDoublings);
  EXPECT_EQ(backoff_delay(milliseconds(1), kMaxBackoffDoublings + 1), most);
  EXPECT_EQ(backoff_delay(milliseconds(1), kMaxBackoffDoublings + 2), most);
  EXPECT_EQ(backoff_delay(milliseconds(1), ~std::uint64_t{0}), most);
}

TEST(BackoffDelay, ZeroFirstWaitStaysZero) {
  EXPECT_EQ(backoff_delay(milliseconds(0), 7, milliseconds(1000)), milliseconds(0));
}

}  // namespace
}  // namespace linkly
