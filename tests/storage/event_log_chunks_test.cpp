// event_log::replay reads in chunks (each under its own read lock, so that a
// reopen never waits long): ranges, limits and early stops across chunk
// boundaries give exactly what one pass would.

#include "tests/storage/event_log_fixture.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace linkly_test {
namespace {

class EventLogChunksTest : public EventLogTest {
 protected:
  static constexpr std::uint64_t kEvents = 3000;  // several chunks of the largest size

  void SetUp() override {
    EventLogTest::SetUp();
    std::vector<envelope> batch = events(6, kEvents - 5);
    append_result r;
    ASSERT_TRUE(log_->append(batch, &r).is_ok());
    ASSERT_EQ(r.last_seq, kEvents);
  }

  static Seqs range(std::uint64_t from, std::uint64_t to) {
    Seqs out(to - from);
    std::iota(out.begin(), out.end(), from);
    return out;
  }
};

TEST_F(EventLogChunksTest, RangesAndLimitsAcrossChunks) {
  EXPECT_EQ(seqs(1, kAll, kAll), range(1, kEvents + 1));
  EXPECT_EQ(seqs(1, kAll, 1500), range(1, 1501));
  EXPECT_EQ(seqs(17, 1042, kAll), range(17, 1042));
  EXPECT_EQ(seqs(2990, kAll, kAll), range(2990, kEvents + 1));
  EXPECT_EQ(seqs(1024, 1025, kAll), range(1024, 1025));
}

TEST_F(EventLogChunksTest, EarlyStopDeliversNoMore) {
  std::uint64_t delivered = 0;
  status st = log_->replay(1, kAll, kAll, [&](const envelope& e) {
    ++delivered;
    return e.seq < 40;
  });
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(delivered, 40u);
}

TEST_F(EventLogChunksTest, AGapInALaterChunkIsReportedAfterTheEventsBeforeIt) {
  with_raw_db([](leveldb::DB* db) {
    ASSERT_TRUE(db->Delete(leveldb::WriteOptions(), encode_record_key(2500)).ok());
  });
  ASSERT_TRUE(reopen().is_ok());
  status st;
  EXPECT_EQ(seqs(1, kAll, kAll, &st), range(1, 2500));
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("seq 2500"), std::string::npos) << st.to_string();
}

}  // namespace
}  // namespace linkly_test
