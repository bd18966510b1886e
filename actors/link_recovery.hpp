#pragma once
// Rebuilding link state from the links log: the only way link state comes
// to be, at start-up and after a link actor crashed.

#include "actors/link_table.hpp"
#include "storage/status.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace linkly {

class event_log;
class read_view;

struct shard_replay {
  std::vector<std::unique_ptr<link_table>> tables;  // one per shard
  std::uint64_t events = 0;                         // events read
  std::uint64_t last_seq = 0;                       // last seq applied
};

/// Replays the whole log into `shards` tables (only shard `only` if it is
/// < shards; the other tables stay empty). Blocking: never call it on an
/// actor-system thread.
status replay_links(const event_log& log, std::size_t shards, std::size_t only, shard_replay* out);

/// Applies the log's events after `out->last_seq` to `out->tables` (a
/// snapshot's tables, one per shard), as replay_links does.
status replay_links_tail(const event_log& log, std::size_t only, shard_replay* out);

/// Makes `view` agree with `table`: live links in, deleted ones out.
void publish_to_view(const link_table& table, read_view& view);

/// publish_to_view for every table of a replay, on up to `threads` threads
/// (the view's stripes keep them out of each other's way). Start-up does
/// this once for every link.
void publish_all_to_view(const shard_replay& replay, read_view& view, std::size_t threads);

constexpr std::size_t kAllShards = static_cast<std::size_t>(-1);

}  // namespace linkly
