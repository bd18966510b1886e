#pragma once
// cache: code -> the link's current state (url, version, times, deleted,
// the seqs of its events), from the links log. It keeps the redirect cache's
// durable copy, and it is the snapshot link actors start from: load it as of
// its checkpoint, then replay only the log after it.

#include "actors/link_recovery.hpp"
#include "actors/projection.hpp"

#include <cstddef>

namespace linkly {

class cache_projection final : public projection {
 public:
  std::string_view name() const override { return "cache"; }
  std::vector<std::string_view> logs() const override { return {kLinksLog}; }
  status apply(std::string_view log, const envelope& env, const projection_store& store,
               write_set* writes) const override;
};

/// The record the cache holds for `code`; not_found if none.
status read_cached_link(const projection_store& store, std::string_view code, link_record* out);

/// Loads the cache into `shards` tables (out->last_seq: its checkpoint).
/// Blocking: never call it on an actor-system thread.
status load_cache_snapshot(const projection_store& store, std::size_t shards, shard_replay* out);

}  // namespace linkly
