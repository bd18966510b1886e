// restart_budget: restarts counted within a sliding window, and the wait
// before the next one. Time is passed in, so nothing here sleeps.

#include "actors/restart_budget.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <vector>

namespace linkly {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

const restart_budget::clock_type::time_point kStart{};

// spend() at each of `offsets` after kStart; what each call returned.
std::vector<bool> spend_at(restart_budget& budget, std::initializer_list<milliseconds> offsets) {
  std::vector<bool> out;
  for (milliseconds offset : offsets) out.push_back(budget.spend(kStart + offset));
  return out;
}

TEST(RestartBudget, AllowsUpToMaxRestartsWithinTheWindow) {
  restart_budget budget(3, 1000ms);
  EXPECT_EQ(spend_at(budget, {0ms, 10ms, 20ms, 30ms}),
            (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(budget.spent(), 4u);
}

TEST(RestartBudget, RestartsOlderThanTheWindowNoLongerCount) {
  restart_budget budget(2, 1000ms);
  // At 1001 ms the first is more than a window ago: room again, until 1200.
  EXPECT_EQ(spend_at(budget, {0ms, 500ms, 1001ms}), (std::vector<bool>{true, true, true}));
  EXPECT_EQ(budget.spent(), 2u);
  EXPECT_FALSE(budget.spend(kStart + 1200ms));
}

TEST(RestartBudget, ARestartExactlyAWindowAgoStillCounts) {
  restart_budget budget(1, 1000ms);
  EXPECT_EQ(spend_at(budget, {0ms, 1000ms}), (std::vector<bool>{true, false}));
}

TEST(RestartBudget, ZeroMaxRestartsGivesUpAtTheFirst) {
  restart_budget budget(0, 1000ms);
  EXPECT_FALSE(budget.spend(kStart));
}

TEST(RestartBudget, BackoffDoublesWithRestartsInTheWindowUpToMax) {
  restart_budget budget(10, 1000ms);
  std::vector<milliseconds> waits{budget.backoff(100ms, 1000ms)};  // nothing spent yet
  for (milliseconds at : {0ms, 1ms, 2ms, 3ms, 4ms}) {
    budget.spend(kStart + at);
    waits.push_back(budget.backoff(100ms, 1000ms));
  }
  EXPECT_EQ(waits, (std::vector<milliseconds>{100ms, 100ms, 200ms, 400ms, 800ms, 1000ms}));
}

TEST(RestartBudget, BackoffFallsBackOnceOldRestartsLeaveTheWindow) {
  restart_budget budget(10, 1000ms);
  spend_at(budget, {0ms, 1ms, 2ms});
  EXPECT_EQ(budget.backoff(100ms, 1000ms), 400ms);
  budget.spend(kStart + 2000ms);  // the three before are out of the window
  EXPECT_EQ(budget.spent(), 1u);
  EXPECT_EQ(budget.backoff(100ms, 1000ms), 100ms);
}

}  // namespace
}  // namespace linkly
