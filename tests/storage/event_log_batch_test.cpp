// event_log with batch records (log_options::batch_records, the clicks
// log): an append of several envelopes is one LevelDB record, and every
// read (ranges, limits, chunks, get, the head at open, a heal's removal)
// gives exactly what a record per envelope gives.

#include "tests/storage/event_log_fixture.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace linkly_test {
namespace {

class EventLogBatchTest : public EventLogTest {
 protected:
  // The fixture's seq 1..5, then a lone event (6), then 2,994 (7..3000).
  static constexpr std::uint64_t kEvents = 3000;

  void SetUp() override {
    batch_records_ = true;
    EventLogTest::SetUp();
    append_result r;
    std::vector<envelope> one = events(6, 1);
    ASSERT_TRUE(log_->append(one, &r).is_ok());
    std::vector<envelope> many = events(7, kEvents - 6);
    ASSERT_TRUE(log_->append(many, &r).is_ok());
    ASSERT_EQ(r.first_seq, 7u);
    ASSERT_EQ(r.last_seq, kEvents);
  }

  static Seqs range(std::uint64_t from, std::uint64_t to) {
    Seqs out(to - from);
    std::iota(out.begin(), out.end(), from);
    return out;
  }

  std::vector<std::string> raw_keys() {
    std::vector<std::string> keys;
    with_raw_db([&](leveldb::DB* db) {
      std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
      for (it->SeekToFirst(); it->Valid(); it->Next()) keys.push_back(it->key().ToString());
    });
    EXPECT_TRUE(reopen().is_ok());
    return keys;
  }
};

TEST_F(EventLogBatchTest, AnAppendOfSeveralIsOneRecord) {
  const auto keys = raw_keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(keys[0], encode_batch_record_key(1, 5));
  EXPECT_EQ(keys[1], encode_record_key(6));  // a lone event keeps its own record
  EXPECT_EQ(keys[2], encode_batch_record_key(7, kEvents));
  EXPECT_EQ(log_->highest_seq(), kEvents) << "the head read from a batch key at open";
}

TEST_F(EventLogBatchTest, RangesLimitsAndChunksAcrossRecords) {
  EXPECT_EQ(seqs(1, kAll, kAll), range(1, kEvents + 1));
  EXPECT_EQ(seqs(3, 9, kAll), range(3, 9));  // into a batch, out of the next
  EXPECT_EQ(seqs(5, 7, kAll), range(5, 7));
  EXPECT_EQ(seqs(1, kAll, 1500), range(1, 1501));
  EXPECT_EQ(seqs(17, 1042, kAll), range(17, 1042));
  EXPECT_EQ(seqs(2990, kAll, kAll), range(2990, kEvents + 1));
  EXPECT_EQ(seqs(kEvents, kAll, kAll), range(kEvents, kEvents + 1));
  std::uint64_t delivered = 0;
  ASSERT_TRUE(log_->replay(1, kAll, kAll,
                           [&](const envelope& e) {
                             ++delivered;
                             return e.seq < 40;
                           })
                  .is_ok());
  EXPECT_EQ(delivered, 40u);
}

TEST_F(EventLogBatchTest, EveryEventReadsBackEqualByReplayAndByGet) {
  std::vector<envelope> all;
  ASSERT_TRUE(log_->read(1, kAll, kAll, &all).is_ok());
  ASSERT_EQ(all.size(), kEvents);
  for (std::uint64_t seq : {1u, 3u, 5u, 6u, 7u, 1500u, 3000u}) {
    envelope expected = event_for(static_cast<int>(seq));
    expected.seq = seq;
    EXPECT_EQ(all[seq - 1], expected) << "seq " << seq;
    envelope got;
    ASSERT_TRUE(log_->get(seq, &got).is_ok()) << seq;
    EXPECT_EQ(got, expected) << "seq " << seq;
  }
  envelope none;
  EXPECT_TRUE(log_->get(kEvents + 1, &none).is_not_found());
}

TEST_F(EventLogBatchTest, ADamagedEventStopsReplayAfterTheEventsBeforeIt) {
  with_raw_db([](leveldb::DB* db) {
    const std::string key = encode_batch_record_key(7, kEvents);
    std::string value;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), key, &value).ok());
    // Each event's value is preceded by its size: flip a byte of seq 9's.
    std::size_t at = 0;
    for (int i = 0; i < 2; ++i) {
      std::uint32_t size = 0;
      for (int b = 3; b >= 0; --b) size = (size << 8) | static_cast<unsigned char>(value[at + b]);
      at += 4 + size;
    }
    value[at + 4 + 10] ^= 0x20;
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), key, value).ok());
  });
  ASSERT_TRUE(reopen().is_ok()) << "the head, seq 3000, still reads";
  status st;
  EXPECT_EQ(seqs(1, kAll, kAll, &st), range(1, 9));
  EXPECT_TRUE(st.is_corruption());
  EXPECT_NE(st.message().find("seq 9"), std::string::npos) << st.to_string();
  envelope env;
  EXPECT_TRUE(log_->get(9, &env).is_corruption());
  EXPECT_TRUE(log_->get(8, &env).is_ok());
  EXPECT_TRUE(log_->get(10, &env).is_ok()) << "the damage is seq 9's alone";
}

