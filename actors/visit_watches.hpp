#pragma once
// visit_watches: the lives of links whose visit counts are read on every
// redirect (links with max_visits), each with a visit_cell at a fixed
// address, so a redirect reads it without the analytics lock. The analytics
// projection keeps each cell equal to its count of that life
// (analytics_projection::watch); this is only the registry.
//
// A watch is added by the first redirect of a life that checks its limit and
// stays as long as the registry: a link that held a cell's address may still
// be read. So there is at most one watch per life of a link with max_visits
// ever redirected, 24 bytes and a map entry each.
//
// Not thread-safe: the analytics projection serialises access.

#include "actors/visit_cell.hpp"
#include "storage/string_hash.hpp"

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace linkly {

/// Watches at most (numbered from 1 in 32 bits: link_clicks keeps a
/// watch's number in the padding of its counts). Past it lives go
/// unwatched, and their redirects read the count under the lock.
inline constexpr std::uint32_t kMaxVisitWatches = std::numeric_limits<std::uint32_t>::max() - 1;

class visit_watches {
 public:
  /// The watch of `code`'s life `incarnation`, 0 when there is none.
  std::uint32_t find(std::string_view code, std::uint64_t incarnation) const;
  /// That watch, added with its cell at 0 (`*added` says so) when there was
  /// none; 0 when kMaxVisitWatches are taken.
  std::uint32_t add(std::string_view code, std::uint64_t incarnation, bool* added);
  /// The watches of `code`, nullptr when none.
  const std::vector<std::uint32_t>* of(std::string_view code) const;

  /// The life that watch `w` (from find or add) watches.
  std::uint64_t incarnation(std::uint32_t w) const { return watches_[w - 1].incarnation; }
  /// Its cell, at the same address for as long as the registry lives.
  visit_cell& cell(std::uint32_t w) { return watches_[w - 1].visits; }
  const visit_cell& cell(std::uint32_t w) const { return watches_[w - 1].visits; }

  /// Calls fn(code) once per code with watches.
  template <class Fn>
  void for_each_code(Fn&& fn) const {
    for (const auto& entry : by_code_) fn(std::string_view(entry.first));
  }
  std::size_t size() const { return watches_.size(); }

 private:
  struct watch {
    explicit watch(std::uint64_t inc) : incarnation(inc) {}
    std::uint64_t incarnation;
    visit_cell visits;
  };
  // Watch w is watches_[w - 1]; a deque never moves what it holds.
  std::deque<watch> watches_;
  std::unordered_map<std::string, std::vector<std::uint32_t>, string_hash, std::equal_to<>>
      by_code_;
};

}  // namespace linkly
