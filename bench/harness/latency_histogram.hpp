#pragma once
// latency_histogram: counts of latencies in log-linear buckets, the layout
// of HdrHistogram with three significant decimal digits.
//
// Values are nanoseconds. Below 2048 every value has its own bucket; above,
// each power of two is split into 1024 equal buckets, so a recorded value
// is known to within 1/1024 (< 0.1%) of itself. Values above max_trackable()
// are clamped to it and counted in clamped(). Recording is a few
// instructions and allocates nothing; memory is fixed (~220 KiB).
//
// Not thread-safe: one recorder at a time (merge() histograms of threads).

#include <cstdint>
#include <vector>

namespace linkly::bench {

class latency_histogram {
 public:
  latency_histogram();

  void record(std::uint64_t value_ns);
  /// Adds every count of `other`.
  void merge(const latency_histogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t clamped() const { return clamped_; }
  /// Exact extremes of what was recorded (0 when empty).
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  /// The smallest value v such that at least `percentile`% of the recorded
  /// values are <= v, reported as the highest value of v's bucket (never
  /// above max()), as HdrHistogram does. 0 when empty; 100 gives max().
  std::uint64_t value_at_percentile(double percentile) const;

  static constexpr std::uint64_t max_trackable() { return (std::uint64_t{1} << kMaxBits) - 1; }

 private:
  // 2^36 ns is about 68 s: far beyond any latency worth measuring here.
  static constexpr int kMaxBits = 36;
  static constexpr int kSubBits = 11;  // 2048 sub-buckets, 1024 per half

  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t highest_equivalent(std::size_t index);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t clamped_ = 0;
  std::uint64_t min_ = 0;
  std::uint64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace linkly::bench
