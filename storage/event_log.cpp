#include "storage/event_log.hpp"

#include "storage/leveldb_util.hpp"
#include "storage/record_format.hpp"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace linkly {

namespace {

// Records a replay reads under one hold of the read lock: between chunks a
// waiting reopen gets its turn, however long a rebuild's replay runs.
constexpr std::uint64_t kReplayChunk = 1024;
// The first chunk: small, as many callers stop after a few events; each
// next chunk doubles up to kReplayChunk.
constexpr std::uint64_t kFirstReplayChunk = 16;

// How the log's LevelDB is opened, at start and at every reopen.
leveldb::Options leveldb_options(const log_options& options) {
  leveldb::Options lopts;
  lopts.create_if_missing = options.create_if_missing;
  lopts.write_buffer_size = options.write_buffer_bytes;
  lopts.paranoid_checks = options.paranoid_checks;
  if (options.env != nullptr) lopts.env = options.env;
  return lopts;
}

std::string gap_message(std::uint64_t expected, std::uint64_t found) {
  return "gap in the log: expected seq " + std::to_string(expected) + ", found seq " +
         std::to_string(found);
}

// The events of one stored record, in order: a record of its own (an
// 8-byte key) or a batch record's (record_format.hpp), `first`..`last` as
// its key names them.
class record_events {
 public:
  record_events(std::string_view key, std::uint64_t first, std::uint64_t last,
                std::string_view value)
      : single_(key.size() == kRecordKeySize),
        value_(value),
        next_(first),
        last_(last),
        batch_(first, last, value) {}

  bool more() const { return single_ ? next_ <= last_ : batch_.more(); }
  status skip_to(std::uint64_t seq) {
    if (!single_) return batch_.skip_to(seq);
    next_ = std::max(next_, seq);
    return status::ok();
  }
  status next(envelope* out) {
    if (!single_) return batch_.next(out);
    status st = decode_record_value(next_, value_, out);
    if (st) ++next_;
    return st;
  }
  status finish() const { return single_ ? status::ok() : batch_.finish(); }

 private:
  bool single_;
  std::string_view value_;
  std::uint64_t next_;
  std::uint64_t last_;
  batch_record_reader batch_;
};

// The event `seq` of the record, checked.
status decode_record(std::string_view key, std::uint64_t first, std::uint64_t last,
                     std::string_view value, std::uint64_t seq, envelope* out) {
  record_events events(key, first, last, value);
  if (status st = events.skip_to(seq); !st) return st;
  if (status st = events.next(out); !st) return st;
  // Only the last event is sure to have walked the whole value.
  return seq == last ? events.finish() : status::ok();
}

}  // namespace

status event_log::open(const std::string& dir, const log_options& options,
                       std::unique_ptr<event_log>* out) {
  std::unique_ptr<leveldb::DB> db;
  if (status st = open_leveldb(dir, leveldb_options(options), &db); !st) return st;
  std::unique_ptr<event_log> log(new event_log(dir, std::move(db), options));

  // The head is the last key; decoding it catches a damaged tail early.
  std::unique_ptr<leveldb::Iterator> it(log->db_->NewIterator(leveldb::ReadOptions()));
  it->SeekToLast();
  if (it->Valid()) {
    std::uint64_t first = 0;
    std::uint64_t seq = 0;
    if (!decode_record_range({it->key().data(), it->key().size()}, &first, &seq)) {
      return status::corruption("unexpected key in log " + dir);
    }
    envelope last;
    if (status st = decode_record({it->key().data(), it->key().size()}, first, seq,
                                  {it->value().data(), it->value().size()}, seq, &last);
        !st) {
      return st;
    }
    log->highest_.store(seq, std::memory_order_release);
  } else if (!it->status().ok()) {
    return from_leveldb(it->status(), "reading " + dir);
  }
  *out = std::move(log);
  return status::ok();
}

event_log::event_log(std::string dir, std::unique_ptr<leveldb::DB> db, const log_options& options)
    : dir_(std::move(dir)),
      db_(std::move(db)),
      options_(options),
      health_(options.heal_backoff_initial, options.heal_backoff_max) {}

event_log::~event_log() = default;

event_log::read_lock::read_lock(const event_log& log) {
  std::lock_guard gate(log.reader_gate_);
  lock_ = std::shared_lock(log.db_mutex_);
}

status event_log::heal() {
  std::lock_guard lock(append_mutex_);
  return heal_locked();
}

