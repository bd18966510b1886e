// On-disk format:
//
//   entry key     := id:u64-big-endian             (LevelDB order == id order)
//   entry value   := crc:u32-little-endian body
//   crc           := CRC-32C of body
//   body          := cereal-binary(class_version:u32 id:u64 queue:string
//                                  payload:string error:string attempts:u32
//                                  failed_at_ms:i64)
//   next-id key   := "\xff next_id"                (9 bytes: never an entry key)
//   next-id value := next_id:u64-big-endian
//
// The body repeats the id, so a value under the wrong key is corruption. Each
// put writes its entry and the new next id in one WriteBatch; on open the next
// id is the larger of that record and the last entry's id + 1.

#include "storage/dead_letter_store.hpp"

#include "schemas/payload_codec.hpp"
#include "storage/leveldb_util.hpp"
#include "storage/record_format.hpp"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>
#include <spdlog/spdlog.h>
#include <cereal/archives/binary.hpp>
#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>

#include <algorithm>
#include <limits>
#include <sstream>
#include <string_view>

namespace linkly {

template <class Archive>
void serialize(Archive& ar, dead_letter& e, std::uint32_t /*version*/) {
  ar(e.id, e.queue, e.payload, e.error, e.attempts, e.failed_at_ms);
}

}  // namespace linkly

CEREAL_CLASS_VERSION(linkly::dead_letter, 1);

namespace linkly {

namespace {

const std::string kNextIdKey = "\xff next_id";

std::string_view view(const leveldb::Slice& s) {
  return {s.data(), s.size()};
}

std::string name(std::uint64_t id) {
  return "dead letter " + std::to_string(id);
}

std::string encode_value(const dead_letter& e) {
  std::ostringstream out(std::ios::binary);
  out.write("\0\0\0\0", 4);  // checksum, filled in below
  {
    cereal::BinaryOutputArchive ar(out);
    ar(e);
  }
  std::string value = std::move(out).str();
  const std::uint32_t crc = crc32c(std::string_view(value).substr(4));
  for (int i = 0; i < 4; ++i) value[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return value;
}

// Leaves *out unchanged unless the value decodes.
status decode_value(std::uint64_t id, std::string_view value, dead_letter* out) {
  if (value.size() < 4) return status::corruption("truncated " + name(id));
  std::uint32_t stored = 0;
  for (int i = 3; i >= 0; --i) stored = (stored << 8) | static_cast<unsigned char>(value[i]);
  const std::string_view body = value.substr(4);
  if (crc32c(body) != stored) return status::corruption("checksum mismatch in " + name(id));
  dead_letter decoded;
  if (!decode_payload(body, &decoded)) return status::corruption("undecodable " + name(id));
  if (decoded.id != id) {
    return status::corruption(name(id) + " holds id " + std::to_string(decoded.id));
  }
  *out = std::move(decoded);
  return status::ok();
}

}  // namespace

status dead_letter_store::open(const std::string& dir, const dead_letter_options& options,
                               std::unique_ptr<dead_letter_store>* out) {
  leveldb::Options lopts;
  lopts.create_if_missing = options.create_if_missing;
  if (options.env != nullptr) lopts.env = options.env;
  std::unique_ptr<leveldb::DB> db;
  if (status st = open_leveldb(dir, lopts, &db); !st) return st;
  std::unique_ptr<dead_letter_store> store(new dead_letter_store(dir, std::move(db), options));
  if (status st = store->load(); !st) return st;
  *out = std::move(store);
  return status::ok();
}

status dead_letter_store::load() {
  leveldb::ReadOptions ropts;
  ropts.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ropts));
  std::uint64_t last_id = 0;
  std::uint64_t stored_next = 0;
  std::size_t count = 0;
  std::map<std::string, std::size_t, std::less<>> queue_sizes;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (view(it->key()) == kNextIdKey) {
      if (!decode_record_key(view(it->value()), &stored_next)) {
        return status::corruption("damaged next-id record in dead-letter store " + dir_);
      }
      continue;
    }
    std::uint64_t id = 0;
    if (!decode_record_key(view(it->key()), &id) || id == 0) {
      return status::corruption("unexpected key in dead-letter store " + dir_);
    }
    last_id = id;  // keys ascend: the last one seen is the highest
    ++count;
    dead_letter entry;
    const bool decoded = decode_value(id, view(it->value()), &entry).is_ok();
    ++queue_sizes[decoded ? entry.queue : std::string()];
  }
  if (!it->status().ok()) return from_leveldb(it->status(), "reading " + dir_);
  // Never lower: ids handed out before a reopen stay used.
  next_id_ = std::max({next_id_, std::uint64_t{1}, last_id + 1, stored_next});
  size_.store(count, std::memory_order_release);
  std::lock_guard sizes(queue_sizes_mutex_);
  queue_sizes_ = std::move(queue_sizes);
  return status::ok();
}

dead_letter_store::dead_letter_store(std::string dir, std::unique_ptr<leveldb::DB> db,
                                     const dead_letter_options& options)
    : dir_(std::move(dir)),
      db_(std::move(db)),
      options_(options),
      health_(options.heal_backoff_initial, options.heal_backoff_max) {}

dead_letter_store::~dead_letter_store() = default;

status dead_letter_store::heal() {
  std::lock_guard lock(write_mutex_);
  return heal_locked();
}

