// dead_letter_store on LevelDB over an in-memory Env, and once on a real
// directory: ids, reads, paging, erasure, reopening and damage.

#include "storage/dead_letter_store.hpp"
#include "storage/record_format.hpp"
#include "tests/support/allocation_probe.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

LINKLY_ALLOCATION_PROBE_DEFINE_OPERATOR_NEW()

namespace linkly {
namespace {

using Ids = std::vector<std::uint64_t>;

dead_letter letter(int i) {
  dead_letter e;
  e.queue = "clicks";
  e.payload = std::string("batch\0", 6) + std::to_string(i) + std::string(3, '\xff');
  e.error = "io error: disk full";
  e.attempts = 5;
  e.failed_at_ms = 1700000000000 + i;
  return e;
}

Ids ids_of(const std::vector<dead_letter>& entries) {
  Ids ids;
  for (const auto& e : entries) ids.push_back(e.id);
  return ids;
}

class DeadLetterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(reopen().is_ok()); }

  status reopen() {
    store_.reset();
    dead_letter_options options;
    options.env = env_.get();
    return dead_letter_store::open(dir_, options, &store_);
  }

  // Puts letter(first) .. letter(first + count - 1), returning their ids.
  Ids put(int first, int count) {
    Ids ids;
    for (int i = first; i < first + count; ++i) {
      dead_letter e = letter(i);
      EXPECT_TRUE(store_->put(&e).is_ok());
      ids.push_back(e.id);
    }
    return ids;
  }

  Ids listed(std::uint64_t after_id, std::size_t limit) {
    std::vector<dead_letter> out;
    status st = store_->list(after_id, limit, &out);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return ids_of(out);
  }

  // Closes the store and lets `fn` edit its LevelDB directly; reopen() after.
  void with_raw_db(const std::function<void(leveldb::DB*)>& fn) {
    store_.reset();
    leveldb::Options options;
    options.env = env_.get();
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(options, dir_, &raw).ok());
    fn(raw);
    delete raw;
  }

  std::string dir_ = "/mem/dead-letters";
  // Declared before store_: the store is closed before its Env goes away.
  std::unique_ptr<leveldb::Env> env_{leveldb::NewMemEnv(leveldb::Env::Default())};
  std::unique_ptr<dead_letter_store> store_;
};

TEST_F(DeadLetterStoreTest, PutAssignsIncreasingIdsFromOne) {
  dead_letter e = letter(1);
  e.id = 42;  // ignored
  ASSERT_TRUE(store_->put(&e).is_ok());
  EXPECT_EQ(e.id, 1u);
  EXPECT_EQ(put(2, 3), (Ids{2, 3, 4}));
  EXPECT_EQ(store_->size(), 4u);
}

TEST_F(DeadLetterStoreTest, GetAndListReturnTheEntryAsPut) {
  put(1, 1);
  dead_letter e = letter(7);
  ASSERT_TRUE(store_->put(&e).is_ok());
  dead_letter got;
  status st = store_->get(e.id, &got);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(got, e);

  std::vector<dead_letter> out(1);  // list appends: what was there stays
  ASSERT_TRUE(store_->list(0, 10, &out).is_ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].id, 0u);
  EXPECT_EQ(out[2], e);
}

TEST_F(DeadLetterStoreTest, GetOfAnAbsentIdIsNotFound) {
  put(1, 2);
  dead_letter got = letter(9);
  EXPECT_TRUE(store_->get(0, &got).is_not_found());
  EXPECT_TRUE(store_->get(3, &got).is_not_found());
  EXPECT_EQ(got, letter(9));
}

TEST_F(DeadLetterStoreTest, ListPagesInIdOrder) {
  put(1, 5);
  EXPECT_EQ(listed(0, 100), (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(listed(0, 2), (Ids{1, 2}));
  EXPECT_EQ(listed(2, 2), (Ids{3, 4}));
  EXPECT_EQ(listed(4, 2), (Ids{5}));
  EXPECT_EQ(listed(5, 2), Ids{});
  EXPECT_EQ(listed(0, 0), Ids{});
  EXPECT_EQ(listed(UINT64_MAX, 10), Ids{});
}

TEST_F(DeadLetterStoreTest, EraseRemovesOnlyThatEntry) {
  put(1, 3);
  ASSERT_TRUE(store_->erase(2).is_ok());
  dead_letter got;
  EXPECT_TRUE(store_->get(2, &got).is_not_found());
  EXPECT_EQ(listed(0, 10), (Ids{1, 3}));
  EXPECT_TRUE(store_->erase(2).is_not_found());
  EXPECT_TRUE(store_->erase(99).is_not_found());
  EXPECT_EQ(store_->size(), 2u);
}

TEST_F(DeadLetterStoreTest, IdOfErasedNewestIsNotReusedAfterReopen) {
  put(1, 3);
  ASSERT_TRUE(store_->erase(3).is_ok());
  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(listed(0, 10), (Ids{1, 2}));
  EXPECT_EQ(put(4, 1), (Ids{4}));

  // Erasing everything must not reset the ids either.
  for (std::uint64_t id : {1, 2, 4}) ASSERT_TRUE(store_->erase(id).is_ok());
  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(store_->size(), 0u);
  EXPECT_EQ(put(5, 1), (Ids{5}));
}

TEST_F(DeadLetterStoreTest, CorruptedValueIsReportedNamingItsId) {
  put(1, 3);
  with_raw_db([](leveldb::DB* db) {
    std::string value;
    ASSERT_TRUE(db->Get({}, encode_record_key(2), &value).ok());
    value[value.size() - 1] ^= 0x01;
    ASSERT_TRUE(db->Put({}, encode_record_key(2), value).ok());
  });
  ASSERT_TRUE(reopen().is_ok());  // open reads keys only

  dead_letter got;
  status st = store_->get(2, &got);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("dead letter 2"), std::string::npos) << st.to_string();

  std::vector<dead_letter> out;
  st = store_->list(0, 10, &out);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("dead letter 2"), std::string::npos) << st.to_string();
  EXPECT_EQ(ids_of(out), (Ids{1}));  // those before the damage

  EXPECT_TRUE(store_->get(3, &got).is_ok());
  EXPECT_TRUE(store_->erase(2).is_ok());  // a damaged entry can still be dropped
  EXPECT_EQ(listed(0, 10), (Ids{1, 3}));
}

