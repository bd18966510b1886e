#pragma once
// visit_cell: the visits of one life of a link, kept by the analytics
// projection as it folds clicks and read by redirects without its lock (a
// max_visits check on every redirect of its link). visit_cell_ref: where a
// link keeps the address of its life's cell once found, so later redirects
// need no lookup either.

#include <atomic>
#include <cstdint>

namespace linkly {

/// Written only by whoever holds the analytics state (its folds); read from
/// any thread.
using visit_cell = std::atomic<std::uint64_t>;

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
