// log_throttle lets the first occurrence through and holds back the rest of
// its interval, counting them for the next line.

#include "http/log_throttle.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace linkly {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottleTest, FirstOccurrenceIsLoggedAndTheRestOfTheIntervalHeldBack) {
  log_throttle throttle(1h);
  EXPECT_EQ(throttle.note(), 1u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(throttle.note(), 0u);
}

TEST(LogThrottleTest, ZeroIntervalLogsEveryOccurrenceOnce) {
  log_throttle throttle(0ms);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(throttle.note(), 1u);
}

TEST(LogThrottleTest, ThreadsRacingForTheFirstLineLetExactlyOneThrough) {
  log_throttle throttle(1h);
  std::atomic<std::uint64_t> logged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) logged += throttle.note() > 0 ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(logged.load(), 1u);
}

}  // namespace
}  // namespace linkly