status dead_letter_store::heal_locked() {
  bool reopened = false;
  status st = health_.heal(
      dir_, [this] { return reopen_locked(); }, &reopened);
  if (reopened) spdlog::info("{}: reopened after a failed write", dir_);
  return st;
}

status dead_letter_store::reopen_locked() {
  if (status st = probe_space(options_.env, dir_, options_.heal_probe_bytes); !st) return st;
  std::unique_lock exclusive(db_mutex_);
  db_.reset();  // one LevelDB instance per directory
  leveldb::Options lopts;
  lopts.create_if_missing = false;
  if (options_.env != nullptr) lopts.env = options_.env;
  if (status st = open_leveldb(dir_, lopts, &db_); !st) return st;
  // Entries of failed puts may have reached the disk: nobody was told they
  // were stored.
  if (!unacknowledged_.empty()) {
    leveldb::WriteBatch batch;
    for (std::uint64_t id : unacknowledged_) batch.Delete(encode_record_key(id));
    leveldb::WriteOptions wopts;
    wopts.sync = true;
    if (status st = from_leveldb(db_->Write(wopts, &batch),
                                 "removing the entries of failed puts from " + dir_);
        !st) {
      return st;
    }
    unacknowledged_.clear();
  }
  return load();
}

status dead_letter_store::put(dead_letter* entry) {
  std::lock_guard lock(write_mutex_);
  entry->id = 0;
  if (status st = heal_locked(); !st) return st;
  // Consumed before the write: if the write fails after reaching the disk,
  // a retry must not store another entry under the same id.
  entry->id = next_id_++;
  leveldb::WriteBatch batch;
  batch.Put(encode_record_key(entry->id), encode_value(*entry));
  batch.Put(kNextIdKey, encode_record_key(next_id_));
  leveldb::WriteOptions wopts;
  wopts.sync = options_.sync;
  leveldb::Status s = db_->Write(wopts, &batch);
  if (!s.ok()) {
    status failed = from_leveldb(s, "putting " + name(entry->id) + " in " + dir_);
    unacknowledged_.push_back(entry->id);
    health_.failed(failed);
    entry->id = 0;
    return failed;
  }
  size_.fetch_add(1, std::memory_order_release);
  std::lock_guard sizes(queue_sizes_mutex_);
  ++queue_sizes_[entry->queue];
  return status::ok();
}

std::size_t dead_letter_store::size(std::string_view queue) const {
  std::lock_guard sizes(queue_sizes_mutex_);
  auto it = queue_sizes_.find(queue);
  return it == queue_sizes_.end() ? 0 : it->second;
}

status dead_letter_store::get(std::uint64_t id, dead_letter* out) const {
  std::string value;
  std::shared_lock lock(db_mutex_);
  if (!db_) return status::io_error(dir_ + " is closed: reopening it after a failed write");
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), encode_record_key(id), &value);
  if (s.IsNotFound()) return status::not_found("no " + name(id));
  if (!s.ok()) return from_leveldb(s, "reading " + name(id) + " in " + dir_);
  return decode_value(id, value, out);
}

status dead_letter_store::list(std::uint64_t after_id, std::size_t limit,
                               std::vector<dead_letter>* out) const {
  if (limit == 0 || after_id == std::numeric_limits<std::uint64_t>::max()) return status::ok();
  std::shared_lock lock(db_mutex_);
  if (!db_) return status::io_error(dir_ + " is closed: reopening it after a failed write");
  leveldb::ReadOptions ropts;
  ropts.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ropts));
  std::size_t listed = 0;
  for (it->Seek(encode_record_key(after_id + 1)); it->Valid() && listed < limit; it->Next()) {
    if (view(it->key()) == kNextIdKey) continue;
    std::uint64_t id = 0;
    if (!decode_record_key(view(it->key()), &id)) {
      return status::corruption("unexpected key in dead-letter store " + dir_);
    }
    dead_letter entry;
    status st = decode_value(id, view(it->value()), &entry);
    if (!st) return st;
    out->push_back(std::move(entry));
    ++listed;
  }
  if (!it->status().ok()) return from_leveldb(it->status(), "reading " + dir_);
  return status::ok();
}

status dead_letter_store::erase(std::uint64_t id) {
  // Under the mutex so that two erases of one id count it once.
  std::lock_guard lock(write_mutex_);
  if (status st = heal_locked(); !st) return st;
  const std::string key = encode_record_key(id);
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return status::not_found("no " + name(id));
  if (!s.ok()) return from_leveldb(s, "reading " + name(id) + " in " + dir_);
  leveldb::WriteOptions wopts;
  wopts.sync = options_.sync;
  s = db_->Delete(wopts, key);
  if (!s.ok()) {
    // Erased or not is unknown: the reopen counts the entries again.
    status failed = from_leveldb(s, "erasing " + name(id) + " in " + dir_);
    health_.failed(failed);
    return failed;
  }
  size_.fetch_sub(1, std::memory_order_release);
  dead_letter entry;
  const bool decoded = decode_value(id, value, &entry).is_ok();
  std::lock_guard sizes(queue_sizes_mutex_);
  auto it = queue_sizes_.find(decoded ? entry.queue : std::string());
  if (it != queue_sizes_.end() && it->second > 0) --it->second;
  return status::ok();
}

}  // namespace linkly
