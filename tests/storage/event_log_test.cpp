// event_log against Akka Persistence's JournalSpec contract, on LevelDB over
// an in-memory Env. The fixture holds events seq 1..5. Ranges are half-open:
// [from, to). Failure, corruption and on-disk cases: event_log_faults_test.cpp.

#include "tests/storage/event_log_fixture.hpp"

#include <gtest/gtest.h>

namespace linkly_test {
namespace {

TEST_F(EventLogTest, ReplaysAllEventsInOrder) {
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5}));

  std::vector<envelope> all;
  ASSERT_TRUE(log_->read(1, kAll, kAll, &all).is_ok());
  ASSERT_EQ(all.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    envelope expected = event_for(i + 1);
    expected.seq = i + 1;
    EXPECT_EQ(all[i], expected) << "seq " << i + 1;
  }
}

TEST_F(EventLogTest, ReplaysFromLowerBoundToExclusiveUpperBound) {
  EXPECT_EQ(seqs(2, 4, kAll), (Seqs{2, 3}));
  EXPECT_EQ(seqs(3, kAll, kAll), (Seqs{3, 4, 5}));
  EXPECT_EQ(seqs(1, 2, kAll), (Seqs{1}));
  EXPECT_EQ(seqs(5, 6, kAll), (Seqs{5}));
}

TEST_F(EventLogTest, FromZeroMeansFromTheStart) {
  EXPECT_EQ(seqs(0, 3, kAll), (Seqs{1, 2}));
}

TEST_F(EventLogTest, UpperBoundBeyondHeadStopsAtHead) {
  EXPECT_EQ(seqs(4, 100, kAll), (Seqs{4, 5}));
}

TEST_F(EventLogTest, ReplaysAtMostMaxEvents) {
  EXPECT_EQ(seqs(1, kAll, 2), (Seqs{1, 2}));
  EXPECT_EQ(seqs(2, kAll, 2), (Seqs{2, 3}));
  EXPECT_EQ(seqs(2, 4, 5), (Seqs{2, 3}));
  EXPECT_EQ(seqs(1, kAll, 5), (Seqs{1, 2, 3, 4, 5}));
}

TEST_F(EventLogTest, MaxZeroReplaysNothing) {
  EXPECT_EQ(seqs(1, kAll, 0), Seqs{});
}

TEST_F(EventLogTest, EmptyRangeReplaysNothing) {
  EXPECT_EQ(seqs(3, 3, kAll), Seqs{});
  EXPECT_EQ(seqs(4, 2, kAll), Seqs{});
}

TEST_F(EventLogTest, FromBeyondHeadReplaysNothing) {
  EXPECT_EQ(seqs(6, kAll, kAll), Seqs{});
  EXPECT_EQ(seqs(1000, 2000, kAll), Seqs{});
}

TEST_F(EventLogTest, ReplayStopsWhenTheCallbackSaysSo) {
  Seqs seen;
  status st = log_->replay(1, kAll, kAll, [&](const envelope& e) {
    seen.push_back(e.seq);
    return seen.size() < 2;
  });
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(seen, (Seqs{1, 2}));
}

TEST_F(EventLogTest, ReadAppendsToTheVector) {
  std::vector<envelope> out(1);  // what was there stays
  ASSERT_TRUE(log_->read(2, 4, kAll, &out).is_ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].seq, 0u);
  EXPECT_EQ(out[1].seq, 2u);
  EXPECT_EQ(out[1].key, "c2");
  EXPECT_EQ(out[2].seq, 3u);
}

TEST_F(EventLogTest, HighestSeqIsKnownWithoutReplay) {
  EXPECT_EQ(log_->highest_seq(), 5u);
  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(log_->highest_seq(), 5u);
}

TEST_F(EventLogTest, HighestSeqOfAnEmptyLogIsZero) {
  log_options options;
  options.env = env_.get();
  std::unique_ptr<event_log> empty;
  ASSERT_TRUE(event_log::open("/mem/empty-log", options, &empty).is_ok());
  EXPECT_EQ(empty->highest_seq(), 0u);
  EXPECT_EQ(empty->dir(), "/mem/empty-log");
  Seqs seen;
  EXPECT_TRUE(empty
                  ->replay(1, kAll, kAll,
                           [&](const envelope& e) {
                             seen.push_back(e.seq);
                             return true;
                           })
                  .is_ok());
  EXPECT_EQ(seen, Seqs{});
  envelope env;
  EXPECT_TRUE(empty->get(1, &env).is_not_found());
}

