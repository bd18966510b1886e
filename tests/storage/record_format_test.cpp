// The on-disk record: big-endian keys, checksummed values that name their seq.

#include "storage/record_format.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace linkly {
namespace {

envelope sample(std::uint64_t seq) {
  envelope env;
  env.seq = seq;
  env.type = event_type::link_updated;
  env.schema_version = 3;
  env.timestamp_ms = -1700000000123;  // sign survives
  env.key = "demo";
  env.payload = std::string("\x00\x01\xff payload", 11);
  return env;
}

bool names_seq(const status& st, std::uint64_t seq) {
  return st.message().find("seq " + std::to_string(seq)) != std::string::npos;
}

TEST(RecordKey, IsEightBytesBigEndian) {
  EXPECT_EQ(encode_record_key(0), std::string(8, '\0'));
  EXPECT_EQ(encode_record_key(1), std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_EQ(encode_record_key(0x0102030405060708),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(encode_record_key(UINT64_MAX), std::string(8, '\xff'));
}

TEST(RecordKey, SortsBytewiseLikeTheNumbers) {
  // LevelDB's default comparator is memcmp order; std::string's is the same.
  const std::vector<std::uint64_t> ascending = {0,
                                                1,
                                                2,
                                                127,
                                                128,
                                                255,
                                                256,
                                                257,
                                                65535,
                                                65536,
                                                0xffffffff,
                                                0x100000000,
                                                UINT64_MAX - 1,
                                                UINT64_MAX};
  for (std::size_t i = 0; i + 1 < ascending.size(); ++i) {
    EXPECT_LT(encode_record_key(ascending[i]), encode_record_key(ascending[i + 1]))
        << ascending[i] << " vs " << ascending[i + 1];
  }
  const std::string k255 = encode_record_key(255), k256 = encode_record_key(256);
  EXPECT_LT(std::memcmp(k255.data(), k256.data(), kRecordKeySize), 0);
}

TEST(RecordKey, DecodesWhatWasEncoded) {
  for (std::uint64_t seq : {0ull, 1ull, 255ull, 256ull, 0x8000000000000000ull, ~0ull}) {
    std::uint64_t back = 12345;
    ASSERT_TRUE(decode_record_key(encode_record_key(seq), &back));
    EXPECT_EQ(back, seq);
  }
}

TEST(RecordKey, RejectsKeysThatAreNotEightBytes) {
  std::uint64_t seq = 7;
  EXPECT_FALSE(decode_record_key("", &seq));
  EXPECT_FALSE(decode_record_key(std::string(7, '\0'), &seq));
  EXPECT_FALSE(decode_record_key(std::string(9, '\0'), &seq));
  EXPECT_EQ(seq, 7u);
}

TEST(Crc32c, MatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the standard check input
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
}

// CRC-32C one bit at a time: slow, and obviously the definition.
std::uint32_t reference_crc32c(std::string_view bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    crc ^= b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

TEST(Crc32c, AgreesWithTheDefinitionForEveryLengthAndAlignment) {
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t len = 0; offset + len <= data.size(); ++len) {
      std::string_view bytes = std::string_view(data).substr(offset, len);
      ASSERT_EQ(crc32c(bytes), reference_crc32c(bytes)) << "offset " << offset << " len " << len;
    }
  }
}

TEST(RecordValue, RoundTripsEveryField) {
  const envelope env = sample(42);
  envelope out;
  status st = decode_record_value(42, encode_record_value(env), &out);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(out, env);
}

TEST(RecordValue, StartsWithTheLittleEndianChecksumOfTheBody) {
  const std::string value = encode_record_value(sample(5));
  ASSERT_GT(value.size(), 4u);
  std::uint32_t crc = crc32c(std::string_view(value).substr(4));
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(static_cast<unsigned char>(value[i]), (crc >> (8 * i)) & 0xff) << "byte " << i;
  }
}

template <class T>
void put_le(std::string* out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    out->push_back(static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xff));
  }
}

