#pragma once
// projection_store: the state of one projection and its checkpoints, in its
// own LevelDB directory.
//
// A checkpoint is the last sequence number applied from one log. commit()
// writes state changes and checkpoints in one WriteBatch, so after a crash
// the state is exactly that of the events up to the checkpoints: replaying
// from checkpoint + 1 neither skips nor applies an event twice.
//
// Layout:  "c" log-name -> checkpoint:u64-big-endian
//          "s" key      -> value (the projection's own encoding)
//
// Thread safety: any thread may call any method. Commits are serialized;
// reads run concurrently with them and see whole commits only.

#include "storage/status.hpp"
#include "storage/string_hash.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace leveldb {
class DB;
class Env;
class FilterPolicy;
}  // namespace leveldb

namespace linkly {

class projection_store;

struct projection_store_options {
  /// Create the directory's store if it does not exist.
  bool create_if_missing = true;
  /// fsync every commit. Off by default: a projection is derived, and the
  /// checkpoint travels with the state, so a power loss only makes it replay
  /// the last events again from the log.
  bool sync = false;
  /// Values of recent commits kept in memory, so that counting a hot key
  /// does not read LevelDB each batch. About 100 bytes each; 0 turns it off.
  std::size_t recent_values = 256 * 1024;
  /// For tests: a LevelDB Env (e.g. one that fails writes). Not owned.
  leveldb::Env* env = nullptr;
  /// Before a reopen closes the open store, this many bytes are written and
  /// fsync'd beside it; while that fails the store stays open for reads.
  /// 0 skips the probe.
  std::size_t heal_probe_bytes = 256u << 10;
};

/// Changes to commit at once. Reads through it see its own pending changes
/// first, so a projection can read-modify-write the same key many times in
/// one batch. Counter additions are kept as deltas and added to the stored
/// value at commit, so counting reads nothing until then.
class write_set {
 public:
  void put(std::string key, std::string value);
  void erase(std::string key);
  void set_checkpoint(const std::string& log, std::uint64_t seq) { checkpoints_[log] = seq; }

  /// The value `key` has once this set is committed to `store`; not_found if none.
  status get(const projection_store& store, std::string_view key, std::string* value) const;

  /// Adds `delta` to the counter at `key` (an absent counter is 0). A key
  /// holding something else than a counter fails the commit.
  void add(std::string_view key, std::uint64_t delta);

  bool empty() const { return changes_.empty() && deltas_.empty() && checkpoints_.empty(); }
  /// Keys changed.
  std::size_t size() const { return changes_.size() + deltas_.size(); }
  void clear() {
    changes_.clear();
    deltas_.clear();
    checkpoints_.clear();
  }

 private:
  friend class projection_store;
  // Unordered: a rebuild folds many events per commit, and LevelDB sorts
  // the batch itself.
  std::unordered_map<std::string, std::optional<std::string>, string_hash, std::equal_to<>>
      changes_;
  std::unordered_map<std::string, std::uint64_t, string_hash, std::equal_to<>>
      deltas_;  // not in changes_
  std::map<std::string, std::uint64_t> checkpoints_;
};

class projection_store {
 public:
  /// Opens (or creates) the store in `dir`. busy() if another process holds it.
  static status open(const std::string& dir, const projection_store_options& options,
                     std::unique_ptr<projection_store>* out);

  projection_store(const projection_store&) = delete;
  projection_store& operator=(const projection_store&) = delete;
  ~projection_store();

  /// The value at `key`; not_found if none.
  status get(std::string_view key, std::string* value) const;

  /// Calls `fn(key, value)` for each key starting with `prefix`, in key
  /// order, after `after` (exclusive; empty: from the start). Stops when fn
  /// returns false.
  status scan(std::string_view prefix, std::string_view after,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  /// Last seq applied from `log`, 0 if none.
  std::uint64_t checkpoint(std::string_view log) const;

  /// Writes `writes` atomically. After a failure the store refuses commits
  /// until reopen() succeeds (LevelDB's own state is then unknown).
  status commit(const write_set& writes);

  /// Erases everything: state and checkpoints.
  status clear();

  /// Closes and reopens the directory, e.g. after a failed commit.
  status reopen();

  /// ok while the store can be read and written; otherwise why not: it is
  /// closed (a reopen failed), a commit failed, or a read of LevelDB failed
  /// since the last reopen. Tells a store failure from an event that does
  /// not apply: an apply that failed on a healthy store is the event's fault.
  status health() const;

  const std::string& dir() const { return dir_; }

 private:
  projection_store(std::string dir, const projection_store_options& options);
  status load_checkpoints();
  // Remembers a failed LevelDB read for health(); returns `st`.
  status note_read(status st) const;
  // The stored value of `key`, from recent_ when it can; needs mutex_ held.
  status lookup(std::string_view key, std::string* value) const;
  // After a commit: what it left at its keys, in recent_ (mutex_ held).
  void remember(const std::vector<std::pair<std::string_view, std::string>>& counted,
                const write_set& writes);

  std::string dir_;
  projection_store_options options_;
  mutable std::shared_mutex mutex_;  // exclusive for commit/clear/reopen
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy_;
  std::unique_ptr<leveldb::DB> db_;
  std::map<std::string, std::uint64_t, std::less<>> checkpoints_;
  // What recent commits left at their keys (nullopt: erased).
  std::unordered_map<std::string, std::optional<std::string>, string_hash, std::equal_to<>> recent_;
  // The store held no state when recent_ began and recent_ has dropped
  // nothing since: a key missing from recent_ is missing from LevelDB.
  bool complete_ = false;
  status write_failure_;
  status open_failure_;  // why db_ is null after a failed reopen
  // A failed LevelDB read, set under a shared lock: its own mutex.
  mutable std::mutex read_failure_mutex_;
  mutable status read_failure_;
};

/// Counters as values: 8 bytes big-endian.
std::string encode_counter(std::uint64_t n);
bool decode_counter(std::string_view value, std::uint64_t* n);

}  // namespace linkly
