#pragma once
// cache: code -> the link's current state (url, version, times, deleted,
// the seqs of its events), from the links log. Its snapshot is what link
// actors start from: load it as of its checkpoint, then replay only the log
// after it.
//
// The link actors hold every link already, so the cache does not hold a
// second table: its state is its last snapshot, left in its file (or, not
// attached to a store, in memory), plus the events applied since. save()
// merges the two in code order; reading a link decodes it.

#include "actors/link_recovery.hpp"
#include "actors/link_table.hpp"
#include "actors/projection.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace linkly {

class projection_store;

class cache_projection final : public projection {
 public:
  std::string_view name() const override { return "cache"; }
  std::vector<std::string_view> logs() const override { return {kLinksLog}; }
  status apply(std::string_view log, const envelope& env) override;
  status save(std::string* out) const override;
  void saved(std::string body) override;
  void attach(const std::string& snapshot_path, leveldb::Env* env) override;
  status load(std::string_view saved) override;
  std::uint32_t snapshot_version() const override { return 2; }  // 2: attributes
  void clear() override;
  void for_each_entry(const entry_visitor& fn) const override;

  /// Calls `fn(code, record)` for every code ever used, in code order.
  /// Fails if the snapshot file cannot be read.
  status for_each_link(const std::function<void(const std::string&, const link_record&)>& fn) const;

 private:
  struct applied_event {
    link_event event;
    std::uint64_t seq = 0;
    std::int64_t timestamp_ms = 0;
  };
  std::string snapshot_path_;  // set by attach(): the last snapshot is there
  leveldb::Env* env_ = nullptr;
  bool base_in_file_ = false;           // the last snapshot's body is the file's
  std::string base_;                    // else the last snapshot's body
  std::vector<applied_event> pending_;  // applied since, in log order
  // Events of pending_ the save() in progress merged into its body.
  mutable std::size_t merged_ = 0;
};

/// The record the cache holds for `code`; not_found if none.
status read_cached_link(const projection_store& store, std::string_view code, link_record* out);

/// Copies the cache into `shards` tables (out->last_seq: its checkpoint).
/// Call while no runner applies events to the store.
status load_cache_snapshot(const projection_store& store, std::size_t shards, shard_replay* out);

/// A cache record as JSON, as `replay --verify` shows it.
std::string describe_link_record(const link_record& r);

}  // namespace linkly
