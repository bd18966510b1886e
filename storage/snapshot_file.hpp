#pragma once
// snapshot_file: derived state and the log positions it reflects, written
// as one file so the two can never disagree.
//
// Layout (integers little-endian):
//   magic "LKSNAPSH" | format:u32 | body_version:u32 | checkpoints:u32
//   { name_size:u16 name seq:u64 } * checkpoints
//   body_size:u64 body | crc:u32 (CRC-32C of everything before it)
//
// A snapshot is written to a temporary file, fsync'd, renamed over the old
// one and its directory fsync'd: a crash at any point leaves either the old
// snapshot or the new one whole. A file that is cut short, fails its
// checksum or has another format reads as corruption; the caller rebuilds
// from the log instead.

#include "storage/status.hpp"

#include <cstdint>
#include <map>
#include <string>

namespace leveldb {
class Env;
class FileLock;
}  // namespace leveldb

namespace linkly {

struct snapshot {
  /// The body's own format, chosen by whoever encodes it.
  std::uint32_t body_version = 0;
  /// Last seq folded into the body, per log name.
  std::map<std::string, std::uint64_t, std::less<>> checkpoints;
  std::string body;
};

/// Writes `snap` to `path` atomically (see above). `env` may be null
/// (leveldb::Env::Default()); tests pass one that fails writes.
status write_snapshot_file(leveldb::Env* env, const std::string& path, const snapshot& snap);

/// Reads the snapshot at `path`: not_found if there is none, corruption if
/// it is not whole.
status read_snapshot_file(leveldb::Env* env, const std::string& path, snapshot* out);

/// Holds `dir`/LOCK for the life of the process (one writer per directory):
/// busy if another process holds it. Release with unlock_dir().
status lock_dir(leveldb::Env* env, const std::string& dir, leveldb::FileLock** lock);
void unlock_dir(leveldb::Env* env, leveldb::FileLock* lock);

}  // namespace linkly
