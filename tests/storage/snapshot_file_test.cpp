// snapshot_file: a snapshot reads back as written, and a file that is cut
// short, has a byte changed or is of another format reads as corruption,
// never as a snapshot.

#include "storage/snapshot_file.hpp"
#include "storage/record_format.hpp"
#include "storage/snapshot_codec.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstdint>
#include <filesystem>
#include <iterator>
#include <memory>
#include <string>

namespace linkly {
namespace {

constexpr const char* kPath = "/mem/p/snapshot";
// Bytes before the body's version: the magic and the file format.
constexpr std::size_t kFormatOffset = 8;

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(env_->CreateDir("/mem/p").ok()); }

  static snapshot sample() {
    snapshot snap;
    snap.body_version = 7;
    snap.checkpoints["links"] = 123'456'789'012ull;
    snap.checkpoints["clicks"] = 1;
    snap.checkpoints[""] = 0;
    // Every byte value, and more than one buffer's worth.
    for (int i = 0; i < 70'000; ++i) snap.body.push_back(static_cast<char>(i * 31 % 256));
    return snap;
  }

  std::string file() {
    std::string data;
    EXPECT_TRUE(leveldb::ReadFileToString(env_.get(), kPath, &data).ok());
    return data;
  }
  void put_file(const std::string& data) {
    ASSERT_TRUE(leveldb::WriteStringToFile(env_.get(), data, kPath).ok());
  }
  status read(snapshot* out) { return read_snapshot_file(env_.get(), kPath, out); }

  // Rewrites the stored checksum to match the (edited) bytes before it.
  static void reseal(std::string* data) {
    const std::uint32_t crc = crc32c(std::string_view(*data).substr(0, data->size() - 4));
    for (int i = 0; i < 4; ++i) (*data)[data->size() - 4 + i] = static_cast<char>(crc >> (8 * i));
  }

  std::unique_ptr<leveldb::Env> env_{leveldb::NewMemEnv(leveldb::Env::Default())};
};

TEST_F(SnapshotFileTest, RoundTrip) {
  const snapshot snap = sample();
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, snap));
  snapshot back;
  back.checkpoints["stale"] = 9;  // replaced, not merged
  ASSERT_TRUE(read(&back));
  EXPECT_EQ(back.body_version, snap.body_version);
  EXPECT_EQ(back.checkpoints, snap.checkpoints);
  EXPECT_EQ(back.body, snap.body);
  EXPECT_FALSE(env_->FileExists(std::string(kPath) + ".tmp")) << "renamed into place";
}

TEST_F(SnapshotFileTest, EmptySnapshotRoundTrips) {
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, snapshot{}));
  snapshot back;
  back.body = "x";
  ASSERT_TRUE(read(&back));
  EXPECT_EQ(back.body_version, 0u);
  EXPECT_TRUE(back.checkpoints.empty());
  EXPECT_TRUE(back.body.empty());
}

TEST_F(SnapshotFileTest, ANewSnapshotReplacesTheOld) {
  snapshot first = sample();
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, first));
  snapshot second;
  second.body_version = 8;
  second.checkpoints["links"] = 2;
  second.body = "short";
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, second));
  snapshot back;
  ASSERT_TRUE(read(&back));
  EXPECT_EQ(back.body, "short");
  EXPECT_EQ(back.checkpoints, second.checkpoints);
}

TEST_F(SnapshotFileTest, OnARealDiskToo) {
  const std::string dir = linkly::testing::make_temp_dir("snapshot-file-test");
  ASSERT_FALSE(dir.empty());
  const std::string path = dir + "/snapshot";
  snapshot snap = sample();
  ASSERT_TRUE(write_snapshot_file(nullptr, path, snap));  // the default Env, with a dir sync
  snapshot back;
  ASSERT_TRUE(read_snapshot_file(nullptr, path, &back));
  EXPECT_EQ(back.body, snap.body);
  EXPECT_EQ(back.checkpoints, snap.checkpoints);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_F(SnapshotFileTest, MissingIsNotFound) {
  snapshot back;
  EXPECT_TRUE(read(&back).is_not_found());
}

TEST_F(SnapshotFileTest, EveryTruncationIsCorruption) {
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, sample()));
  const std::string whole = file();
  // Every length up to the body, then a stride through the body.
  for (std::size_t n = 0; n < whole.size(); n += n < 200 ? 1 : 997) {
    ASSERT_NO_FATAL_FAILURE(put_file(whole.substr(0, n)));
    snapshot back;
    status st = read(&back);
    ASSERT_TRUE(st.is_corruption())
        << "cut to " << n << " of " << whole.size() << ": " << st.to_string();
  }
  for (std::size_t cut = 1; cut <= 8; ++cut) {  // the checksum's own bytes, and just before
    ASSERT_NO_FATAL_FAILURE(put_file(whole.substr(0, whole.size() - cut)));
    snapshot back;
    EXPECT_TRUE(read(&back).is_corruption()) << "cut by " << cut;
  }
}

