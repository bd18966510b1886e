#pragma once
// projection_store: one projection's state, in memory, with its checkpoints
// (the last seq folded from each log it follows), made durable by snapshots
// in its own directory.
//
// apply() folds an event and moves its log's checkpoint under one lock, and
// save() writes state and checkpoints as one snapshot file
// (storage/snapshot_file.hpp), so after a crash the state is exactly that
// of the events up to the checkpoints: replaying the logs from checkpoint + 1
// neither skips nor applies an event twice. A snapshot that is damaged or of
// another format is set aside (renamed "snapshot.damaged"), logged, and the
// state rebuilt from the logs.
//
// Thread safety: any thread may call any method. Writers are serialized;
// readers (read()) run concurrently with each other and see whole events.

#include "actors/projection.hpp"
#include "storage/status.hpp"

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace leveldb {
class Env;
class FileLock;
}  // namespace leveldb

namespace linkly {

struct projection_store_options {
  /// Create the directory (and a first, empty snapshot) if there is none.
  bool create_if_missing = true;
  /// For tests: the Env snapshot files are written through (e.g. one that
  /// fails writes). Not owned.
  leveldb::Env* env = nullptr;
};

class projection_store {
 public:
  /// Opens the store in `dir` for `proj` and loads its snapshot. busy() if
  /// another process holds it; invalid_argument if there is none and
  /// !create_if_missing.
  static status open(const std::string& dir, const projection_store_options& options,
                     std::unique_ptr<projection> proj, std::unique_ptr<projection_store>* out);

  /// Whether `dir` holds a snapshot.
  static bool exists(const std::string& dir);

  projection_store(const projection_store&) = delete;
  projection_store& operator=(const projection_store&) = delete;
  ~projection_store();

  /// Calls `fn(const projection&)` with no writer running.
  template <class Fn>
  decltype(auto) read(Fn&& fn) const {
    std::shared_lock lock(mutex_);
    return fn(static_cast<const projection&>(*proj_));
  }
  std::string_view name() const { return proj_->name(); }
  std::vector<std::string_view> logs() const { return proj_->logs(); }

  /// Last seq applied from `log`, 0 if none.
  std::uint64_t checkpoint(std::string_view log) const;

  /// Folds `env` of `log` and moves that log's checkpoint to its seq, at once.
  /// A failure (the event's) changes nothing.
  status apply(std::string_view log, const envelope& env);
  /// Folds a parked event out of order, leaving the checkpoints alone (they
  /// are past it already).
  status apply_parked(std::string_view log, const envelope& env);
  /// Moves the checkpoint of `log` to `seq` without applying anything.
  void skip(std::string_view log, std::uint64_t seq);
  /// Empties the state and the checkpoints (the snapshot file is replaced by
  /// the next save()).
  void clear();

  /// Events folded or skipped since the last snapshot.
  std::uint64_t unsaved() const;
  /// Writes a snapshot of the state and checkpoints, unless nothing changed
  /// since the last one. On a failure the state stays in memory and the
  /// next save() tries again.
  status save();
  /// ok while the last save() worked; else its failure.
  status health() const;

  const std::string& dir() const { return dir_; }

 private:
  projection_store(std::string dir, const projection_store_options& options,
                   std::unique_ptr<projection> proj);
  status load(bool create);

  const std::string dir_;
  const projection_store_options options_;
  leveldb::FileLock* lock_ = nullptr;
  mutable std::shared_mutex mutex_;  // exclusive for writers
  std::unique_ptr<projection> proj_;
  std::map<std::string, std::uint64_t, std::less<>> checkpoints_;
  std::atomic<std::uint64_t> unsaved_{0};
  // Serializes save(), and guards save_failure_.
  mutable std::mutex save_mutex_;
  status save_failure_;
};

}  // namespace linkly
