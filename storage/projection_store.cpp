#include "storage/projection_store.hpp"

#include "storage/leveldb_util.hpp"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include <mutex>
#include <utility>
#include <vector>

namespace linkly {

namespace {

constexpr char kCheckpointTag = 'c';
constexpr char kStateTag = 's';

std::string state_key(std::string_view key) {
  std::string k(1, kStateTag);
  k.append(key);
  return k;
}

std::string_view view(const leveldb::Slice& s) {
  return {s.data(), s.size()};
}

}  // namespace

std::string encode_counter(std::uint64_t n) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, n >>= 8) out[i] = static_cast<char>(n & 0xff);
  return out;
}

bool decode_counter(std::string_view value, std::uint64_t* n) {
  if (value.size() != 8) return false;
  std::uint64_t v = 0;
  for (unsigned char c : value) v = (v << 8) | c;
  *n = v;
  return true;
}

namespace {

status add_to_counter(std::string_view key, std::string* value, std::uint64_t delta) {
  std::uint64_t n = 0;
  if (!value->empty() && !decode_counter(*value, &n)) {
    return status::corruption("counter " + std::string(key) + " is not 8 bytes");
  }
  *value = encode_counter(n + delta);
  return status::ok();
}

}  // namespace

void write_set::put(std::string key, std::string value) {
  deltas_.erase(key);
  changes_[std::move(key)] = std::move(value);
}

void write_set::erase(std::string key) {
  deltas_.erase(key);
  changes_[std::move(key)] = std::nullopt;
}

status write_set::get(const projection_store& store, std::string_view key,
                      std::string* value) const {
  if (auto it = changes_.find(key); it != changes_.end()) {
    if (!it->second) return status::not_found(std::string(key));
    *value = *it->second;
    return status::ok();
  }
  status st = store.get(key, value);
  auto d = deltas_.find(key);
  if (d == deltas_.end()) return st;
  if (st.is_not_found()) value->clear();
  if (!st.is_ok() && !st.is_not_found()) return st;
  return add_to_counter(key, value, d->second);
}

void write_set::add(std::string_view key, std::uint64_t delta) {
  if (auto it = changes_.find(key); it != changes_.end()) {
    std::string& v = it->second ? *it->second : it->second.emplace();
    std::uint64_t n = 0;
    decode_counter(v, &n);
    v = encode_counter(n + delta);
    return;
  }
  if (auto d = deltas_.find(key); d != deltas_.end()) {
    d->second += delta;
  } else {
    deltas_.emplace(std::string(key), delta);
  }
}

status projection_store::open(const std::string& dir, const projection_store_options& options,
                              std::unique_ptr<projection_store>* out) {
  std::unique_ptr<projection_store> store(new projection_store(dir, options));
  if (status st = store->reopen(); !st) return st;
  *out = std::move(store);
  return status::ok();
}

projection_store::projection_store(std::string dir, const projection_store_options& options)
    : dir_(std::move(dir)), options_(options), filter_policy_(leveldb::NewBloomFilterPolicy(10)) {}

projection_store::~projection_store() {
  db_.reset();  // before the filter policy it uses
}

status projection_store::reopen() {
  std::unique_lock lock(mutex_);
  // Closing a store that still serves reads while the disk has no room would
  // only trade it for a failed open: reads then fail for the whole outage.
  if (db_ != nullptr) {
    if (status st = probe_space(options_.env, dir_, options_.heal_probe_bytes); !st) return st;
  }
  db_.reset();  // LevelDB's lock must be released before the reopen
  leveldb::Options lopts;
  lopts.create_if_missing = options_.create_if_missing;
  // Projections read-modify-write keys that often do not exist yet: a bloom
  // filter answers most of those misses without touching a table file.
  lopts.filter_policy = filter_policy_.get();
  lopts.write_buffer_size = 32u << 20;
  if (options_.env != nullptr) lopts.env = options_.env;
  if (status st = open_leveldb(dir_, lopts, &db_); !st) {
    open_failure_ = st;
    return st;
  }
  open_failure_ = status::ok();
  write_failure_ = status::ok();
  {
    std::lock_guard failure(read_failure_mutex_);
    read_failure_ = status::ok();
  }
  return load_checkpoints();
}

status projection_store::health() const {
  std::shared_lock lock(mutex_);
  if (!db_) {
    return status::io_error(dir_ + " is not open" +
                            (open_failure_ ? std::string() : ": " + open_failure_.message()));
  }
  if (!write_failure_.is_ok()) return write_failure_;
  std::lock_guard failure(read_failure_mutex_);
  return read_failure_;
}

status projection_store::note_read(status st) const {
  if (st.is_ok() || st.is_not_found()) return st;
  std::lock_guard failure(read_failure_mutex_);
  if (read_failure_.is_ok()) read_failure_ = st;
  return st;
}

