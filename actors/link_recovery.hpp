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

/// Hands the replay's tables to `view`, which reads their records from
/// then on, and returns them shared (the link actors' own). Compacts each
/// first, on up to `threads` threads. Start-up does this once.
std::vector<std::shared_ptr<link_table>> publish_all_to_view(shard_replay& replay, read_view& view,
                                                             std::size_t threads);

/// A restarted shard: `fresh` (its state rebuilt from the log) becomes the
/// content of the view's table `shard`, which it returns.
std::shared_ptr<link_table> publish_to_view(std::size_t shard, link_table& fresh, read_view& view);

constexpr std::size_t kAllShards = static_cast<std::size_t>(-1);

}  // namespace linkly
