#pragma once
// cache: code -> the link's current state (url, version, times, deleted,
// the seqs of its events), from the links log. Its snapshot is what link
// actors start from: load it as of its checkpoint, then replay only the log
// after it.

#include "actors/link_recovery.hpp"
#include "actors/link_table.hpp"
#include "actors/projection.hpp"

#include <cstddef>

namespace linkly {

class projection_store;

class cache_projection final : public projection {
 public:
  std::string_view name() const override { return "cache"; }
  std::vector<std::string_view> logs() const override { return {kLinksLog}; }
  status apply(std::string_view log, const envelope& env) override;
  void save(std::string* out) const override;
  status load(std::string_view saved) override;
  std::uint32_t snapshot_version() const override { return 1; }
  void clear() override { links_ = link_table(); }
  void for_each_entry(const entry_visitor& fn) const override;

  const link_table& links() const { return links_; }

 private:
  link_table links_;
};

/// The record the cache holds for `code`; not_found if none.
status read_cached_link(const projection_store& store, std::string_view code, link_record* out);

/// Copies the cache into `shards` tables (out->last_seq: its checkpoint).
status load_cache_snapshot(const projection_store& store, std::size_t shards, shard_replay* out);

/// A cache record as JSON, as `replay --verify` shows it.
std::string describe_link_record(const link_record& r);

}  // namespace linkly
