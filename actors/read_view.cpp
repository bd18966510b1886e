#include "actors/read_view.hpp"

#include <mutex>

namespace linkly {

bool read_view::find(std::string_view code, link_info* out) const {
  const stripe& s = stripe_for(code);
  std::shared_lock lock(s.mutex);
  auto it = s.links.find(code);
  if (it == s.links.end()) return false;
  *out = it->second;
  return true;
}

bool read_view::find_url(std::string_view code, std::string* url) const {
  const stripe& s = stripe_for(code);
  std::shared_lock lock(s.mutex);
  auto it = s.links.find(code);
  if (it == s.links.end()) return false;
  url->assign(it->second.url);
  return true;
}

void read_view::upsert(const link_info& link) {
  stripe& s = stripe_for(link.code);
  std::unique_lock lock(s.mutex);
  s.links.insert_or_assign(link.code, link);
}

void read_view::erase(std::string_view code) {
  stripe& s = stripe_for(code);
  std::unique_lock lock(s.mutex);
  auto it = s.links.find(code);
  if (it != s.links.end()) s.links.erase(it);
}

void read_view::reserve(std::size_t links) {
  for (auto& s : stripes_) {
    std::unique_lock lock(s.mutex);
    s.links.reserve(links / kStripes + links / (4 * kStripes) + 1);
  }
}

std::size_t read_view::size() const {
  std::size_t n = 0;
  for (const auto& s : stripes_) {
    std::shared_lock lock(s.mutex);
    n += s.links.size();
  }
  return n;
}

}  // namespace linkly
