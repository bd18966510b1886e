#pragma once
// click_spool: where a queued click waits, in the kernel's hands, until it is
// durable in the clicks log, so that a killed process loses none.
//
// Each io thread has a writer that appends the clicks of its redirects to a
// memory-mapped segment file (MAP_SHARED) with plain stores: the bytes are in
// the page cache at once, so a kill -9 loses nothing and a click costs no
// syscall. A machine crash may lose what is not yet fsync'd, as before.
//
//   segment := header record* zero-fill
//   header  := "LNKSPOOL" version:u32-le reserved:u32      (16 bytes)
//   record  := length:u32-le reserved:u32 mark:u64-le bytes pad-to-8
//   bytes   := the click's record value (storage/record_format.hpp, seq 0)
//   mark    := 0 pending | s the clicks log's seq for it | kDoneMark
//
// The clicks log's writer stores each click's seq into its mark under the
// log's append lock, before the write (event_sink's before_write hook), so
// that at recovery a click whose mark names a log record equal to it is
// known to be written, however many identical twins there are. A click
// finished without the log (shed, parked) is marked kDoneMark. Once every
// record of a sealed segment is finished, the segment is unmapped and
// deleted.
//
// Recovery (recover(), at start, before any writer) appends every click that
// is neither finished nor in the log, then deletes the segments. A record
// that does not decode is counted as damaged and its segment is kept,
// renamed to *.damaged, for an operator to look at.
//
// File work stays off the io threads: a background thread keeps a spare
// segment ready for each writer and deletes finished segments it does not
// need. A spare is a finished segment recycled when there is one: zeroed
// in place and renamed. Creating one (fallocate, mmap, faulting its pages
// in) and deleting one (munmap, truncating its pages) are milliseconds in
// the kernel, where even a thread of the lowest priority keeps its CPU
// until it returns (kernels without full preemption): the io thread waited
// up to 2 ms behind them (bench/results/tail.md).
//
// Threading: a writer belongs to one thread. mark(), done() and
// finish_unlogged() may be called from any thread. One process per
// directory: the clicks log's LevelDB lock keeps a second server out
// before it reaches the spool.

#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace linkly {

class event_log;

/// Bytes of one segment file. At ~250-700 bytes a click, 4 MiB holds
/// 6,000-16,000 clicks: a new segment every second or so at full load, made
/// ahead by the background thread. The spool takes two or three segments
/// per io thread on disk (the one in use and one or two spares), more while
/// the clicks log is behind.
constexpr std::size_t kSpoolSegmentBytes = 4u << 20;

/// A record's mark once its click is finished without the log.
constexpr std::uint64_t kDoneMark = std::numeric_limits<std::uint64_t>::max();

struct spool_options {
  /// Bytes per segment file (tests make it small to cross segments).
  std::size_t segment_bytes = kSpoolSegmentBytes;
  /// Clicks appended to the log per batch at recovery.
  std::size_t recovery_batch = 512;
  /// Make spare segments and delete finished ones on a background thread.
  /// Off (tests): on the thread that needs it done, synchronously.
  bool background_files = true;
};

/// What recover() found.
struct spool_recovery {
  std::size_t segments = 0;        // segment files read
  std::size_t pending = 0;         // clicks appended to the log now
  std::size_t already_logged = 0;  // marked with a seq the log holds
  std::size_t finished = 0;        // marked kDoneMark
  std::size_t damaged = 0;         // records that did not decode
  std::vector<std::string> kept;   // segments kept for their damage
};

/// Whether `dir`'s filesystem keeps stores into a reserved mapping safe on a
/// full disk. Copy-on-write and network filesystems (btrfs, ZFS, NFS, FUSE)
/// need a new block for a store into a page already written, which a full
/// disk answers with SIGBUS: not_supported-style invalid_argument for them.
status check_spool_filesystem(const std::string& dir);

class click_spool {
 public:
  struct segment;

  /// Appends clicks of one thread to its current segment.
  class writer {
   public:
    explicit writer(std::shared_ptr<click_spool> spool);
    writer(const writer&) = delete;
    writer& operator=(const writer&) = delete;
    ~writer();

    /// Spools `click` and sets its spool_slot. False (slot 0) when the
    /// spool cannot take it (no space for a segment): the click then goes
    /// on unspooled, as safe as it was without a spool.
    bool append(envelope& click);

    /// Gives up the current segment (deleted once all its clicks are done).
    void seal();

   private:
    std::shared_ptr<click_spool> spool_;
    std::shared_ptr<segment> current_;
    std::size_t offset_ = 0;
    std::int64_t retry_after_ms_ = 0;  // after a failed open, when to try again
  };

  /// Opens (creating) the spool directory. Does not read what is in it.
  static status open(const std::string& dir, const spool_options& options,
                     std::shared_ptr<click_spool>* out);

  click_spool(const click_spool&) = delete;
  click_spool& operator=(const click_spool&) = delete;
  ~click_spool();

  /// Appends the clicks a previous process left unwritten to `log`, then
  /// deletes its segments. Before any writer exists (spares are made for
  /// writers, and only files of a previous process are recovered).
  status recover(event_log& log, spool_recovery* out);

  /// Stores each spooled click's seq as its mark: first_seq + its index in
  /// `clicks` (the before_write_hook's numbering); first_seq 0 clears them.
  void mark(const std::vector<envelope>& clicks, std::uint64_t first_seq);
  /// The clicks are in the log: their segments may go.
  void done(const std::vector<envelope>& clicks);
  /// The clicks are finished without the log (shed, parked): marked
  /// kDoneMark and done.
  void finish_unlogged(const envelope* clicks, std::size_t n);
  void finish_unlogged(const std::vector<envelope>& clicks) {
    finish_unlogged(clicks.data(), clicks.size());
  }

  const std::string& dir() const { return dir_; }
  /// Segment files mapped now (open, or sealed with clicks not yet done).
  std::size_t live_segments() const;
  /// Segments the background thread has made ready and no writer took yet.
  std::size_t spare_segments() const;

 private:
  click_spool(std::string dir, const spool_options& options);

  status create_segment(std::shared_ptr<segment>* out);
  /// `old`, finished, as a new empty segment (a new id): false when it
  /// cannot be (another thread still holds it, or the rename failed).
  bool recycle_segment(std::shared_ptr<segment>& old, std::shared_ptr<segment>* out);
  std::string segment_path(std::uint32_t id) const;
  /// A segment for a writer: a spare if one is ready, else made now.
  status next_segment(std::shared_ptr<segment>* out);
  std::shared_ptr<segment> find(std::uint32_t id) const;
  /// `n` references less; at zero the segment is deleted, by the
  /// background thread unless `now`.
  void release(std::shared_ptr<segment> seg, std::int64_t n = 1, bool now = false);
  void finish(const envelope* clicks, std::size_t n, bool unlogged);
  status load_segments(std::vector<std::shared_ptr<segment>>* out);
  void background();  // the spare-making, file-deleting thread

  std::string dir_;
  spool_options options_;
  std::atomic<std::uint32_t> next_id_{1};
  mutable std::mutex mutex_;  // guards live_
  std::unordered_map<std::uint32_t, std::shared_ptr<segment>> live_;

  mutable std::mutex bg_mutex_;  // guards what follows
  std::condition_variable bg_wake_;
  bool stopping_ = false;
  std::size_t writers_ = 0;                       // spares made: one each, none before
  std::vector<std::shared_ptr<segment>> spares_;  // made, not yet taken
  std::vector<std::shared_ptr<segment>> doomed_;  // finished, to delete
  std::thread bg_;
};

}  // namespace linkly
