#include "http/shlink_tag_plans.hpp"

#include <algorithm>

namespace linkly {

namespace {

bool carries(const link_info& link, const std::string& tag) {
  return std::binary_search(link.attrs.tags.begin(), link.attrs.tags.end(), tag);
}

}  // namespace

rename_outcome plan_tag_rename(const std::vector<link_info>& links, const std::string& old_name,
                               const std::string& new_name, tag_changes* out) {
  bool old_exists = false;
  bool new_exists = false;
  for (const link_info& link : links) {
    old_exists = old_exists || carries(link, old_name);
    new_exists = new_exists || carries(link, new_name);
  }
  if (!old_exists) return rename_outcome::not_found;
  if (old_name == new_name) return rename_outcome::unchanged;
  if (new_exists) return rename_outcome::conflict;
  for (const link_info& link : links) {
    if (!carries(link, old_name)) continue;
    std::vector<std::string> tags = link.attrs.tags;
    std::replace(tags.begin(), tags.end(), old_name, new_name);
    std::sort(tags.begin(), tags.end());
    out->emplace_back(link.code, std::move(tags));
  }
  return rename_outcome::renamed;
}

tag_changes plan_tag_delete(const std::vector<link_info>& links,
                            const std::set<std::string>& doomed) {
  tag_changes out;
  for (const link_info& link : links) {
    std::vector<std::string> kept;
    for (const std::string& tag : link.attrs.tags) {
      if (doomed.count(tag) == 0) kept.push_back(tag);
    }
    if (kept.size() != link.attrs.tags.size()) out.emplace_back(link.code, std::move(kept));
  }
  return out;
}

}  // namespace linkly
