#include "bench/harness/latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace linkly::bench {

namespace {

constexpr std::uint64_t kSubCount = std::uint64_t{1} << 11;
constexpr std::uint64_t kHalf = kSubCount / 2;

}  // namespace

// Layout: indices [0, 2048) hold the values 0..2047 exactly. For k >= 1,
// the values [1024 * 2^k, 2048 * 2^k) fall into the 1024 indices starting
// at 2048 + (k - 1) * 1024, each 2^k wide.
std::size_t latency_histogram::index_of(std::uint64_t value) {
  if (value < kSubCount) return static_cast<std::size_t>(value);
  int k = std::bit_width(value) - kSubBits;  // value >> k lies in [1024, 2048)
  return static_cast<std::size_t>(kSubCount + (k - 1) * kHalf + ((value >> k) - kHalf));
}

std::uint64_t latency_histogram::highest_equivalent(std::size_t index) {
  if (index < kSubCount) return index;
  std::uint64_t k = (index - kSubCount) / kHalf + 1;
  std::uint64_t sub = (index - kSubCount) % kHalf + kHalf;
  return ((sub + 1) << k) - 1;
}

latency_histogram::latency_histogram() : counts_(index_of(max_trackable()) + 1, 0) {}

void latency_histogram::record(std::uint64_t value_ns) {
  if (value_ns > max_trackable()) {
    value_ns = max_trackable();
    ++clamped_;
  }
  ++counts_[index_of(value_ns)];
  if (count_ == 0 || value_ns < min_) min_ = value_ns;
  max_ = std::max(max_, value_ns);
  ++count_;
  sum_ += value_ns;
}

void latency_histogram::merge(const latency_histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  count_ += other.count_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
}

void latency_histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = clamped_ = min_ = max_ = 0;
  sum_ = 0;
}

double latency_histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / count_);
}

std::uint64_t latency_histogram::value_at_percentile(double percentile) const {
  if (count_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  // The rank of the value asked for, 1-based; the epsilon keeps 99.9% of
  // 1000 at rank 999 despite rounding.
  auto rank = static_cast<std::uint64_t>(std::ceil(percentile / 100.0 * count_ - 1e-9));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_equivalent(i), max_);
  }
  return max_;
}

}  // namespace linkly::bench
