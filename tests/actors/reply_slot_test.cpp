// reply_slot: exactly one answer per request, and a throwing callback never
// takes the process down from the slot's destructor.

#include "actors/reply_slot.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace linkly {
namespace {

TEST(ReplySlot, DeliversTheValueOnceAndNotTheFallback) {
  std::vector<std::string> got;
  {
    reply_slot<std::string> slot([&](std::string v) { got.push_back(std::move(v)); }, "fallback");
    slot.deliver("answer");
    slot.deliver("again");
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "answer");
}

TEST(ReplySlot, AnUndeliveredSlotAnswersWithItsFallback) {
  std::vector<std::string> got;
  {
    auto slot = std::make_shared<reply_slot<std::string>>(
        [&](std::string v) { got.push_back(std::move(v)); }, "fallback");
    auto copy = slot;  // a message still holding it
    slot.reset();
    EXPECT_TRUE(got.empty()) << "answered while still held";
  }
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], "fallback");
}

TEST(ReplySlot, ACallbackThrowingFromTheDestructorIsCaughtNotTerminating) {
  int calls = 0;
  {
    reply_slot<int> slot(
        [&](int) {
          ++calls;
          throw std::runtime_error("caller's bug");
        },
        -1);
  }  // std::terminate here would end the test binary
  EXPECT_EQ(calls, 1);
}

TEST(ReplySlot, ACallbackThrowingFromDeliverReachesTheDelivererOnce) {
  int calls = 0;
  {
    reply_slot<int> slot(
        [&](int) {
          ++calls;
          throw std::runtime_error("caller's bug");
        },
        -1);
    EXPECT_THROW(slot.deliver(1), std::runtime_error);
  }  // delivered already: the destructor must not call back again
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace linkly