TEST_F(SnapshotFileTest, EveryFlippedByteIsCorruption) {
  snapshot small;
  small.body_version = 1;
  small.checkpoints["links"] = 300;
  small.body = "a small body";
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, small));
  const std::string whole = file();
  for (std::size_t at = 0; at < whole.size(); ++at) {
    for (unsigned char bit : {0x01, 0x80}) {
      std::string bad = whole;
      bad[at] = static_cast<char>(bad[at] ^ bit);
      ASSERT_NO_FATAL_FAILURE(put_file(bad));
      snapshot back;
      status st = read(&back);
      EXPECT_TRUE(st.is_corruption())
          << "byte " << at << " bit " << int(bit) << ": " << st.to_string();
    }
  }
  std::string longer = whole + "x";
  ASSERT_NO_FATAL_FAILURE(put_file(longer));
  snapshot back;
  EXPECT_TRUE(read(&back).is_corruption()) << "a byte appended";
}

TEST_F(SnapshotFileTest, WrongMagicIsNotASnapshot) {
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, sample()));
  std::string data = file();
  data[0] = 'X';
  reseal(&data);  // even with a checksum that fits
  ASSERT_NO_FATAL_FAILURE(put_file(data));
  snapshot back;
  status st = read(&back);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("not a snapshot"), std::string::npos) << st.to_string();

  ASSERT_NO_FATAL_FAILURE(put_file("LKSNAPSH"));
  EXPECT_TRUE(read(&back).is_corruption()) << "the magic alone";
}

TEST_F(SnapshotFileTest, AnotherFileFormatIsRefusedEvenWithAGoodChecksum) {
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, sample()));
  std::string data = file();
  ASSERT_EQ(data[kFormatOffset], 1) << "format 1, little-endian, after the magic";
  data[kFormatOffset] = 2;
  reseal(&data);
  ASSERT_NO_FATAL_FAILURE(put_file(data));
  snapshot back;
  status st = read(&back);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("format"), std::string::npos) << st.to_string();
}

TEST_F(SnapshotFileTest, ALyingBodySizeIsRefusedEvenWithAGoodChecksum) {
  snapshot snap;
  snap.body = "0123456789";
  ASSERT_TRUE(write_snapshot_file(env_.get(), kPath, snap));
  const std::string whole = file();
  // The body size sits just before the body and the checksum.
  const std::size_t size_at = whole.size() - 4 - snap.body.size() - 8;
  ASSERT_EQ(whole[size_at], 10);
  for (char claimed : {9, 11, 127}) {
    std::string data = whole;
    data[size_at] = claimed;
    reseal(&data);
    ASSERT_NO_FATAL_FAILURE(put_file(data));
    snapshot back;
    status st = read(&back);
    EXPECT_TRUE(st.is_corruption()) << int(claimed) << ": " << st.to_string();
  }
  std::string data = whole;
  data[size_at + 7] = static_cast<char>(0x80);  // 2^63 bytes
  reseal(&data);
  ASSERT_NO_FATAL_FAILURE(put_file(data));
  snapshot back;
  EXPECT_TRUE(read(&back).is_corruption());
}

TEST(Crc32c, ExtendEqualsTheChecksumOfTheConcatenation) {
  const std::string a = "LKSNAPSH head bytes";
  std::string b;
  for (int i = 0; i < 5000; ++i) b.push_back(static_cast<char>(i * 7));
  EXPECT_EQ(crc32c_extend(crc32c(a), b), crc32c(a + b));
  for (std::size_t split = 0; split <= b.size(); split += 613) {
    const std::string_view all(b);
    EXPECT_EQ(crc32c_extend(crc32c(all.substr(0, split)), all.substr(split)), crc32c(b)) << split;
  }
  EXPECT_EQ(crc32c_extend(crc32c(a), ""), crc32c(a));
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u) << "the CRC-32C check value";
  EXPECT_NE(crc32c(a + b), crc32c(b + a));
}

TEST(SnapshotCodec, VarintsAndBytesRoundTripAndNeverReadPastTheEnd) {
  std::string out;
  snapshot_writer w(&out);
  const std::uint64_t numbers[] = {0, 1, 127, 128, 300, 1ull << 32, ~0ull};
  for (std::uint64_t n : numbers) w.varint(n);
  w.bytes("hello");
  w.bytes("");
  snapshot_reader r(out);
  for (std::uint64_t n : numbers) {
    std::uint64_t v = 1;
    ASSERT_TRUE(r.varint(&v));
    EXPECT_EQ(v, n);
  }
  std::string s;
  ASSERT_TRUE(r.bytes(&s));
  EXPECT_EQ(s, "hello");
  ASSERT_TRUE(r.bytes(&s));
  EXPECT_EQ(s, "");
  EXPECT_TRUE(r.at_end());
  std::uint64_t v = 0;
  EXPECT_FALSE(r.varint(&v));

  // Every prefix that cuts a value short fails the read of it.
  for (std::size_t n = 0; n < out.size(); ++n) {
    snapshot_reader cut(std::string_view(out).substr(0, n));
    bool all = true;
    for (std::size_t i = 0; i < std::size(numbers) && all; ++i) all = cut.varint(&v);
    if (all) all = cut.bytes(&s) && cut.bytes(&s);
    EXPECT_FALSE(all) << n;
  }
  std::uint16_t narrow = 0;
  std::string big;
  snapshot_writer(&big).varint(70'000);
  snapshot_reader too_big(big);
  EXPECT_FALSE(too_big.number(&narrow)) << "70000 does not fit 16 bits";
}

}  // namespace
}  // namespace linkly
