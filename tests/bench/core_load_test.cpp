#include "bench/harness/core_load.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

namespace linkly::bench {
namespace {

TEST(CoreLoad, ReadsCoresAndProcessesThatExist) {
  EXPECT_GE(core_user_and_steal_seconds(0), 0);
  EXPECT_EQ(core_user_and_steal_seconds(-1), -1);
  EXPECT_EQ(core_user_and_steal_seconds(1 << 20), -1);  // no such CPU
  EXPECT_GE(process_user_seconds(::getpid()), 0);
  EXPECT_GE(own_user_seconds(), 0);
}

TEST(CoreLoad, AnUnwatchedCoreStaysUnknown) {
  core_watch unpinned(-1, 0);
  unpinned.start();
  unpinned.stop();
  EXPECT_EQ(unpinned.seconds(), -1);
  core_watch no_server(0, -1);
  no_server.start();
  no_server.stop();
  EXPECT_EQ(no_server.seconds(), -1);
  core_watch gone(0, 1 << 30);  // no such process
  gone.start();
  gone.stop();
  EXPECT_EQ(gone.seconds(), -1);
}

TEST(CoreLoad, AWatchedCoreGivesANonNegativeShare) {
  core_watch own(0, 0);
  own.start();
  volatile unsigned long sink = 0;
  for (unsigned long i = 0; i < 50'000'000; ++i) sink = sink + i;
  own.stop();
  EXPECT_GE(own.seconds(), 0);
}

}  // namespace
}  // namespace linkly::bench
