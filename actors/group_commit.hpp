#pragma once
// The group commit both journals share (journal.cpp on the links log,
// stream_journal.cpp on the links stream): appends queue while one batch is
// being written, and the next batch takes the front of the queue.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <vector>

namespace linkly {

// Most appends one batch takes; the rest wait for the next one.
inline constexpr std::size_t kMaxAppendsPerBatch = 4096;

/// Moves the first (at most kMaxAppendsPerBatch) entries of `queue` out:
/// each one's `group` into `*groups` and its `promise` into `*promises`, in
/// order. Returns how many.
template <class Pending, class Group, class Promise>
std::size_t take_batch(std::vector<Pending>* queue, Group Pending::*group,
                       Promise Pending::*promise, std::vector<Group>* groups,
                       std::vector<Promise>* promises) {
  const std::size_t n = std::min(queue->size(), kMaxAppendsPerBatch);
  groups->reserve(n);
  promises->reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    groups->push_back(std::move((*queue)[i].*group));
    promises->push_back(std::move((*queue)[i].*promise));
  }
  queue->erase(queue->begin(), queue->begin() + static_cast<std::ptrdiff_t>(n));
  return n;
}

}  // namespace linkly
