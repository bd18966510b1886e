#include "tests/support/store_surgery.hpp"

#include "storage/projection_store.hpp"
#include "storage/record_format.hpp"

#include <leveldb/db.h>

#include <memory>
#include <stdexcept>

namespace linkly::e2e {

namespace {

std::unique_ptr<leveldb::DB> open_raw(const std::string& dir) {
  leveldb::Options options;
  options.create_if_missing = false;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &db);
  if (!s.ok()) throw std::runtime_error("opening " + dir + ": " + s.ToString());
  return std::unique_ptr<leveldb::DB>(db);
}

void check(const leveldb::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
}

std::unique_ptr<projection_store> open_projection(const std::string& dir) {
  projection_store_options options;
  options.create_if_missing = false;
  std::unique_ptr<projection_store> store;
  if (status st = projection_store::open(dir, options, &store); !st) {
    throw std::runtime_error("opening " + dir + ": " + st.to_string());
  }
  return store;
}

}  // namespace

void overwrite_log_record(const std::string& dir, std::uint64_t seq, const std::string& value) {
  auto db = open_raw(dir);
  leveldb::WriteOptions options;
  options.sync = true;
  check(db->Put(options, encode_record_key(seq), value), "writing " + dir);
}

void erase_log_record(const std::string& dir, std::uint64_t seq) {
  auto db = open_raw(dir);
  leveldb::WriteOptions options;
  options.sync = true;
  check(db->Delete(options, encode_record_key(seq)), "erasing in " + dir);
}

std::string link_created_record(std::uint64_t seq, const std::string& key,
                                const std::string& payload) {
  envelope env;
  env.seq = seq;
  env.type = event_type::link_created;
  env.schema_version = 1;
  env.timestamp_ms = 1'700'000'000'000;
  env.key = key;
  env.payload = payload;
  return encode_record_value(env);
}

void set_projection_counter(const std::string& dir, const std::string& key, std::uint64_t n) {
  auto store = open_projection(dir);
  write_set writes;
  writes.put(key, encode_counter(n));
  if (status st = store->commit(writes); !st) {
    throw std::runtime_error("committing to " + dir + ": " + st.to_string());
  }
}

std::map<std::string, std::string> projection_contents(const std::string& dir) {
  auto store = open_projection(dir);
  std::map<std::string, std::string> out;
  status st = store->scan("", "", [&](std::string_view k, std::string_view v) {
    out.emplace(std::string(k), std::string(v));
    return true;
  });
  if (!st) throw std::runtime_error("reading " + dir + ": " + st.to_string());
  for (const char* log : {"links", "clicks"}) {
    out["checkpoint:" + std::string(log)] = std::to_string(store->checkpoint(log));
  }
  return out;
}

}  // namespace linkly::e2e
