#include "http/link_as_of.hpp"

#include <string>

namespace linkly {

bool link_as_of(std::string_view code, const std::vector<link_history_entry>& entries,
                std::uint64_t as_of, link_info* out) {
  link_info link;
  bool live = false;
  for (const link_history_entry& entry : entries) {
    // History is in seq order, so nothing after this one can count.
    if (entry.seq > as_of) break;
    if (entry.type == "LinkCreated") {
      link = link_info{std::string(code), entry.url, 1, entry.timestamp_ms, entry.timestamp_ms};
      live = true;
    } else if (entry.type == "LinkUpdated" && live) {
      ++link.version;
      link.url = entry.url;
      link.updated_at_ms = entry.timestamp_ms;
    } else if (entry.type == "LinkDeleted") {
      live = false;
    }
  }
  if (live) *out = std::move(link);
  return live;
}

}  // namespace linkly
