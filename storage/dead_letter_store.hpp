#pragma once
// dead_letter_store: where batches that could not be written after retries
// go, in its own LevelDB directory, until an operator replays or drops them.
//
// Ids start at 1 and only increase: an id is never handed out twice, even
// after its entry is erased and the store reopened (the next id is stored
// beside the entries). Ids may have gaps: a failed put consumes its id.
// Every entry is checksummed; a damaged one is reported as corruption naming
// its id, never skipped.
//
// Thread safety: any thread may call any method. put() and erase() are
// serialized internally; get(), list() and size() run concurrently with each
// other and with them. One process at a time may hold the directory.
//
// Healing, as event_log's: after a failed write the next put or erase (or
// heal()), no sooner than a backoff, reopens the store, removes the entries
// of puts that failed (a failed put leaves nothing once healed) and counts
// the entries again (a failed erase may or may not have happened).

#include "storage/status.hpp"
#include "storage/write_health.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace leveldb {
class DB;
class Env;
}  // namespace leveldb

namespace linkly {

/// The queue of click batches that could not be written (payload:
/// encode_batch() of their envelopes).
inline constexpr std::string_view kClickQueue = "clicks";

struct dead_letter {
  std::uint64_t id = 0;           // assigned by put(); 0 before
  std::string queue;              // the queue the batch failed in, e.g. kClickQueue
  std::string payload;            // opaque bytes, e.g. an encoded batch
  std::string error;              // the last failure, human-readable
  std::uint32_t attempts = 0;     // writes tried before giving up
  std::int64_t failed_at_ms = 0;  // UTC milliseconds since the epoch

  friend bool operator==(const dead_letter&, const dead_letter&) = default;
};

struct dead_letter_options {
  /// Create the directory's store if it does not exist.
  bool create_if_missing = true;
  /// fsync every put and erase. A dead letter is the last copy of its data:
  /// off trades the last entries before a power loss for latency.
  bool sync = true;
  /// For tests: a LevelDB Env (e.g. an in-memory one). Not owned; must
  /// outlive the store.
  leveldb::Env* env = nullptr;
  /// Reopen backoff and space probe after a failed write: log_options'.
  std::chrono::milliseconds heal_backoff_initial{100};
  std::chrono::milliseconds heal_backoff_max{2000};
  std::size_t heal_probe_bytes = 64u << 10;
};

class dead_letter_store {
 public:
  /// Opens (or creates) the store in `dir`, counting its entries per queue
  /// (reads every entry once). busy() if another process holds it; corruption on a key or
  /// next-id record that is not the store's.
  static status open(const std::string& dir, const dead_letter_options& options,
                     std::unique_ptr<dead_letter_store>* out);

  dead_letter_store(const dead_letter_store&) = delete;
  dead_letter_store& operator=(const dead_letter_store&) = delete;
  ~dead_letter_store();

  /// Stores `*entry` under the next id, written back into entry->id; the
  /// caller's id is ignored. On error entry->id is 0 and the id is consumed;
  /// after an io_error whether the entry reached the disk is unknown.
  status put(dead_letter* entry);

  /// The entry `id`; not_found if there is none.
  status get(std::uint64_t id, dead_letter* out) const;

  /// Appends to `out` the entries with id > after_id, at most `limit`, in id
  /// order: page by passing the last id seen. Stops at the first damaged entry
  /// (corruption, naming its id), keeping those before it in `out`.
  status list(std::uint64_t after_id, std::size_t limit, std::vector<dead_letter>* out) const;

  /// Removes the entry `id`, damaged or not; not_found if there is none.
  status erase(std::uint64_t id);

  /// Entries stored now.
  std::size_t size() const { return size_.load(std::memory_order_acquire); }

  /// Entries of `queue` stored now (a damaged entry counts under queue "").
  std::size_t size(std::string_view queue) const;

  /// Whether the last write (or reopen) succeeded, and why not. Lock-free.
  bool writable() const { return health_.writable(); }
  std::string write_error() const { return health_.error(); }

  /// Reopens the store if a write failed and the backoff has passed.
  /// Blocking. ok when the store is writable afterwards.
  status heal();

  const std::string& dir() const { return dir_; }

 private:
  dead_letter_store(std::string dir, std::unique_ptr<leveldb::DB> db,
                    const dead_letter_options& options);

  // Both need write_mutex_ held.
  status heal_locked();
  status reopen_locked();
  // Counts the entries and finds the next id (db_ held).
  status load();

  std::string dir_;
  std::unique_ptr<leveldb::DB> db_;  // null while a reopen has failed
  dead_letter_options options_;
  mutable std::shared_mutex db_mutex_;  // readers shared; a reopen exclusive
  std::mutex write_mutex_;              // one put, erase or reopen at a time; guards what follows
  std::uint64_t next_id_ = 1;           // the id the next put assigns
  std::atomic<std::size_t> size_{0};
  // Entries per queue, for size(queue); its own mutex, so reading it never
  // waits for a put's fsync.
  mutable std::mutex queue_sizes_mutex_;
  std::map<std::string, std::size_t, std::less<>> queue_sizes_;

  write_health health_;
  std::vector<std::uint64_t> unacknowledged_;  // ids of failed puts, removed at reopen
};

}  // namespace linkly