status projection_store::load_checkpoints() {
  std::map<std::string, std::uint64_t, std::less<>> loaded;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  const std::string prefix(1, kCheckpointTag);
  it->Seek(std::string(1, kStateTag));
  recent_.clear();
  complete_ = !it->Valid() || !it->key().starts_with(std::string(1, kStateTag));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    std::uint64_t seq = 0;
    if (!decode_counter(view(it->value()), &seq)) {
      return status::corruption("bad checkpoint record in " + dir_);
    }
    loaded[std::string(view(it->key()).substr(1))] = seq;
  }
  if (status st = note_read(from_leveldb(it->status(), "reading " + dir_)); !st) return st;
  // Only a complete read replaces them: lag stays measurable while closed.
  checkpoints_ = std::move(loaded);
  return status::ok();
}

status projection_store::get(std::string_view key, std::string* value) const {
  std::shared_lock lock(mutex_);
  if (!db_) return status::io_error(dir_ + " is not open");
  return lookup(key, value);
}

status projection_store::lookup(std::string_view key, std::string* value) const {
  if (auto it = recent_.find(key); it != recent_.end()) {
    if (!it->second) return status::not_found(std::string(key));
    *value = *it->second;
    return status::ok();
  }
  if (complete_) return status::not_found(std::string(key));
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), state_key(key), value);
  if (s.IsNotFound()) return status::not_found(std::string(key));
  return note_read(from_leveldb(s, "reading " + dir_));
}

status projection_store::scan(
    std::string_view prefix, std::string_view after,
    const std::function<bool(std::string_view key, std::string_view value)>& fn) const {
  std::shared_lock lock(mutex_);
  if (!db_) return status::io_error(dir_ + " is not open");
  leveldb::ReadOptions ropts;
  ropts.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ropts));
  const std::string full_prefix = state_key(prefix);
  if (after.empty()) {
    it->Seek(full_prefix);
  } else {
    const std::string start = state_key(after);
    it->Seek(start);
    if (it->Valid() && view(it->key()) == start) it->Next();
  }
  for (; it->Valid() && it->key().starts_with(full_prefix); it->Next()) {
    if (!fn(view(it->key()).substr(1), view(it->value()))) break;
  }
  return note_read(from_leveldb(it->status(), "reading " + dir_));
}

std::uint64_t projection_store::checkpoint(std::string_view log) const {
  std::shared_lock lock(mutex_);
  auto it = checkpoints_.find(log);
  return it == checkpoints_.end() ? 0 : it->second;
}

void projection_store::remember(
    const std::vector<std::pair<std::string_view, std::string>>& counted, const write_set& writes) {
  const std::size_t limit = options_.recent_values;
  if (recent_.size() + counted.size() + writes.changes_.size() > limit) {
    // Dropping all at once is crude, but cheaper than tracking recency per
    // key; hot keys come back with the next batch that touches them.
    recent_.clear();
    complete_ = false;
    if (counted.size() + writes.changes_.size() > limit) return;
  }
  for (const auto& [key, value] : counted) recent_.insert_or_assign(std::string(key), value);
  for (const auto& [key, value] : writes.changes_) recent_.insert_or_assign(key, value);
}

status projection_store::commit(const write_set& writes) {
  std::unique_lock lock(mutex_);
  if (!db_) return status::io_error(dir_ + " is not open");
  if (!write_failure_.is_ok()) {
    return status::io_error("store refuses commits after a failed write (" +
                            write_failure_.message() + "); reopen it");
  }
  leveldb::WriteBatch batch;
  // Deltas meet the stored values here, under the lock: no commit between.
  std::vector<std::pair<std::string_view, std::string>> counted;
  counted.reserve(writes.deltas_.size());
  std::string current;
  for (const auto& [key, delta] : writes.deltas_) {
    status st = lookup(key, &current);
    if (st.is_not_found()) current.clear();
    if (!st.is_ok() && !st.is_not_found()) return st;
    if (status added = add_to_counter(key, &current, delta); !added) return added;
    batch.Put(state_key(key), current);
    counted.emplace_back(key, current);
  }
  for (const auto& [key, value] : writes.changes_) {
    if (value) {
      batch.Put(state_key(key), *value);
    } else {
      batch.Delete(state_key(key));
    }
  }
  for (const auto& [log, seq] : writes.checkpoints_) {
    batch.Put(std::string(1, kCheckpointTag) + log, encode_counter(seq));
  }
  leveldb::WriteOptions wopts;
  wopts.sync = options_.sync;
  leveldb::Status s = db_->Write(wopts, &batch);
  if (!s.ok()) {
    write_failure_ = from_leveldb(s, "committing to " + dir_);
    return write_failure_;
  }
  for (const auto& [log, seq] : writes.checkpoints_) checkpoints_[log] = seq;
  remember(counted, writes);
  return status::ok();
}

status projection_store::clear() {
  std::unique_lock lock(mutex_);
  if (!db_) return status::io_error(dir_ + " is not open");
  leveldb::WriteBatch batch;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) batch.Delete(it->key());
  if (!it->status().ok()) return from_leveldb(it->status(), "reading " + dir_);
  it.reset();
  leveldb::WriteOptions wopts;
  wopts.sync = true;
  if (status st = from_leveldb(db_->Write(wopts, &batch), "clearing " + dir_); !st) return st;
  checkpoints_.clear();
  recent_.clear();
  complete_ = true;
  return status::ok();
}

}  // namespace linkly
