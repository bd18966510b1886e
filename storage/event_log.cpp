#include "storage/event_log.hpp"

#include "storage/leveldb_util.hpp"
#include "storage/record_format.hpp"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

namespace linkly {

namespace {

std::string gap_message(std::uint64_t expected, std::uint64_t found) {
  return "gap in the log: expected seq " + std::to_string(expected) + ", found seq " +
         std::to_string(found);
}

}  // namespace

status event_log::open(const std::string& dir, const log_options& options,
                       std::unique_ptr<event_log>* out) {
  leveldb::Options lopts;
  lopts.create_if_missing = options.create_if_missing;
  lopts.write_buffer_size = options.write_buffer_bytes;
  lopts.paranoid_checks = options.paranoid_checks;
  if (options.env != nullptr) lopts.env = options.env;
  std::unique_ptr<leveldb::DB> db;
  if (status st = open_leveldb(dir, lopts, &db); !st) return st;
  std::unique_ptr<event_log> log(new event_log(dir, std::move(db), options));

  // The head is the last key; decoding it catches a damaged tail early.
  std::unique_ptr<leveldb::Iterator> it(log->db_->NewIterator(leveldb::ReadOptions()));
  it->SeekToLast();
  if (it->Valid()) {
    std::uint64_t seq = 0;
    if (!decode_record_key({it->key().data(), it->key().size()}, &seq)) {
      return status::corruption("unexpected key in log " + dir);
    }
    envelope last;
    status st = decode_record_value(seq, {it->value().data(), it->value().size()}, &last);
    if (!st) return st;
    log->highest_.store(seq, std::memory_order_release);
  } else if (!it->status().ok()) {
    return from_leveldb(it->status(), "reading " + dir);
  }
  *out = std::move(log);
  return status::ok();
}

event_log::event_log(std::string dir, std::unique_ptr<leveldb::DB> db, const log_options& options)
    : dir_(std::move(dir)), db_(std::move(db)), options_(options) {}

event_log::~event_log() = default;

status event_log::append(std::vector<envelope>& events, append_result* result,
                         const before_write_hook* before_write) {
  std::lock_guard lock(append_mutex_);
  if (!write_failure_.is_ok()) {
    return status::io_error("log refuses appends after a failed write (" +
                            write_failure_.message() + "); reopen it");
  }
  const std::uint64_t head = highest_.load(std::memory_order_relaxed);
  result->first_seq = head + 1;
  result->last_seq = head;
  if (events.empty()) return status::ok();

  leveldb::WriteBatch batch;
  std::uint64_t seq = head;
  for (auto& e : events) {
    e.seq = ++seq;
    batch.Put(encode_record_key(e.seq), encode_record_value(e));
  }
  if (before_write != nullptr && *before_write) (*before_write)(events);
  leveldb::WriteOptions wopts;
  wopts.sync = options_.sync;
  leveldb::Status s = db_->Write(wopts, &batch);
  if (!s.ok()) {
    write_failure_ = from_leveldb(s, "appending to " + dir_);
    for (auto& e : events) e.seq = 0;
    if (before_write != nullptr && *before_write) (*before_write)(events);
    return write_failure_;
  }
  highest_.store(seq, std::memory_order_release);
  result->last_seq = seq;
  if (listener_) listener_(events);
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
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ropts));
  std::uint64_t expected = from;
  std::uint64_t count = 0;
  envelope env;
  for (it->Seek(encode_record_key(from)); it->Valid() && expected < to && count < max; it->Next()) {
    std::uint64_t seq = 0;
    if (!decode_record_key({it->key().data(), it->key().size()}, &seq)) {
      return status::corruption("unexpected key after seq " + std::to_string(expected - 1));
    }
    if (seq != expected) return status::corruption(gap_message(expected, seq));
    status st = decode_record_value(seq, {it->value().data(), it->value().size()}, &env);
    if (!st) return st;
    ++count;
    ++expected;
    if (!fn(env)) return status::ok();
  }
  if (!it->status().ok()) return from_leveldb(it->status(), "reading " + dir_);
  if (expected < to && count < max) {
    return status::corruption("log ends at seq " + std::to_string(expected - 1) +
                              " but its head is seq " + std::to_string(head));
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
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), encode_record_key(seq), &value);
  if (s.IsNotFound())
    return status::corruption("record seq " + std::to_string(seq) + " is missing below the head");
  if (!s.ok()) return from_leveldb(s, "reading " + dir_);
  return decode_record_value(seq, value, out);
}

}  // namespace linkly
