#pragma once
// store_surgery: changes a stopped server's stores behind linkly's back, to
// test that the offline tools notice. Opens the LevelDB directory directly;
// throws std::runtime_error when it cannot (e.g. a server still holds it).

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

/// Sets counter `key` of the projection store at `dir` to `n`.
void set_projection_counter(const std::string& dir, const std::string& key, std::uint64_t n);

/// Every state key and value of the projection store at `dir`, plus its
/// checkpoints (as "checkpoint:" LOG -> decimal seq).
std::map<std::string, std::string> projection_contents(const std::string& dir);

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