TEST_F(EventLogTest, AppendAssignsConsecutiveSeqsAndLeavesTheBatchAsItWas) {
  std::vector<envelope> batch = events(6, 3);
  const std::vector<envelope> given = batch;
  append_result r;
  ASSERT_TRUE(log_->append(batch, &r).is_ok());
  EXPECT_EQ(r.first_seq, 6u);
  EXPECT_EQ(r.last_seq, 8u);
  // The seqs come back in the result only: the batch is read, not changed.
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(batch[i].seq, given[i].seq) << i;
    EXPECT_EQ(batch[i], given[i]) << i;
  }
  EXPECT_EQ(log_->highest_seq(), 8u);
  std::vector<envelope> back;
  ASSERT_TRUE(log_->read(6, kAll, kAll, &back).is_ok());
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].seq, 6u);
  EXPECT_EQ(back[1].seq, 7u);
  EXPECT_EQ(back[2].seq, 8u);

  std::vector<envelope> single = events(9, 1);
  ASSERT_TRUE(log_->append(single, &r).is_ok());
  EXPECT_EQ(r.first_seq, 9u);
  EXPECT_EQ(r.last_seq, 9u);
  EXPECT_EQ(seqs(6, kAll, kAll), (Seqs{6, 7, 8, 9}));
}

TEST_F(EventLogTest, AppendedEnvelopesReadBackEqual) {
  std::vector<envelope> batch = events(6, 2);
  append_result r;
  ASSERT_TRUE(log_->append(batch, &r).is_ok());
  number_appended(&batch, r);
  std::vector<envelope> back;
  ASSERT_TRUE(log_->read(6, kAll, kAll, &back).is_ok());
  EXPECT_EQ(back, batch);
}

TEST_F(EventLogTest, BeforeWriteHookSeesTheBatchItselfAndItsFirstSeq) {
  std::vector<envelope> batch = events(6, 3);
  std::vector<std::uint64_t> calls;
  const std::vector<envelope>* seen = nullptr;
  before_write_hook hook = [&](const std::vector<envelope>& b, std::uint64_t first_seq) {
    seen = &b;
    calls.push_back(first_seq);
    EXPECT_EQ(log_->highest_seq(), 5u);  // before the write
  };
  append_result r;
  ASSERT_TRUE(log_->append(batch, &r, &hook).is_ok());
  EXPECT_EQ(seen, &batch);  // the caller's batch, not a copy
  EXPECT_EQ(calls, (std::vector<std::uint64_t>{6}));
  EXPECT_EQ(r.first_seq, 6u);
}

TEST_F(EventLogTest, EmptyAppendIsANoOp) {
  std::vector<envelope> none;
  append_result r;
  ASSERT_TRUE(log_->append(none, &r).is_ok());
  EXPECT_EQ(r.first_seq, 6u);
  EXPECT_EQ(r.last_seq, 5u);
  EXPECT_EQ(log_->highest_seq(), 5u);
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5}));
}

TEST_F(EventLogTest, ReopenContinuesNumbering) {
  ASSERT_TRUE(reopen().is_ok());
  std::vector<envelope> batch = events(6, 1);
  append_result r;
  ASSERT_TRUE(log_->append(batch, &r).is_ok());
  EXPECT_EQ(r.first_seq, 6u);
  EXPECT_EQ(r.last_seq, 6u);
  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(log_->highest_seq(), 6u);
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5, 6}));
}

TEST_F(EventLogTest, GetReturnsTheEnvelopeAtSeq) {
  envelope env;
  ASSERT_TRUE(log_->get(3, &env).is_ok());
  envelope expected = event_for(3);
  expected.seq = 3;
  EXPECT_EQ(env, expected);
  ASSERT_TRUE(log_->get(5, &env).is_ok());
  EXPECT_EQ(env.seq, 5u);
}

TEST_F(EventLogTest, GetBeyondHeadIsNotFound) {
  envelope env;
  EXPECT_TRUE(log_->get(6, &env).is_not_found());
  EXPECT_TRUE(log_->get(event_log::kNoLimit, &env).is_not_found());
  EXPECT_TRUE(log_->get(0, &env).is_not_found());
}

TEST_F(EventLogTest, ReplayedPayloadsDecodeToTheAppendedEvents) {
  std::vector<envelope> all;
  ASSERT_TRUE(log_->read(4, 5, kAll, &all).is_ok());
  ASSERT_EQ(all.size(), 1u);
  link_event event;
  ASSERT_TRUE(decode_link_event(all[0], &event));
  EXPECT_EQ(std::get<link_created>(event).url, "https://example.com/c4");
}

}  // namespace
}  // namespace linkly_test