TEST_F(EventLogBatchTest, AMissingRecordIsAGapNotSkipped) {
  with_raw_db([](leveldb::DB* db) {
    ASSERT_TRUE(db->Delete(leveldb::WriteOptions(), encode_record_key(6)).ok());
  });
  ASSERT_TRUE(reopen().is_ok());
  status st;
  EXPECT_EQ(seqs(1, kAll, kAll, &st), range(1, 6));
  EXPECT_TRUE(st.is_corruption());
  EXPECT_NE(st.message().find("expected seq 6, found seq 7"), std::string::npos) << st.to_string();
  envelope env;
  EXPECT_TRUE(log_->get(6, &env).is_corruption());
}

TEST_F(EventLogBatchTest, ALogOfSingleRecordsReadsOnIntoBatches) {
  // A log written a record per event (before batch records) goes on with
  // batches: one log to every reader.
  batch_records_ = false;
  ASSERT_NO_FATAL_FAILURE(reset_store());
  batch_records_ = true;
  ASSERT_TRUE(reopen().is_ok());
  append_result r;
  std::vector<envelope> more = events(6, 10);
  ASSERT_TRUE(log_->append(more, &r).is_ok());
  EXPECT_EQ(seqs(1, kAll, kAll), range(1, 16));
  EXPECT_EQ(seqs(4, 8, kAll), range(4, 8));
  EXPECT_EQ(raw_keys().size(), 6u);
}

TEST_F(EventLogBatchTest, HealRemovesAFailedBatchLeftOnDisk) {
  // As for records per event (event_log_faults_test.cpp): fail the n-th
  // write of a batch append until one gets through; the heal must remove
  // whatever of the failed batch reached the store.
  for (int n = 0;; ++n) {
    SCOPED_TRACE("failing from write " + std::to_string(n));
    ASSERT_NO_FATAL_FAILURE(reset_store());
    env_->fail_from(n);
    std::vector<envelope> batch = events(6, 3);
    append_result r;
    if (log_->append(batch, &r).is_ok()) {
      EXPECT_EQ(log_->highest_seq(), 8u);
      ASSERT_GT(n, 1) << "the append has several writes to fail";
      break;
    }
    ASSERT_LT(n, 100);
    env_->heal();
    std::vector<envelope> again = events(100, 2);
    ASSERT_TRUE(log_->append(again, &r).is_ok());
    EXPECT_EQ(r.first_seq, 6u) << "the failed batch's seqs are free again";
    EXPECT_EQ(seqs(1, kAll, kAll), range(1, 8));
    envelope sixth;
    ASSERT_TRUE(log_->get(6, &sixth).is_ok());
    EXPECT_EQ(sixth.key, again[0].key) << "seq 6 is the new event, not the failed one";
    ASSERT_TRUE(reopen().is_ok());
    EXPECT_EQ(log_->highest_seq(), 7u) << "the removal was durable";
  }
}

}  // namespace
}  // namespace linkly_test