status event_log::heal_locked() {
  // Damage is not healed by reopening: a compaction that met it would fail
  // again after every reopen. It stays refused and said for what it is.
  if (health_.failing() && health_.failure().is_corruption()) {
    return status::corruption(dir_ + " is damaged (" + health_.failure().message() +
                              "): stop the server and run `linkly log check`, then `linkly log "
                              "repair`");
  }
  bool reopened = false;
  status st = health_.heal(
      dir_, [this] { return reopen_locked(); }, &reopened);
  if (reopened) {
    spdlog::info("{}: reopened after a failed write; appending again at seq {}", dir_,
                 highest_.load(std::memory_order_relaxed) + 1);
  }
  return st;
}

status event_log::reopen_locked() {
  // Closing the store while the disk is still full would only trade a
  // working reader for a failed open.
  if (status st = probe_space(options_.env, dir_, options_.heal_probe_bytes); !st) return st;
  std::unique_lock gate(reader_gate_);
  std::unique_lock exclusive(db_mutex_);
  gate.unlock();
  // One LevelDB instance per directory: the old one goes (and releases its
  // lock) before the new one opens.
  db_.reset();
  leveldb::Options lopts = leveldb_options(options_);
  lopts.create_if_missing = false;  // it was there: a missing store is not made anew
  std::unique_ptr<leveldb::DB> db;
  if (status st = open_leveldb(dir_, lopts, &db); !st) return st;

  // Records above the acknowledged head belong to failed appends that
  // reached the disk anyway. Nobody was told they were written: remove them.
  const std::uint64_t head = highest_.load(std::memory_order_relaxed);
  leveldb::WriteBatch unacknowledged;
  std::uint64_t last = 0;
  std::uint64_t removed = 0;
  {
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
    it->SeekToLast();
    std::uint64_t first = 0;
    if (it->Valid() && !decode_record_range({it->key().data(), it->key().size()}, &first, &last)) {
      return status::corruption("unexpected key in log " + dir_);
    }
    if (!it->status().ok()) return from_leveldb(it->status(), "reading " + dir_);
    for (it->Seek(encode_record_key(head + 1)); it->Valid(); it->Next()) {
      unacknowledged.Delete(it->key());
      ++removed;
    }
    if (!it->status().ok()) return from_leveldb(it->status(), "reading " + dir_);
  }
  if (last < head) {
    db_ = std::move(db);  // readers still get what is there, and its damage reported
    return status::corruption("log " + dir_ + " ends at seq " + std::to_string(last) +
                              " after a reopen, below its acknowledged head seq " +
                              std::to_string(head));
  }
  if (removed > 0) {
    leveldb::WriteOptions wopts;
    wopts.sync = true;
    if (status st = from_leveldb(db->Write(wopts, &unacknowledged),
                                 "removing unacknowledged records from " + dir_);
        !st) {
      db_ = std::move(db);  // what readers see is clamped to the head
      return st;
    }
    spdlog::warn("{}: removed {} unacknowledged records (seq {}..{}) of a failed append", dir_,
                 removed, head + 1, last);
  }
  db_ = std::move(db);
  return status::ok();
}

status event_log::append(const std::vector<envelope>& events, append_result* result,
                         const before_write_hook* before_write) {
  std::lock_guard lock(append_mutex_);
  const std::uint64_t head = highest_.load(std::memory_order_relaxed);
  result->first_seq = head + 1;
  result->last_seq = head;
  if (status st = heal_locked(); !st) return st;
  if (events.empty()) return status::ok();

  // Each record is encoded from the caller's envelope into one reused
  // buffer (under the append lock, like the batch): no copy of an envelope,
  // no allocation per record once the buffer has grown.
  leveldb::WriteBatch batch;
  std::uint64_t seq = head;
  if (options_.batch_records && events.size() > 1) {
    seq = head + events.size();
    encode_batch_record(events, head + 1, &value_scratch_);
    batch.Put(encode_batch_record_key(head + 1, seq), value_scratch_);
  } else {
    for (const auto& e : events) {
      ++seq;
      const std::string key = encode_record_key(seq);  // 8 bytes: no allocation
      encode_record_value(e, seq, &value_scratch_);
      batch.Put(key, value_scratch_);
    }
  }
  if (before_write != nullptr && *before_write) (*before_write)(events, head + 1);
  leveldb::WriteOptions wopts;
  wopts.sync = options_.sync;
  // db_ is only swapped under append_mutex_, which this holds.
  leveldb::Status s = db_->Write(wopts, &batch);
  if (!s.ok()) {
    status failed = from_leveldb(s, "appending to " + dir_);
    health_.failed(failed);
    if (failed.is_corruption()) {
      spdlog::error("{}: a write met damage ({}); appends are refused until `linkly log repair`",
                    dir_, failed.message());
    }
    if (before_write != nullptr && *before_write) (*before_write)(events, 0);
    return failed;
  }
  highest_.store(seq, std::memory_order_release);
  result->last_seq = seq;
  if (listener_) listener_(events, head + 1);
  return status::ok();
}