TEST(RecordValue, BodyFollowsTheDocumentedGrammar) {
  // Records already on disk depend on this layout: it must never change.
  envelope env = sample(0x0102030405060708);
  std::string body;
  put_le<std::uint64_t>(&body, env.seq);
  put_le<std::uint16_t>(&body, 2);  // link_updated
  put_le<std::uint32_t>(&body, 3);
  put_le<std::int64_t>(&body, env.timestamp_ms);
  put_le<std::uint64_t>(&body, env.key.size());
  body += env.key;
  put_le<std::uint64_t>(&body, env.payload.size());
  body += env.payload;

  const std::string value = encode_record_value(env);
  EXPECT_EQ(value.substr(4), body);
}

TEST(RecordValue, EncodingLeavesTheEnvelopeUnchanged) {
  const envelope env = sample(9);
  envelope copy = env;
  encode_record_value(copy);
  EXPECT_EQ(copy, env);
}

TEST(RecordValue, EveryFlippedByteIsCorruptionNamingTheSeq) {
  const std::string value = encode_record_value(sample(1234));
  for (std::size_t pos = 0; pos < value.size(); ++pos) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string damaged = value;
      damaged[pos] = static_cast<char>(damaged[pos] ^ mask);
      envelope out;
      status st = decode_record_value(1234, damaged, &out);
      EXPECT_TRUE(st.is_corruption()) << "byte " << pos << " mask " << int(mask);
      EXPECT_TRUE(names_seq(st, 1234)) << st.to_string();
    }
  }
}

TEST(RecordValue, EveryTruncationIsCorruptionNamingTheSeq) {
  const std::string value = encode_record_value(sample(77));
  for (std::size_t len = 0; len < value.size(); ++len) {
    envelope out;
    status st = decode_record_value(77, std::string_view(value).substr(0, len), &out);
    EXPECT_TRUE(st.is_corruption()) << "cut to " << len << " bytes";
    EXPECT_TRUE(names_seq(st, 77)) << st.to_string();
  }
  envelope out;
  EXPECT_EQ(decode_record_value(77, "abc", &out).message(), "truncated record at seq 77");
}

