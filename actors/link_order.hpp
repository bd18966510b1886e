#pragma once
// link_order: a link table's records in code order, for listing pages and
// for walking a table as a snapshot wants it. Pointers to the records, 8
// bytes a link: a sorted run, plus the records added since, which are
// sorted and merged into the run only once they are many (an import adds
// hundreds of thousands between two listings).
//
// Not thread-safe: only the table's owner uses it.

#include "actors/stored_link.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly {

class link_order {
 public:
  void add(const stored_link* link) {
    if (!recent_.empty() && by_code(link, recent_.back())) recent_sorted_ = false;
    recent_.push_back(link);
  }

  /// `from` now lives at `to` (same code).
  void moved(const stored_link* from, const stored_link* to);

  void remove(const stored_link* link);

  /// Calls fn(const stored_link&) for each record whose code is > after, in
  /// code order, until it returns false.
  template <class Fn>
  void visit_after(std::string_view after, Fn&& fn) {
    settle();
    auto a = std::upper_bound(sorted_.begin(), sorted_.end(), after, code_after{});
    auto b = std::upper_bound(recent_.begin(), recent_.end(), after, code_after{});
    while (a != sorted_.end() || b != recent_.end()) {
      bool take_a = b == recent_.end() || (a != sorted_.end() && (*a)->code() < (*b)->code());
      const stored_link* next = take_a ? *a++ : *b++;
      if (!fn(*next)) return;
    }
  }

  /// Sorts and merges what was added, so the order costs 8 bytes a link and
  /// no more (start-up calls it once a table is loaded).
  void compact() {
    settle();
    merge();
  }

  void clear();
  void swap(link_order& other) noexcept {
    sorted_.swap(other.sorted_);
    recent_.swap(other.recent_);
    std::swap(recent_sorted_, other.recent_sorted_);
  }

 private:
  // The recent ones are merged into the run once they are more than this
  // share of it (1/8: merging costs a pass over the run) or this many.
  static constexpr std::size_t kMergeShare = 8;
  static constexpr std::size_t kMergeAtLeast = 1024;

  struct code_after {
    bool operator()(std::string_view after, const stored_link* l) const {
      return after < l->code();
    }
  };
  static bool by_code(const stored_link* a, const stored_link* b) { return a->code() < b->code(); }
  void settle();
  void merge();

  std::vector<const stored_link*> sorted_;
  std::vector<const stored_link*> recent_;  // sorted when recent_sorted_
  bool recent_sorted_ = true;
};

}  // namespace linkly
