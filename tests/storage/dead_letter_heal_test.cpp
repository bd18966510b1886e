// dead_letter_store after a failed write: it reopens itself on the next put
// or erase, and a failed put leaves no entry, whichever of its writes failed.

#include "storage/dead_letter_store.hpp"
#include "tests/storage/event_log_fixture.hpp"

#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <string>
#include <vector>

namespace linkly_test {
namespace {

dead_letter letter(int i) {
  dead_letter e;
  e.queue = "clicks";
  e.payload = "batch " + std::to_string(i);
  e.error = "io error: disk full";
  e.attempts = 3;
  return e;
}

class DeadLetterHealTest : public ::testing::Test {
 protected:
  void SetUp() override { reset_store(); }

  void reset_store() {
    store_.reset();
    mem_env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    env_ = std::make_unique<faulty_env>(mem_env_.get());
    ASSERT_TRUE(reopen().is_ok());
    for (int i = 1; i <= 2; ++i) {
      dead_letter e = letter(i);
      ASSERT_TRUE(store_->put(&e).is_ok());
    }
  }

  status reopen() {
    store_.reset();
    dead_letter_options options;
    options.env = env_.get();
    options.heal_backoff_initial = std::chrono::milliseconds(0);
    options.heal_backoff_max = std::chrono::milliseconds(0);
    return dead_letter_store::open("/mem/dlq", options, &store_);
  }

  std::vector<std::uint64_t> ids() {
    std::vector<dead_letter> out;
    status st = store_->list(0, 100, &out);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    std::vector<std::uint64_t> ids;
    for (const auto& e : out) ids.push_back(e.id);
    return ids;
  }

  std::unique_ptr<leveldb::Env> mem_env_;
  std::unique_ptr<faulty_env> env_;
  std::unique_ptr<dead_letter_store> store_;
};

TEST_F(DeadLetterHealTest, FailedPutLeavesNothingOnceHealed) {
  bool failed_some = false;
  for (int n = 0;; ++n) {
    SCOPED_TRACE("failing from write " + std::to_string(n));
    ASSERT_NO_FATAL_FAILURE(reset_store());
    env_->fail_from(n);
    dead_letter e = letter(3);
    if (store_->put(&e).is_ok()) break;
    ASSERT_LT(n, 100);
    failed_some = true;
    EXPECT_EQ(e.id, 0u);
    EXPECT_FALSE(store_->writable());
    EXPECT_NE(store_->write_error(), "");

    env_->heal();
    dead_letter next = letter(4);
    ASSERT_TRUE(store_->put(&next).is_ok()) << "healed on the next put";
    EXPECT_EQ(next.id, 4u) << "the failed put's id 3 stays consumed";
    EXPECT_TRUE(store_->writable());
    EXPECT_EQ(ids(), (std::vector<std::uint64_t>{1, 2, 4}));
    EXPECT_EQ(store_->size(), 3u);
    ASSERT_TRUE(reopen().is_ok());
    EXPECT_EQ(ids(), (std::vector<std::uint64_t>{1, 2, 4})) << "the removal was durable";
  }
  EXPECT_TRUE(failed_some);
}

TEST_F(DeadLetterHealTest, FailedEraseIsRetriedAfterTheReopenAndCountedOnce) {
  env_->fail_from(0);
  EXPECT_FALSE(store_->erase(1).is_ok());
  EXPECT_FALSE(store_->writable());
  env_->heal();
  status st = store_->erase(1);
  EXPECT_TRUE(st.is_ok() || st.is_not_found()) << st.to_string();
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(store_->size(), 1u);
}

TEST_F(DeadLetterHealTest, HealWithoutAWriteMakesItWritable) {
  env_->fail_from(0);
  dead_letter e = letter(3);
  ASSERT_FALSE(store_->put(&e).is_ok());
  env_->fail_every_file(true);
  EXPECT_FALSE(store_->heal().is_ok()) << "no room yet";
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{1, 2})) << "readable meanwhile";
  env_->heal();
  EXPECT_TRUE(store_->heal().is_ok());
  EXPECT_TRUE(store_->writable());
  EXPECT_EQ(ids(), (std::vector<std::uint64_t>{1, 2}));
}

}  // namespace
}  // namespace linkly_test