TEST_F(DeadLetterStoreTest, ValueUnderTheWrongKeyIsCorruption) {
  put(1, 2);
  with_raw_db([](leveldb::DB* db) {
    std::string value;
    ASSERT_TRUE(db->Get({}, encode_record_key(1), &value).ok());
    ASSERT_TRUE(db->Put({}, encode_record_key(2), value).ok());
  });
  ASSERT_TRUE(reopen().is_ok());
  dead_letter got;
  status st = store_->get(2, &got);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("dead letter 2"), std::string::npos) << st.to_string();
}

TEST_F(DeadLetterStoreTest, ForeignKeyIsCorruptionOnOpen) {
  with_raw_db([](leveldb::DB* db) { ASSERT_TRUE(db->Put({}, "stray", "x").ok()); });
  EXPECT_TRUE(reopen().is_corruption());
}

TEST_F(DeadLetterStoreTest, ConcurrentPutsGetDistinctIds) {
  constexpr int kThreads = 4;
  constexpr int kEach = 25;
  std::vector<Ids> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&, t] { seen[t] = put(t, kEach); });
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> all;
  for (const auto& ids : seen) all.insert(ids.begin(), ids.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<std::uint64_t>(kThreads * kEach));
  EXPECT_EQ(store_->size(), all.size());
}

// The same store on the real file system, in a fresh temporary directory.
class DeadLetterStoreOnDiskTest : public DeadLetterStoreTest {
 protected:
  void SetUp() override {
    env_.reset();  // LevelDB's default Env
    root_ = testing::make_temp_dir("linkly-dlq");
    ASSERT_FALSE(root_.empty());
    dir_ = root_ + "/dead-letters";
    DeadLetterStoreTest::SetUp();
  }
  void TearDown() override {
    store_.reset();
    if (!root_.empty()) std::filesystem::remove_all(root_);
  }

  std::string root_;
};

TEST_F(DeadLetterStoreOnDiskTest, ReopenKeepsEntriesAndNeverReusesIds) {
  EXPECT_EQ(put(1, 3), (Ids{1, 2, 3}));
  ASSERT_TRUE(store_->erase(3).is_ok());
  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(store_->size(), 2u);
  dead_letter got;
  ASSERT_TRUE(store_->get(2, &got).is_ok());
  EXPECT_EQ(got.payload, letter(2).payload);
  EXPECT_EQ(put(4, 1), (Ids{4}));
}

// A value whose checksum matches but whose queue name claims 2^40 bytes: a
// decode error naming the id, and no allocation of anything like that size.
TEST_F(DeadLetterStoreTest, ClaimedLengthBeyondTheValueIsCorruptionNotAnAllocation) {
  put(1, 1);
  with_raw_db([](leveldb::DB* db) {
    std::string value;
    ASSERT_TRUE(db->Get({}, encode_record_key(1), &value).ok());
    // crc:u32, then cereal's class version:u32 and id:u64, then the queue's size.
    const std::uint64_t huge = std::uint64_t{1} << 40;
    std::memcpy(value.data() + 4 + 4 + 8, &huge, sizeof(huge));
    std::uint32_t crc = crc32c(std::string_view(value).substr(4));
    for (int i = 0; i < 4; ++i) value[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    ASSERT_TRUE(db->Put({}, encode_record_key(1), value).ok());
  });
  ASSERT_TRUE(reopen().is_ok());
  dead_letter got;
  status st;
  std::size_t largest = testing::largest_allocation_during([&] { st = store_->get(1, &got); });
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("dead letter 1"), std::string::npos) << st.to_string();
  EXPECT_LT(largest, std::size_t{1} << 20);
}

}  // namespace
}  // namespace linkly
