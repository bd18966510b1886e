#pragma once
// On-disk format of a log record (links and clicks logs alike).
//
//   key      := seq:u64-big-endian            (LevelDB order == append order)
//   value    := crc:u32-little-endian body
//   crc      := CRC-32C of body
//   body     := cereal-binary(seq:u64 type:u16 schema_version:u32
//                             timestamp_ms:i64 key:string payload:string)
//
// `seq` is stored in the body as well, so a record that ends up under the
// wrong key is caught as corruption rather than read as another event.

#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

constexpr std::size_t kRecordKeySize = 8;

/// Big-endian encoding of `seq`, 8 bytes.
std::string encode_record_key(std::uint64_t seq);

/// False unless `key` is exactly 8 bytes.
bool decode_record_key(std::string_view key, std::uint64_t* seq);

/// CRC-32C (Castagnoli) of `bytes`.
std::uint32_t crc32c(std::string_view bytes);
/// The CRC-32C of the bytes `crc` was computed over followed by `bytes`.
std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes);

/// The record value for `env` (checksum + body).
std::string encode_record_value(const envelope& env);

/// Bytes of `env`'s record value.
std::size_t record_value_size(const envelope& env);

/// Writes the record value of `env` as stored under `seq` (env.seq is not
/// read) into the record_value_size(env) bytes at `out`: no copy of the
/// envelope, no allocation.
void write_record_value(const envelope& env, std::uint64_t seq, char* out);

/// The same into `*out`, replacing what it held (its capacity is reused).
void encode_record_value(const envelope& env, std::uint64_t seq, std::string* out);

/// Decodes a record value stored under `expected_seq`. Corruption (naming
/// the sequence number) on a checksum mismatch, a truncated or undecodable
/// body, or a body whose seq differs from the key.
status decode_record_value(std::uint64_t expected_seq, std::string_view value, envelope* out);

/// A batch of envelopes as one opaque value (a dead letter's payload):
///   batch := count:u32-le (size:u32-le record-value){count}
/// Each record value carries its own checksum; sequence numbers are not kept.
std::string encode_batch(const std::vector<envelope>& batch);

/// Corruption if `bytes` is not a whole, intact batch.
status decode_batch(std::string_view bytes, std::vector<envelope>* out);

}  // namespace linkly