status event_log::replay(std::uint64_t from, std::uint64_t to, std::uint64_t max,
                         const std::function<bool(const envelope&)>& fn) const {
  if (from == 0) from = 1;
  const std::uint64_t head = highest_.load(std::memory_order_acquire);
  // Only records up to the head seen now: a concurrent append is not half-read.
  if (to > head + 1) to = head + 1;
  if (from >= to || max == 0) return status::ok();

  leveldb::ReadOptions ropts;
  ropts.fill_cache = false;
  std::uint64_t expected = from;
  std::uint64_t remaining = max;
  // In chunks: each is decoded under its own read lock and iterator, then
  // handed to `fn` with no lock held, so a reopen waits for one chunk at
  // most and `fn` may read this log itself.
  std::vector<envelope> chunk;  // reused: decoding refills its strings in place
  std::uint64_t chunk_size = kFirstReplayChunk;
  while (expected < to && remaining > 0) {
    const std::uint64_t want = std::min<std::uint64_t>({to - expected, remaining, chunk_size});
    chunk_size = std::min(chunk_size * 2, kReplayChunk);
    if (chunk.size() < want) chunk.resize(want);
    std::size_t got = 0;
    status problem;
    {
      read_lock lock(*this);
      if (!db_) return status::io_error(dir_ + " is closed: reopening it after a failed write");
      std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ropts));
      std::uint64_t next = expected;
      // A seek to `next` lands on the record holding it: a batch record may
      // start below it (read on from there) and end beyond the chunk.
      for (it->Seek(encode_record_key(next)); it->Valid() && got < want; it->Next()) {
        const std::string_view key{it->key().data(), it->key().size()};
        const std::string_view value{it->value().data(), it->value().size()};
        std::uint64_t first = 0;
        std::uint64_t last = 0;
        if (!decode_record_range(key, &first, &last)) {
          problem = status::corruption("unexpected key after seq " + std::to_string(next - 1));
          break;
        }
        if (first > next || last < next) {
          problem = status::corruption(gap_message(next, first > next ? first : last));
          break;
        }
        record_events events(key, first, last, value);
        problem = events.skip_to(next);
        while (problem.is_ok() && events.more() && got < want) {
          problem = events.next(&chunk[got]);
          if (problem.is_ok()) {
            ++got;
            ++next;
          }
        }
        if (problem.is_ok() && !events.more()) problem = events.finish();
        if (!problem) break;
      }
      if (problem.is_ok() && !it->status().ok()) {
        problem = from_leveldb(it->status(), "reading " + dir_);
      }
      if (problem.is_ok() && got < want) {
        problem = status::corruption("log ends at seq " + std::to_string(next - 1) +
                                     " but its head is seq " + std::to_string(head));
      }
    }
    for (std::size_t i = 0; i < got; ++i) {
      if (!fn(chunk[i])) return status::ok();
    }
    if (!problem) return problem;
    expected += got;
    remaining -= got;
  }
  return status::ok();
}

status event_log::read(std::uint64_t from, std::uint64_t to, std::uint64_t max,
                       std::vector<envelope>* out) const {
  return replay(from, to, max, [out](const envelope& e) {
    out->push_back(e);
    return true;
  });
}

status event_log::get(std::uint64_t seq, envelope* out) const {
  if (seq == 0 || seq > highest_seq()) {
    return status::not_found("seq " + std::to_string(seq) + " is beyond the log's head");
  }
  read_lock lock(*this);
  if (!db_) return status::io_error(dir_ + " is closed: reopening it after a failed write");
  // The record holding `seq`: its own, or a batch record's (record_format.hpp).
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(encode_record_key(seq));
  if (!it->status().ok()) return from_leveldb(it->status(), "reading " + dir_);
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (!it->Valid() || !decode_record_range({it->key().data(), it->key().size()}, &first, &last) ||
      first > seq) {
    return status::corruption("record seq " + std::to_string(seq) + " is missing below the head");
  }
  return decode_record({it->key().data(), it->key().size()}, first, last,
                       {it->value().data(), it->value().size()}, seq, out);
}

}  // namespace linkly
