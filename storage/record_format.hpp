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
//
// A batch record holds the consecutive events first..last of one append
// (a log opened with log_options::batch_records, the clicks log): one
// LevelDB entry instead of one per event, which is most of what a click
// costs its writer (a memtable insert, a table entry, a compaction key).
//
//   key      := last:u64-big-endian first:u64-big-endian
//   value    := (size:u32-little-endian value){last - first + 1}
//
// where each value is the record value of one event, as above, under its
// own seq. Keyed by its last seq, a batch sorts among single records in
// append order, and a seek to seq s lands on the record holding s.

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

/// The key of a batch record holding first..last.
std::string encode_batch_record_key(std::uint64_t first, std::uint64_t last);

/// The seqs a record's key names: first..last of a batch record, seq..seq
/// of a single one. False unless the key is one of the two (a batch's
/// first <= last, neither 0).
bool decode_record_range(std::string_view key, std::uint64_t* first, std::uint64_t* last);

/// The value of a batch record of `events` numbered from `first_seq`, into
/// `*out` (replacing what it held, its capacity reused).
void encode_batch_record(const std::vector<envelope>& events, std::uint64_t first_seq,
                         std::string* out);

/// Reads the events of the batch record first..last in order. Each is
/// checked as decode_record_value checks one; a value that does not hold
/// exactly last - first + 1 of them is corruption naming the seq.
class batch_record_reader {
 public:
  batch_record_reader(std::uint64_t first, std::uint64_t last, std::string_view value)
      : next_(first), last_(last), rest_(value) {}

  /// Whether events remain.
  bool more() const { return next_ <= last_; }
  /// The seq of the next event.
  std::uint64_t next_seq() const { return next_; }
  /// Passes over the events below `seq` unread (no checksum).
  status skip_to(std::uint64_t seq);
  /// Decodes the next event into `*out`.
  status next(envelope* out);
  /// After the last event: corruption if bytes remain.
  status finish() const;

 private:
  status take(std::string_view* value);

  std::uint64_t next_;
  std::uint64_t last_;
  std::string_view rest_;
};

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
