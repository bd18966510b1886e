// Log record values and batches (storage/record_format): the checksum, the
// envelope body and a dead letter's batch of record values. What decodes
// must encode back to something that decodes to the same envelopes.
//
//   input := mode:u8 bytes
//   mode bit 0: fix the checksum(s) first (each record's, in a batch), so
//               mutations reach the body decoder
//   mode bit 1: bytes is a batch (decode_batch), else one record value
//   mode bit 2: decode the value under a seq it does not hold

#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "storage/record_format.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/store_input.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::uint32_t le32(std::string_view s, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

// Fixes the checksum of every record value a batch frames, in place.
void fix_batch(std::string* bytes) {
  if (bytes->size() < 4) return;
  std::uint32_t count = le32(*bytes, 0);
  std::size_t at = 4;
  for (std::uint32_t i = 0; i < count && at + 4 <= bytes->size(); ++i) {
    const std::size_t size = le32(*bytes, at);
    at += 4;
    if (size > bytes->size() - at) return;
    std::string value = bytes->substr(at, size);
    linkly::fuzz::fix_crc(&value);
    bytes->replace(at, size, value);
    at += size;
  }
}

// Every decoder of what an envelope carries: none may crash on any payload.
void decode_events(const linkly::envelope& env) {
  linkly::link_event event;
  (void)linkly::decode_link_event(env, &event);
  linkly::click_recorded click;
  (void)linkly::decode_click(env, &click);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::uint64_t seq = 0;
  if (linkly::decode_record_key(bytes.substr(0, linkly::kRecordKeySize), &seq)) {
    FUZZ_CHECK(linkly::encode_record_key(seq) == bytes.substr(0, linkly::kRecordKeySize));
  }

  if (mode & 2) {
    if (mode & 1) fix_batch(&bytes);
    std::vector<linkly::envelope> batch;
    if (linkly::decode_batch(bytes, &batch)) {
      std::vector<linkly::envelope> again;
      FUZZ_CHECK(linkly::decode_batch(linkly::encode_batch(batch), &again));
      FUZZ_CHECK(again.size() == batch.size());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        // Batches do not keep seqs.
        again[i].seq = batch[i].seq;
        FUZZ_CHECK(again[i] == batch[i]);
        decode_events(batch[i]);
      }
    }
    return 0;
  }

  if (mode & 1) linkly::fuzz::fix_crc(&bytes);
  // The body starts with its seq (little-endian): decode under it, so the
  // fuzzer gets past the key check, unless mode asks for a mismatch.
  std::uint64_t expected = 0;
  if (bytes.size() >= 12) std::memcpy(&expected, bytes.data() + 4, sizeof expected);
  if (mode & 4) expected ^= 1;
  linkly::envelope env;
  if (linkly::decode_record_value(expected, bytes, &env)) {
    FUZZ_CHECK(env.seq == expected);
    linkly::envelope again;
    FUZZ_CHECK(linkly::decode_record_value(env.seq, linkly::encode_record_value(env), &again));
    FUZZ_CHECK(again == env);
    decode_events(env);
  }
  return 0;
}
