#pragma once
// latency_histogram: durations in fixed buckets, recorded from any thread
// without locks (relaxed atomics: counts, never a synchronisation point).

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace linkly {

/// A latency histogram with fixed buckets, 10us to 100ms, three per decade
/// (1, 2.5, 5): observing is a short scan and two relaxed increments.
class latency_histogram {
 public:
  static constexpr std::size_t kBounds = 13;
  /// Upper bounds (inclusive), in microseconds.
  static constexpr std::array<std::uint64_t, kBounds> kBoundsUs = {
      10, 25, 50, 100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000};
  /// The same bounds in seconds, as Prometheus `le` labels.
  static constexpr std::array<std::string_view, kBounds> kLabels = {
      "0.00001", "0.000025", "0.00005", "0.0001", "0.00025", "0.0005", "0.001",
      "0.0025",  "0.005",    "0.01",    "0.025",  "0.05",    "0.1"};

  void observe(std::chrono::nanoseconds d);

  /// A copy of the counts: per bucket (not cumulative), the last one past
  /// every bound (+Inf); `count` is their sum.
  struct snapshot {
    std::array<std::uint64_t, kBounds + 1> buckets{};
    std::uint64_t count = 0;
    std::uint64_t sum_ns = 0;
  };
  snapshot read() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace linkly
