#pragma once
// store_surgery: reads and changes a stopped server's stores behind linkly's
// back, to test that the offline tools notice. Opens a log's LevelDB
// directory directly, and a projection store's snapshot through
// projection_store; throws std::runtime_error when it cannot (e.g. a server
// still holds it).

#include <cstdint>
#include <map>
#include <string>

namespace linkly::e2e {

/// Replaces the raw value of log record `seq` in the log at `dir`.
void overwrite_log_record(const std::string& dir, std::uint64_t seq, const std::string& value);

/// Removes log record `seq` (a gap).
void erase_log_record(const std::string& dir, std::uint64_t seq);

/// A well-formed record (checksum intact) at `seq` whose payload is `payload`
/// as a LinkCreated of `key`: decodable as a record, maybe not as an event.
std::string link_created_record(std::uint64_t seq, const std::string& key,
                                const std::string& payload);

/// Adds `extra` clicks of `code` to the analytics store at `dir`, out of
/// order as a redrive does (no checkpoint moves), and writes its snapshot:
/// the store then counts clicks the clicks log does not hold.
void add_projection_clicks(const std::string& dir, const std::string& code, std::uint64_t extra);

/// Every entry of the projection store at `dir` as `replay --verify`
/// compares them (projection::for_each_entry), plus its checkpoints (as
/// "checkpoint:" LOG -> decimal seq). The projection is named by the
/// directory ("cache", "analytics"). Opens the store without creating or
/// repairing anything: a damaged snapshot throws.
std::map<std::string, std::string> projection_contents(const std::string& dir);

/// The snapshot file of the projection store at `dir`.
std::string snapshot_path(const std::string& dir);

/// The checkpoints of the snapshot file of the projection store at `dir`:
/// where a crash now would restart it. Reads the file without the store's
/// lock, so a running server may hold the store (snapshots are renamed into
/// place whole).
std::map<std::string, std::uint64_t> snapshot_checkpoints(const std::string& dir);

/// The path of the newest LevelDB write-ahead log (NNNNNN.log) in `dir`;
/// throws when there is none.
std::string newest_log_file(const std::string& dir);

/// Whether `dir` holds any LevelDB table (.ldb or .sst): records there are
/// out of the .log files.
bool has_table_files(const std::string& dir);

/// Cuts the last `bytes` bytes off the file at `path` (a torn write).
void truncate_file_by(const std::string& path, std::uint64_t bytes);

/// Inverts every bit of the byte at `offset` of the file at `path`.
void flip_byte(const std::string& path, std::uint64_t offset);

}  // namespace linkly::e2e
