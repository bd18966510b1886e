#include "actors/link_order.hpp"

#include <iterator>

namespace linkly {

namespace {

// Where `link` sits in `v` (sorted by code when `sorted`), or v.end().
std::vector<const stored_link*>::iterator locate(std::vector<const stored_link*>& v, bool sorted,
                                                 const stored_link* link) {
  if (!sorted) return std::find(v.begin(), v.end(), link);
  auto it =
      std::lower_bound(v.begin(), v.end(), link->code(),
                       [](const stored_link* l, std::string_view c) { return l->code() < c; });
  return it != v.end() && *it == link ? it : v.end();
}

}  // namespace

void link_order::moved(const stored_link* from, const stored_link* to) {
  if (auto it = locate(sorted_, true, from); it != sorted_.end()) {
    *it = to;
  } else if (auto r = locate(recent_, recent_sorted_, from); r != recent_.end()) {
    *r = to;
  }
}

void link_order::remove(const stored_link* link) {
  if (auto it = locate(sorted_, true, link); it != sorted_.end()) {
    sorted_.erase(it);
  } else if (auto r = locate(recent_, recent_sorted_, link); r != recent_.end()) {
    recent_.erase(r);
  }
}

void link_order::settle() {
  if (!recent_sorted_) {
    std::sort(recent_.begin(), recent_.end(), by_code);
    recent_sorted_ = true;
  }
  if (recent_.size() > std::max(kMergeAtLeast, sorted_.size() / kMergeShare)) merge();
}

void link_order::merge() {
  if (recent_.empty()) return;
  // Into a vector of the exact size: no growth slack stays behind.
  std::vector<const stored_link*> merged;
  merged.reserve(sorted_.size() + recent_.size());
  std::merge(sorted_.begin(), sorted_.end(), recent_.begin(), recent_.end(),
             std::back_inserter(merged), by_code);
  sorted_.swap(merged);
  std::vector<const stored_link*>().swap(recent_);
}

void link_order::clear() {
  std::vector<const stored_link*>().swap(sorted_);
  std::vector<const stored_link*>().swap(recent_);
  recent_sorted_ = true;
}

}  // namespace linkly
