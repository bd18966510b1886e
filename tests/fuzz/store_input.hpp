#pragma once
// Fuzz input for the targets that read a LevelDB store: the raw key/value
// pairs to put into a fresh in-memory LevelDB before the store under test
// opens it, so every byte the store decodes (keys, checksums, bodies) comes
// from the fuzzer.
//
//   input := pair*
//   pair  := flags:u8 key_size:u8 key value_size:u16-le value
//   flags bit 0: overwrite the value's first 4 bytes with the CRC-32C
//                (little-endian) of the rest, as record values and dead
//                letters store it, so mutations reach the decoders behind
//                the checksum instead of dying at it.
// A truncated last pair is dropped. seeds_main.cpp writes this format.

#include "storage/record_format.hpp"

#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace linkly::fuzz {

constexpr std::uint8_t kFixCrc = 1;

struct raw_pair {
  std::string key;
  std::string value;
};

/// Overwrites the 4-byte CRC-32C prefix of `value`, if it has one.
inline void fix_crc(std::string* value) {
  if (value->size() < 4) return;
  const std::uint32_t crc = crc32c(std::string_view(*value).substr(4));
  for (int i = 0; i < 4; ++i) (*value)[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

inline std::vector<raw_pair> read_pairs(std::string_view in) {
  std::vector<raw_pair> pairs;
  while (in.size() >= 2) {
    const std::uint8_t flags = static_cast<std::uint8_t>(in[0]);
    const std::size_t key_size = static_cast<std::uint8_t>(in[1]);
    in.remove_prefix(2);
    if (in.size() < key_size + 2) break;
    raw_pair p;
    p.key.assign(in.substr(0, key_size));
    in.remove_prefix(key_size);
    const std::size_t value_size =
        static_cast<std::uint8_t>(in[0]) |
        (static_cast<std::size_t>(static_cast<std::uint8_t>(in[1])) << 8);
    in.remove_prefix(2);
    if (in.size() < value_size) break;
    p.value.assign(in.substr(0, value_size));
    in.remove_prefix(value_size);
    if (flags & kFixCrc) fix_crc(&p.value);
    pairs.push_back(std::move(p));
  }
  return pairs;
}

inline void write_pair(std::string* out, std::string_view key, std::string_view value,
                       std::uint8_t flags) {
  out->push_back(static_cast<char>(flags));
  out->push_back(static_cast<char>(key.size()));
  out->append(key.substr(0, 255));
  out->push_back(static_cast<char>(value.size() & 0xff));
  out->push_back(static_cast<char>((value.size() >> 8) & 0xff));
  out->append(value.substr(0, 0xffff));
}

/// A fresh in-memory file system; one per input, so no state leaks between
/// inputs.
inline std::unique_ptr<leveldb::Env> mem_env() {
  return std::unique_ptr<leveldb::Env>(leveldb::NewMemEnv(leveldb::Env::Default()));
}

/// Writes `pairs` into a LevelDB at `dir` of `env` and closes it.
inline bool put_raw(leveldb::Env* env, const std::string& dir, const std::vector<raw_pair>& pairs) {
  leveldb::Options options;
  options.env = env;
  options.create_if_missing = true;
  leveldb::DB* raw = nullptr;
  if (!leveldb::DB::Open(options, dir, &raw).ok()) return false;
  std::unique_ptr<leveldb::DB> db(raw);
  for (const auto& p : pairs) {
    if (!db->Put(leveldb::WriteOptions(), p.key, p.value).ok()) return false;
  }
  return true;
}

/// Every pair of the LevelDB at `dir` of `env`, in key order (for seeds).
inline std::vector<raw_pair> dump_raw(leveldb::Env* env, const std::string& dir) {
  leveldb::Options options;
  options.env = env;
  leveldb::DB* raw = nullptr;
  std::vector<raw_pair> pairs;
  if (!leveldb::DB::Open(options, dir, &raw).ok()) return pairs;
  std::unique_ptr<leveldb::DB> db(raw);
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    pairs.push_back({it->key().ToString(), it->value().ToString()});
  }
  return pairs;
}

}  // namespace linkly::fuzz
