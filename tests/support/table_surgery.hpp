#pragma once
// table_surgery: damages a stopped server's LevelDB table files (`.ldb`),
// where records live once LevelDB has compacted them out of its `.log`.
// Throws std::runtime_error when it cannot (e.g. a server still holds the
// store, or the bytes to damage are not found).

#include <string>

namespace linkly::e2e {

/// Moves every record of the store at `dir` into uncompressed `.ldb` tables
/// with one record per block: a flipped byte then damages exactly one
/// record, whether the reader verifies LevelDB's block checksums or only the
/// record's own.
void compact_one_record_per_block(const std::string& dir);

/// Flips one bit of the first occurrence of `needle` in the `.ldb` files of
/// `dir` (its middle byte). `needle` must occur exactly once over all of
/// them. Returns the file changed.
std::string flip_byte_in_tables(const std::string& dir, const std::string& needle);

}  // namespace linkly::e2e
