#pragma once
// What LevelDB's recovery will drop from a store's write-ahead logs
// (NNNNNN.log), found without opening the store, so without changing it.
//
// Opening a LevelDB store replays its .log files into a table and deletes
// them; records that do not read back (a checksum mismatch, a torn tail) are
// dropped then, and the loss is permanent. This reader follows LevelDB's log
// format (doc/log_format.md: 32 KiB blocks of checksummed fragments) and its
// reader's rules for what is dropped, and names the linkly records in each
// dropped WriteBatch (doc: sequence:u64 count:u32, then per entry a tag,
// varint32-length key and value) by their keys: big-endian seqs.
//
// Naming is best effort: a damaged batch's keys may themselves be damaged;
// a batch whose first key reads names first..first+count-1, as linkly's
// appends use consecutive seqs.

#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace linkly {

/// Bytes LevelDB's recovery drops from one .log file.
struct dropped_region {
  std::string file;          // the .log file's name, e.g. "000012.log"
  std::uint64_t offset = 0;  // where the dropped bytes start
  std::uint64_t bytes = 0;
  std::string reason;  // "checksum mismatch", "record cut short at the end of the file", ...
  /// At the end of the newest file holding a batch, cut short: what a write
  /// interrupted by a power loss or a full disk leaves. Not by itself proof of a lost
  /// acknowledged record (the append never returned success).
  bool torn_tail = false;
  /// linkly seqs of the records dropped, best effort; 0 when none was named.
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
};

struct log_files_scan {
  std::vector<std::string> files;     // the .log files read, oldest first
  std::uint64_t batches = 0;          // intact WriteBatches
  std::uint64_t last_intact_seq = 0;  // highest linkly seq in an intact batch
  std::vector<dropped_region> dropped;

  bool damaged() const { return !dropped.empty(); }
  /// Anything dropped but a torn tail.
  bool corrupt() const;
  /// Highest seq named in a dropped region, 0 if none.
  std::uint64_t highest_dropped_seq() const;
};

/// Scans one .log file's bytes; `name` goes into the regions it reports.
/// `newest`: the store's last .log, where a cut-short end is a torn tail.
void scan_log_bytes(const std::string& name, const std::string& bytes, bool newest,
                    log_files_scan* out);

/// Scans every .log file in the LevelDB directory `dir`, oldest first.
/// Reads only; nothing for a missing directory. io_error when a file
/// cannot be read.
status scan_log_files(const std::string& dir, log_files_scan* out);

/// "000012.log offset 4096: checksum mismatch, 812 bytes dropped (seqs
/// 1060-1064)".
std::string describe(const dropped_region& region);

/// What LevelDB's own info log (DIR/LOG, rewritten at each open) says it
/// dropped or found corrupt during the last open of the store in `dir`: its
/// lines about dropped bytes and corruption, at most `max` of them.
std::vector<std::string> leveldb_recovery_notes(const std::string& dir, std::size_t max = 20);

}  // namespace linkly