// A value whose checksum is right but whose body is not an envelope: only
// the decoder can catch it.
std::string with_valid_checksum(const std::string& body) {
  std::uint32_t crc = crc32c(body);
  std::string value(4, '\0');
  for (int i = 0; i < 4; ++i) value[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  return value + body;
}

TEST(RecordValue, UndecodableBodyWithValidChecksumIsCorruption) {
  envelope out;
  status st = decode_record_value(8, with_valid_checksum("short"), &out);
  EXPECT_TRUE(st.is_corruption());
  EXPECT_EQ(st.message(), "undecodable record at seq 8");

  const std::string value = encode_record_value(sample(8));
  std::string cut_body = value.substr(4, value.size() - 5);
  st = decode_record_value(8, with_valid_checksum(cut_body), &out);
  EXPECT_TRUE(st.is_corruption());
  EXPECT_TRUE(names_seq(st, 8)) << st.to_string();
}

TEST(RecordValue, RecordUnderAnotherSeqIsCorruption) {
  const std::string value = encode_record_value(sample(3));
  envelope out;
  status st = decode_record_value(4, value, &out);
  EXPECT_TRUE(st.is_corruption());
  EXPECT_EQ(st.to_string(), "corruption: record holds seq 3 at seq 4");
  EXPECT_TRUE(decode_record_value(3, value, &out).is_ok());
}

TEST(BatchRecordKey, SortsByItsLastSeqAmongSingleKeysSoASeekLandsOnIt) {
  // Records 1..4 alone, 5..9 a batch, 10 alone, 11..12 a batch.
  std::set<std::string> keys{encode_record_key(1),           encode_record_key(2),
                             encode_record_key(3),           encode_record_key(4),
                             encode_batch_record_key(5, 9),  encode_record_key(10),
                             encode_batch_record_key(11, 12)};
  std::vector<std::uint64_t> lasts;
  for (const auto& key : keys) {
    std::uint64_t first = 0, last = 0;
    ASSERT_TRUE(decode_record_range(key, &first, &last));
    lasts.push_back(last);
  }
  EXPECT_EQ(lasts, (std::vector<std::uint64_t>{1, 2, 3, 4, 9, 10, 12}));
  for (std::uint64_t seq = 1; seq <= 12; ++seq) {
    auto it = keys.lower_bound(encode_record_key(seq));  // what a LevelDB Seek does
    ASSERT_NE(it, keys.end()) << seq;
    std::uint64_t first = 0, last = 0;
    ASSERT_TRUE(decode_record_range(*it, &first, &last));
    EXPECT_LE(first, seq);
    EXPECT_GE(last, seq);
  }
}

TEST(BatchRecordKey, RejectsWhatNamesNoRange) {
  std::uint64_t first = 0, last = 0;
  EXPECT_TRUE(decode_record_range(encode_record_key(7), &first, &last));
  EXPECT_EQ(first, 7u);
  EXPECT_EQ(last, 7u);
  EXPECT_FALSE(decode_record_range(encode_batch_record_key(9, 8), &first, &last));
  EXPECT_FALSE(decode_record_range(encode_batch_record_key(0, 8), &first, &last));
  EXPECT_FALSE(decode_record_range(std::string(12, 'x'), &first, &last));
  EXPECT_FALSE(decode_record_range("", &first, &last));
}

TEST(BatchRecord, RoundTripsAndSkipsWithoutReading) {
  std::vector<envelope> events;
  for (int i = 0; i < 5; ++i) events.push_back(sample(0));
  for (int i = 0; i < 5; ++i) events[i].key = "k" + std::to_string(i);
  std::string value;
  encode_batch_record(events, 40, &value);
  batch_record_reader all(40, 44, value);
  for (int i = 0; i < 5; ++i) {
    envelope out;
    ASSERT_TRUE(all.more());
    ASSERT_TRUE(all.next(&out).is_ok()) << i;
    EXPECT_EQ(out.seq, 40u + i);
    EXPECT_EQ(out.key, events[i].key);
    EXPECT_EQ(out.payload, events[i].payload);
  }
  EXPECT_FALSE(all.more());
  EXPECT_TRUE(all.finish().is_ok());

  // Damage in an event skipped over is not read: the events after it are.
  std::string damaged = value;
  damaged[4 + 10] ^= 0x40;  // inside seq 40's record value
  batch_record_reader skipping(40, 44, damaged);
  ASSERT_TRUE(skipping.skip_to(43).is_ok());
  envelope out;
  EXPECT_TRUE(skipping.next(&out).is_ok());
  EXPECT_EQ(out.seq, 43u);
  batch_record_reader reading(40, 44, damaged);
  status st = reading.next(&out);
  EXPECT_TRUE(st.is_corruption());
  EXPECT_TRUE(names_seq(st, 40)) << st.to_string();
}

TEST(BatchRecord, EveryTruncationOrExcessIsCorruption) {
  std::vector<envelope> events(3, sample(0));
  std::string value;
  encode_batch_record(events, 7, &value);
  for (std::size_t len = 0; len < value.size(); ++len) {
    batch_record_reader r(7, 9, std::string_view(value).substr(0, len));
    status st;
    envelope out;
    while (st.is_ok() && r.more()) st = r.next(&out);
    EXPECT_TRUE(st.is_corruption()) << "cut to " << len << " bytes";
  }
  // The key names fewer events than the value holds.
  batch_record_reader r(7, 8, value);
  envelope out;
  ASSERT_TRUE(r.next(&out).is_ok());
  ASSERT_TRUE(r.next(&out).is_ok());
  EXPECT_TRUE(r.finish().is_corruption());
}

}  // namespace
}  // namespace linkly
