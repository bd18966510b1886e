#pragma once
// Every live link, read page by page from link_service: what the Shlink
// routes that filter, sort or count across links (lists, tags) work on.
// linkly keeps links in code order only; Shlink's lists sort and filter by
// anything, so they read the whole set, bounded by kShlinkMaxScannedLinks.

#include "actors/link_service.hpp"
#include "schemas/reply_status.hpp"

#include <cstddef>
#include <functional>
#include <vector>

namespace linkly {

class io_worker;

/// Links one Shlink list or tag operation reads at most. Each is held in
/// memory for the request (a few hundred bytes): this bounds a request to
/// tens of MB. Beyond it the operation answers 503 rather than a wrong list.
inline constexpr std::size_t kShlinkMaxScannedLinks = 100'000;

struct link_scan : reply_status {
  std::vector<link_info> links;  // in code order
};
using scan_callback = std::function<void(link_scan)>;

/// Reads every link and calls `done` once, on `worker`'s thread (so it may
/// read stores) or, with a null worker, where the last page arrives (tests).
/// Fails (unavailable) when link_service fails or there are more than
/// kShlinkMaxScannedLinks links.
void scan_links(link_service* links, io_worker* worker, scan_callback done);

}  // namespace linkly
