#pragma once
// visit_cell: the visits of one life of a link, kept by the analytics
// projection as it folds clicks and read by redirects without its lock (a
// max_visits check on every redirect of its link). visit_cell_ref: where a
// link keeps the address of its life's cell once found, so later redirects
// need no lookup either.
//
// Clicks reach the projection after the redirects that made them, so a
// count of applied clicks alone lets a burst pass a limit by the clicks
// still on their way. A redirect that records a click therefore takes its
// visit here first (`take`), and the count a limit is judged by is the
// higher of the two: exact within one process, whatever the burst, but for
// a recount (a visits deletion, the link's deletion applied, a reload),
// which forgets the visits taken and not yet applied.

#include <algorithm>
#include <atomic>
#include <cstdint>

namespace linkly {

class visit_cell {
 public:
  explicit visit_cell(std::uint64_t applied = 0) : applied_(applied), taken_(applied) {}

  /// The life's visits: those applied, or those taken if more.
  std::uint64_t visits() const {
    return std::max(applied_.load(std::memory_order_relaxed),
                    taken_.load(std::memory_order_relaxed));
  }

  /// Takes one visit when fewer than `limit` were had; false when the limit
  /// is reached. Any thread; redirects take through a const cell.
  bool take(std::uint64_t limit) const {
    std::uint64_t taken = taken_.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint64_t had = std::max(applied_.load(std::memory_order_relaxed), taken);
      if (had >= limit) return false;
      if (taken_.compare_exchange_weak(taken, had + 1, std::memory_order_relaxed)) return true;
    }
  }

  // Written only by whoever holds the analytics state (its folds).
  /// One more click of the life applied.
  void add_applied() { applied_.fetch_add(1, std::memory_order_relaxed); }
  /// The life counted again (a deletion, a rebuild): visits taken and not
  /// yet applied are forgotten with the old count.
  void reset(std::uint64_t applied) {
    applied_.store(applied, std::memory_order_relaxed);
    taken_.store(applied, std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> applied_;
  // Redirects of the life that took a visit, counted on from the applied
  // count they saw: ahead of it by the clicks not yet applied.
  mutable std::atomic<std::uint64_t> taken_;
};

/// A cached `const visit_cell*`, set by any reader that found it (they all
/// find the same one). A copy starts empty: a link's extras are copied into
/// the next version of the link, which may be another life.
class visit_cell_ref {
 public:
  visit_cell_ref() = default;
  visit_cell_ref(const visit_cell_ref&) {}
  visit_cell_ref& operator=(const visit_cell_ref&) {
    cell_.store(nullptr, std::memory_order_relaxed);
    return *this;
  }

  /// The cell, or nullptr when not found yet.
  const visit_cell* get() const { return cell_.load(std::memory_order_acquire); }
  /// Keeps `cell` (the same for every caller of one life).
  void set(const visit_cell* cell) const { cell_.store(cell, std::memory_order_release); }

 private:
  mutable std::atomic<const visit_cell*> cell_{nullptr};
};

}  // namespace linkly
