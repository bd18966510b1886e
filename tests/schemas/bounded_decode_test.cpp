// Decoders refuse lengths the bytes cannot hold: a corrupt record claiming a
// 2^40-byte string fails to decode, and nothing near that size is asked of
// the allocator (this binary's operator new notes every request).

#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "schemas/payload_codec.hpp"
#include "storage/record_format.hpp"
#include "tests/support/allocation_probe.hpp"

#include <gtest/gtest.h>
#include <cereal/types/vector.hpp>

#include <cstring>
#include <string>
#include <vector>

LINKLY_ALLOCATION_PROBE_DEFINE_OPERATOR_NEW()

namespace linkly {
namespace {

using testing::largest_allocation_during;

constexpr std::uint64_t kHuge = std::uint64_t{1} << 40;
// Far above anything these small records need, far below kHuge.
constexpr std::size_t kModestBytes = 1 << 16;

// Overwrites the 8 bytes at `offset` (a cereal size tag) with `size`.
std::string with_size_at(std::string bytes, std::size_t offset, std::uint64_t size) {
  std::memcpy(bytes.data() + offset, &size, sizeof(size));
  return bytes;
}

// A cereal payload of a versioned struct: the class version (u32), then the
// first string's size tag.
constexpr std::size_t kFirstSizeTag = 4;

TEST(BoundedDecode, LinkEventClaimingHugeStringFailsWithoutAllocatingIt) {
  envelope env = make_envelope(link_created{"demo", "https://example.com/a"}, 1);
  link_event event;
  ASSERT_TRUE(decode_link_event(env, &event));  // the untouched record decodes

  env.payload = with_size_at(env.payload, kFirstSizeTag, kHuge);
  bool ok = true;
  std::size_t largest = largest_allocation_during([&] { ok = decode_link_event(env, &event); });
  EXPECT_FALSE(ok);
  EXPECT_LT(largest, kModestBytes);
}

TEST(BoundedDecode, SizeOneBeyondTheBytesLeftIsRefused) {
  envelope env = make_envelope(link_updated{"demo", "https://example.com/a"}, 1);
  // "demo" is 4 bytes; the url's size tag and bytes follow it.
  const std::size_t left = env.payload.size() - kFirstSizeTag - 8;
  link_event event;
  envelope cut = env;
  cut.payload = with_size_at(env.payload, kFirstSizeTag, left + 1);
  EXPECT_FALSE(decode_link_event(cut, &event));
  cut.payload = with_size_at(env.payload, kFirstSizeTag, 4);
  EXPECT_TRUE(decode_link_event(cut, &event));
}

TEST(BoundedDecode, ClickClaimingHugeStringFailsWithoutAllocatingIt) {
  click_recorded c;
  c.code = "demo";
  c.url = "https://example.com/";
  envelope env = make_click_envelope(c);
  env.payload = with_size_at(env.payload, kFirstSizeTag, kHuge);
  click_recorded out;
  bool ok = true;
  std::size_t largest = largest_allocation_during([&] { ok = decode_click(env, &out); });
  EXPECT_FALSE(ok);
  EXPECT_LT(largest, kModestBytes);
}

TEST(BoundedDecode, VectorClaimingHugeCountFailsWithoutAllocatingIt) {
  std::vector<std::uint64_t> seqs{1, 2, 3};
  std::string bytes = encode_payload(seqs);
  std::vector<std::uint64_t> out;
  ASSERT_TRUE(decode_payload(bytes, &out));
  EXPECT_EQ(out, seqs);

  // An unversioned vector: its size tag comes first.
  bytes = with_size_at(bytes, 0, kHuge);
  bool ok = true;
  std::size_t largest = largest_allocation_during([&] { ok = decode_payload(bytes, &out); });
  EXPECT_FALSE(ok);
  EXPECT_LT(largest, kModestBytes);
}

TEST(BoundedDecode, TruncatedPayloadFails) {
  std::string bytes = encode_payload(link_created{"demo", "https://example.com/a"});
  link_created out;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_payload(std::string_view(bytes).substr(0, n), &out)) << n;
  }
  EXPECT_TRUE(decode_payload(bytes, &out));
}

// The log record's body (record_format.hpp): seq u64, type u16, version u32,
// timestamp i64, then the key's size tag.
constexpr std::size_t kRecordKeySizeTag = 4 + 8 + 2 + 4 + 8;

std::string reseal(std::string value) {
  std::uint32_t crc = crc32c(std::string_view(value).substr(4));
  for (int i = 0; i < 4; ++i) value[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return value;
}

TEST(BoundedDecode, LogRecordClaimingHugeKeyIsCorruption) {
  envelope env = make_envelope(link_created{"demo", "https://example.com/a"}, 1);
  env.seq = 7;
  std::string value = encode_record_value(env);
  envelope out;
  ASSERT_TRUE(decode_record_value(7, value, &out).is_ok());

  // A checksum that matches: the damage is in what was written, not after.
  value = reseal(with_size_at(value, kRecordKeySizeTag, kHuge));
  status st;
  std::size_t largest =
      largest_allocation_during([&] { st = decode_record_value(7, value, &out); });
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("seq 7"), std::string::npos) << st.message();
  EXPECT_LT(largest, kModestBytes);
}

TEST(BoundedDecode, BatchClaimingHugeCountOrEntryIsCorruption) {
  std::vector<envelope> batch{make_envelope(link_deleted{"demo"}, 1)};
  std::string bytes = encode_batch(batch);
  std::vector<envelope> out;
  ASSERT_TRUE(decode_batch(bytes, &out).is_ok());

  std::string many = bytes;
  const std::uint32_t count = 0xffffffffu;
  std::memcpy(many.data(), &count, 4);  // little-endian on the machines we run on
  std::size_t largest =
      largest_allocation_during([&] { EXPECT_TRUE(decode_batch(many, &out).is_corruption()); });
  EXPECT_LT(largest, kModestBytes);

  std::string big_entry = bytes;
  const std::uint32_t size = 0xfffffff0u;
  std::memcpy(big_entry.data() + 4, &size, 4);
  largest = largest_allocation_during(
      [&] { EXPECT_TRUE(decode_batch(big_entry, &out).is_corruption()); });
  EXPECT_LT(largest, kModestBytes);
}

}  // namespace
}  // namespace linkly
