#include "bench/harness/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace linkly::bench {
namespace {

// Values are known to within 1/1024 of themselves.
void expect_close(std::uint64_t expected, std::uint64_t actual) {
  EXPECT_LE(actual, expected + expected / 1024 + 1) << "expected about " << expected;
  EXPECT_GE(actual, expected) << "reported below the true value";
}

TEST(LatencyHistogram, EmptyReportsZero) {
  latency_histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.value_at_percentile(50), 0u);
  EXPECT_EQ(h.value_at_percentile(100), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  latency_histogram h;
  for (std::uint64_t v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.value_at_percentile(50), 500u);
  EXPECT_EQ(h.value_at_percentile(99), 990u);
  EXPECT_EQ(h.value_at_percentile(99.9), 999u);
  EXPECT_EQ(h.value_at_percentile(100), 1000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 500.5);
}

TEST(LatencyHistogram, PercentilesOfAUniformSpreadAreWithinPrecision) {
  latency_histogram h;
  // 1 µs .. 100 ms in 1 µs steps.
  for (std::uint64_t us = 1; us <= 100'000; ++us) h.record(us * 1000);
  expect_close(50'000'000, h.value_at_percentile(50));
  expect_close(90'000'000, h.value_at_percentile(90));
  expect_close(99'000'000, h.value_at_percentile(99));
  expect_close(99'900'000, h.value_at_percentile(99.9));
  EXPECT_EQ(h.value_at_percentile(100), 100'000'000u);
  EXPECT_EQ(h.max(), 100'000'000u);
}

TEST(LatencyHistogram, TailIsFoundAmongManyFastValues) {
  latency_histogram h;
  for (int i = 0; i < 9'990; ++i) h.record(200'000);  // 200 µs
  for (int i = 0; i < 10; ++i) h.record(5'000'000);   // 5 ms: the slowest 0.1%
  expect_close(200'000, h.value_at_percentile(99));
  expect_close(200'000, h.value_at_percentile(99.9));
  expect_close(5'000'000, h.value_at_percentile(99.95));
  EXPECT_EQ(h.max(), 5'000'000u);
}

TEST(LatencyHistogram, NeverReportsAboveTheMax) {
  latency_histogram h;
  h.record(1'000'001);  // inside a bucket 1024 wide
  EXPECT_EQ(h.value_at_percentile(50), 1'000'001u);
}

TEST(LatencyHistogram, HugeValuesAreClampedAndCounted) {
  latency_histogram h;
  h.record(latency_histogram::max_trackable() + 10);
  h.record(1000);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.max(), latency_histogram::max_trackable());
  EXPECT_EQ(h.value_at_percentile(100), latency_histogram::max_trackable());
}

TEST(LatencyHistogram, MergeEqualsRecordingEverything) {
  latency_histogram a, b, all;
  for (std::uint64_t v = 1; v <= 5000; ++v) {
    (v % 2 ? a : b).record(v * 777);
    all.record(v * 777);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
  for (double p : {1.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(a.value_at_percentile(p), all.value_at_percentile(p)) << p;
  }
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.value_at_percentile(99), 0u);
}

}  // namespace
}  // namespace linkly::bench
