// dead_letter_store::size(queue): what each queue holds, kept across puts,
// erasures and reopening, so a gauge of it says what an operator would find.

#include "storage/dead_letter_store.hpp"
#include "storage/record_format.hpp"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <string>

namespace linkly {
namespace {

class DeadLetterQueueSizeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(reopen()); }

  status reopen() {
    store_.reset();
    dead_letter_options options;
    options.env = env_.get();
    return dead_letter_store::open(kDir, options, &store_);
  }

  std::uint64_t put(const std::string& queue) {
    dead_letter e;
    e.queue = queue;
    e.payload = "payload";
    EXPECT_TRUE(store_->put(&e));
    return e.id;
  }

  static constexpr const char* kDir = "/mem/dlq";
  std::unique_ptr<leveldb::Env> env_{leveldb::NewMemEnv(leveldb::Env::Default())};
  std::unique_ptr<dead_letter_store> store_;
};

TEST_F(DeadLetterQueueSizeTest, CountsEachQueueThroughPutsErasuresAndReopening) {
  EXPECT_EQ(store_->size("clicks"), 0u);
  const std::uint64_t first = put("projection.analytics");
  put("projection.analytics");
  put("clicks");
  EXPECT_EQ(store_->size("projection.analytics"), 2u);
  EXPECT_EQ(store_->size("clicks"), 1u);
  EXPECT_EQ(store_->size("projection.cache"), 0u);
  EXPECT_EQ(store_->size(), 3u);

  ASSERT_TRUE(store_->erase(first));
  EXPECT_TRUE(store_->erase(first).is_not_found());
  EXPECT_EQ(store_->size("projection.analytics"), 1u) << "an erase counts once";

  ASSERT_TRUE(reopen());
  EXPECT_EQ(store_->size("projection.analytics"), 1u);
  EXPECT_EQ(store_->size("clicks"), 1u);
  EXPECT_EQ(store_->size(), 2u);
}

TEST_F(DeadLetterQueueSizeTest, ADamagedEntryCountsUnderNoQueueUntilErased) {
  put("clicks");
  store_.reset();
  {
    leveldb::Options options;
    options.env = env_.get();
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(options, kDir, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), encode_record_key(7), "not an entry").ok());
  }
  ASSERT_TRUE(reopen());
  EXPECT_EQ(store_->size("clicks"), 1u);
  EXPECT_EQ(store_->size(""), 1u);
  ASSERT_TRUE(store_->erase(7));
  EXPECT_EQ(store_->size(""), 0u);
  EXPECT_EQ(store_->size(), 1u);
}

}  // namespace
}  // namespace linkly
