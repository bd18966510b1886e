#include "actors/visit_watches.hpp"

namespace linkly {

std::uint32_t visit_watches::find(std::string_view code, std::uint64_t life) const {
  const std::vector<std::uint32_t>* mine = of(code);
  if (mine == nullptr) return 0;
  for (std::uint32_t w : *mine) {
    if (incarnation(w) == life) return w;
  }
  return 0;
}

std::uint32_t visit_watches::add(std::string_view code, std::uint64_t life, bool* added) {
  *added = false;
  if (std::uint32_t w = find(code, life)) return w;
  if (watches_.size() >= kMaxVisitWatches) return 0;
  watches_.emplace_back(life);
  const auto w = static_cast<std::uint32_t>(watches_.size());
  auto it = by_code_.find(code);
  if (it == by_code_.end())
    it = by_code_.emplace(std::string(code), std::vector<std::uint32_t>{}).first;
  it->second.push_back(w);
  *added = true;
  return w;
}

const std::vector<std::uint32_t>* visit_watches::of(std::string_view code) const {
  if (by_code_.empty()) return nullptr;
  auto it = by_code_.find(code);
  return it == by_code_.end() ? nullptr : &it->second;
}

}  // namespace linkly
