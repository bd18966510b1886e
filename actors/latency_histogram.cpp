#include "actors/latency_histogram.hpp"

#include <algorithm>

namespace linkly {

namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;
}  // namespace

void latency_histogram::observe(std::chrono::nanoseconds d) {
  auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(0, d.count()));
  std::size_t i = 0;
  while (i < kBounds && ns > kBoundsUs[i] * 1'000) ++i;
  buckets_[i].fetch_add(1, kRelaxed);
  sum_ns_.fetch_add(ns, kRelaxed);
}

latency_histogram::snapshot latency_histogram::read() const {
  snapshot s;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    s.buckets[i] = buckets_[i].load(kRelaxed);
    s.count += s.buckets[i];
  }
  s.sum_ns = sum_ns_.load(kRelaxed);
  return s;
}

}  // namespace linkly
