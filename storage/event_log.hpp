#pragma once
// event_log: an append-only log of envelopes in its own LevelDB directory.
//
// Sequence numbers start at 1 and have no gaps. An append of several
// envelopes is one WriteBatch: all of them are stored or none. Reads check
// every record's checksum and the continuity of sequence numbers, and report
// the first problem as corruption naming the sequence number; nothing is
// skipped silently.
//
// Thread safety: any thread may call any method. Appends are serialized
// internally (a restarted journal's new writer may overlap the old one's last
// write); reads run concurrently with each other and with appends.
//
// Healing: after a failed write what reached the disk is unknown, so the log
// stops writing to that LevelDB instance. The next append (or heal()), no
// sooner than a backoff after the failure, closes and reopens the store,
// deletes every record above the last acknowledged head (a failed append
// leaves nothing, even one whose fsync failed after the data was written)
// and resumes. Until then appends fail fast and writable() is false. Readers
// see only records up to the acknowledged head, and wait while a reopen
// holds the store exclusively. While the disk has no room (a probe file
// cannot be written) the old store stays open for them; if a reopen fails
// after closing it, they get io errors until one succeeds. A crash before
// the reopen may keep a failed append's records: never acknowledged, and
// found in the log at the next start.
//
// Followers: set_listener() names one function called after every durable
// append, with the appended envelopes, in append order. This is how the
// projections and live streams learn that the log moved; they read what they
// need from the log itself.

#include "schemas/envelope.hpp"
#include "storage/event_sink.hpp"
#include "storage/status.hpp"
#include "storage/write_health.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace leveldb {
class DB;
class Env;
}  // namespace leveldb

namespace linkly {

struct log_options {
  /// fsync every append. Off trades the last appends before a power loss
  /// for throughput; a process crash loses nothing either way.
  bool sync = true;
  /// Create the directory's store if it does not exist.
  bool create_if_missing = true;
  /// LevelDB's paranoid checks: opening fails (corruption) instead of
  /// silently dropping a .log record that fails its checksum. A record cut
  /// short at the end (a write interrupted by a crash) is dropped either way.
  /// Off only for `linkly log repair` and for inspecting a copy.
  bool paranoid_checks = true;
  /// Store an append of several envelopes as one batch record
  /// (record_format.hpp) instead of a record each: the clicks log, whose
  /// appends are batches of hundreds. Logs of either kind are read alike.
  bool batch_records = false;
  /// LevelDB memtable size: larger means fewer, bigger compactions.
  std::size_t write_buffer_bytes = 16u << 20;
  /// For tests: a LevelDB Env (e.g. an in-memory one). Not owned.
  leveldb::Env* env = nullptr;
  /// After a failed write, the first reopen is tried this long after the
  /// failure (milliseconds); each failed reopen doubles the wait, up to
  /// heal_backoff_max. Short enough that a freed disk is used again within
  /// seconds, long enough that a full disk is not hammered.
  std::chrono::milliseconds heal_backoff_initial{100};
  std::chrono::milliseconds heal_backoff_max{2000};
  /// Before closing the store to reopen it, this many bytes are written and
  /// fsync'd to a probe file beside it: while even that fails (the disk is
  /// still full) the store stays open for readers. 0 skips the probe.
  std::size_t heal_probe_bytes = 256u << 10;
};

class event_log : public event_sink {
 public:
  static constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

  /// Opens (or creates) the log in `dir`. busy() if another process holds it.
  static status open(const std::string& dir, const log_options& options,
                     std::unique_ptr<event_log>* out);

  event_log(const event_log&) = delete;
  event_log& operator=(const event_log&) = delete;
  ~event_log() override;

  /// Appends `events` atomically, giving them the next sequence numbers
  /// (`*result`; the envelopes are not changed). An empty batch is a no-op.
  status append(const std::vector<envelope>& events, append_result* result,
                const before_write_hook* before_write = nullptr) override;

  /// Calls `fn` for each envelope with from <= seq < to, at most `max`
  /// of them, in order. Stops early (ok) when `fn` returns false.
  status replay(std::uint64_t from, std::uint64_t to, std::uint64_t max,
                const std::function<bool(const envelope&)>& fn) const;

  /// Envelopes with from <= seq < to, at most `max`, appended to `out`.
  status read(std::uint64_t from, std::uint64_t to, std::uint64_t max,
              std::vector<envelope>* out) const;

  /// The envelope at `seq`; not_found beyond the head.
  status get(std::uint64_t seq, envelope* out) const;

  /// Whether the last write (or reopen) succeeded. Lock-free.
  bool writable() const { return health_.writable(); }
  /// Why the log cannot be written ("" when writable). Never waits on a write.
  std::string write_error() const { return health_.error(); }

  /// Reopens the store if a write failed and the backoff has passed, without
  /// appending anything: how a log nobody appends to becomes writable again.
  /// Blocking. ok when the log is writable afterwards.
  status heal();

  /// Highest sequence number stored, 0 for an empty log. Needs no replay.
  std::uint64_t highest_seq() const { return highest_.load(std::memory_order_acquire); }

  const std::string& dir() const { return dir_; }

  /// Called after each successful append, with its envelopes as the caller
  /// gave them and the seq of the first (the i-th has first_seq + i), under
  /// the append lock: in order, one at a time. It must be quick and must not
  /// append to this log. Set it before the first append.
  using append_listener =
      std::function<void(const std::vector<envelope>& events, std::uint64_t first_seq)>;
  void set_listener(append_listener listener) { listener_ = std::move(listener); }

 private:
  event_log(std::string dir, std::unique_ptr<leveldb::DB> db, const log_options& options);

  // Each needs append_mutex_ held.
  status heal_locked();
  status reopen_locked();

  // Readers hold db_mutex_ shared; a reopen holds it exclusively. A reader
  // passes reader_gate_ first and a reopen holds it while it waits, so a
  // stream of readers cannot starve the reopen.
  class read_lock {
   public:
    explicit read_lock(const event_log& log);

   private:
    std::shared_lock<std::shared_mutex> lock_;
  };

  std::string dir_;
  std::unique_ptr<leveldb::DB> db_;  // null while a reopen has failed
  log_options options_;
  mutable std::shared_mutex db_mutex_;
  mutable std::mutex reader_gate_;
  std::mutex append_mutex_;  // one append or reopen at a time; guards what follows
  std::atomic<std::uint64_t> highest_{0};
  write_health health_;
  append_listener listener_;
  std::string value_scratch_;  // one record's value being encoded; append_mutex_
};

}  // namespace linkly
