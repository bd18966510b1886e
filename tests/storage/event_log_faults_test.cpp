// event_log when things go wrong: failed writes (atomic, then sticky), damaged
// or missing records (reported, never skipped), and a store held by another
// log. The fixture holds events seq 1..5 in memory; the last cases use disk.

#include "tests/storage/event_log_fixture.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace linkly_test {
namespace {

bool mentions(const status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

TEST_F(EventLogTest, FailedBatchAppendStoresNothingAndIsSticky) {
  env_->fail_from(0);
  std::vector<envelope> batch = events(6, 3);
  append_result r;
  status st = log_->append(batch, &r);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.error_code(), status::code::io_error) << st.to_string();
  EXPECT_GT(env_->failures(), 0);
  EXPECT_EQ(log_->highest_seq(), 5u);
  for (const auto& e : batch) EXPECT_EQ(e.seq, 0u) << "no seq for an event not stored";
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5}));

  // The disk is fine again, but what reached it is unknown: refuse.
  env_->heal();
  std::vector<envelope> retry = events(6, 1);
  st = log_->append(retry, &r);
  EXPECT_FALSE(st.is_ok());
  EXPECT_TRUE(mentions(st, "reopen")) << st.to_string();
  EXPECT_EQ(log_->highest_seq(), 5u);

  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(log_->highest_seq(), 5u);
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5}));
  ASSERT_TRUE(log_->append(retry, &r).is_ok());
  EXPECT_EQ(r.first_seq, 6u);
  EXPECT_EQ(seqs(6, kAll, kAll), (Seqs{6}));
}

TEST_F(EventLogTest, BatchIsAllOrNothingWhicheverWriteFails) {
  // Like Beast's fail_count: fail the n-th write of the append (Append,
  // Flush or Sync), n = 0, 1, ..., until an append gets through unharmed.
  bool saw_none = false, saw_all = false;
  for (int n = 0;; ++n) {
    SCOPED_TRACE("failing from write " + std::to_string(n));
    ASSERT_NO_FATAL_FAILURE(reset_store());
    env_->fail_from(n);
    std::vector<envelope> batch = events(6, 3);
    append_result r;
    status st = log_->append(batch, &r);
    if (st.is_ok()) {
      EXPECT_EQ(env_->failures(), 0);
      EXPECT_EQ(log_->highest_seq(), 8u);
      ASSERT_GT(n, 1) << "the append has several writes to fail";
      break;
    }
    ASSERT_LT(n, 100);
    EXPECT_EQ(log_->highest_seq(), 5u);
    std::vector<envelope> more = events(6, 1);
    EXPECT_FALSE(log_->append(more, &r).is_ok()) << "refused until reopened";

    // A failed sync may leave the batch on disk; never a part of it.
    env_->heal();
    ASSERT_TRUE(reopen().is_ok());
    const std::uint64_t head = log_->highest_seq();
    EXPECT_TRUE(head == 5 || head == 8) << "head " << head;
    if (n == 0) {
      EXPECT_EQ(head, 5u) << "nothing was written";
    }
    (head == 5 ? saw_none : saw_all) = true;
    status replayed;
    Seqs all = seqs(1, kAll, kAll, &replayed);
    EXPECT_TRUE(replayed.is_ok()) << replayed.to_string();
    EXPECT_EQ(all.size(), head);
    ASSERT_TRUE(log_->append(more, &r).is_ok());
    EXPECT_EQ(r.first_seq, head + 1);
  }
  // Failed appends lose the batch; a failed flush or sync on LevelDB's
  // in-memory files keeps it. Both outcomes must have been exercised.
  EXPECT_TRUE(saw_none);
  EXPECT_TRUE(saw_all);
}

TEST_F(EventLogTest, MissingRecordIsReportedAsGapNotSkipped) {
  with_raw_db([](leveldb::DB* db) {
    ASSERT_TRUE(db->Delete(leveldb::WriteOptions(), encode_record_key(3)).ok());
  });
  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(log_->highest_seq(), 5u);

  status st;
  EXPECT_EQ(seqs(1, kAll, kAll, &st), (Seqs{1, 2}));
  EXPECT_TRUE(st.is_corruption());
  EXPECT_TRUE(mentions(st, "seq 3")) << st.to_string();

  EXPECT_EQ(seqs(3, 4, kAll, &st), Seqs{});
  EXPECT_TRUE(st.is_corruption()) << "a range holding only the gap still reports it";
  EXPECT_TRUE(mentions(st, "seq 3")) << st.to_string();

  envelope env;
  st = log_->get(3, &env);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_TRUE(mentions(st, "seq 3")) << st.to_string();

  // Ranges that do not cover the gap are unaffected.
  EXPECT_EQ(seqs(1, 3, kAll), (Seqs{1, 2}));
  EXPECT_EQ(seqs(4, kAll, kAll), (Seqs{4, 5}));
}

TEST_F(EventLogTest, DamagedRecordStopsReplayAfterTheEventsBeforeIt) {
  with_raw_db([](leveldb::DB* db) {
    std::string value;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), encode_record_key(2), &value).ok());
    value[value.size() / 2] ^= 0x20;
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), encode_record_key(2), value).ok());
  });
  ASSERT_TRUE(reopen().is_ok());

  status st;
  EXPECT_EQ(seqs(1, kAll, kAll, &st), (Seqs{1}));
  EXPECT_TRUE(st.is_corruption());
  EXPECT_TRUE(mentions(st, "seq 2")) << st.to_string();

  std::vector<envelope> out;
  EXPECT_TRUE(log_->read(1, kAll, kAll, &out).is_corruption());
  EXPECT_EQ(out.size(), 1u);
  envelope env;
  EXPECT_TRUE(log_->get(2, &env).is_corruption());
  EXPECT_TRUE(log_->get(3, &env).is_ok());
}

TEST_F(EventLogTest, RecordStoredUnderTheWrongKeyIsCorruption) {
  with_raw_db([](leveldb::DB* db) {
    std::string value;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), encode_record_key(4), &value).ok());
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), encode_record_key(3), value).ok());
  });
  ASSERT_TRUE(reopen().is_ok());
  status st;
  EXPECT_EQ(seqs(1, kAll, kAll, &st), (Seqs{1, 2}));
  EXPECT_TRUE(st.is_corruption());
  EXPECT_TRUE(mentions(st, "seq 3")) << st.to_string();
}

TEST_F(EventLogTest, DamagedHeadIsReportedOnOpen) {
  with_raw_db([](leveldb::DB* db) {
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), encode_record_key(5), "garbage").ok());
  });
  status st = reopen();
  EXPECT_TRUE(st.is_corruption());
  EXPECT_TRUE(mentions(st, "seq 5")) << st.to_string();
  EXPECT_EQ(log_, nullptr);
}

TEST_F(EventLogTest, ForeignKeyAtTheHeadIsReportedOnOpen) {
  with_raw_db([](leveldb::DB* db) {
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), std::string(9, '\xff'), "x").ok());
  });
  EXPECT_TRUE(reopen().is_corruption());
}

// A fresh directory under the test temp dir, removed afterwards.
class EventLogOnDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "linkly_event_log_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string root_;
};

TEST_F(EventLogOnDiskTest, EventsSurviveReopen) {
  std::unique_ptr<event_log> log;
  ASSERT_TRUE(event_log::open(root_ + "/log", {}, &log).is_ok());
  std::vector<envelope> batch = events(1, 3);
  append_result r;
  ASSERT_TRUE(log->append(batch, &r).is_ok());
  log.reset();

  ASSERT_TRUE(event_log::open(root_ + "/log", {}, &log).is_ok());
  EXPECT_EQ(log->highest_seq(), 3u);
  std::vector<envelope> back;
  ASSERT_TRUE(log->read(1, event_log::kNoLimit, event_log::kNoLimit, &back).is_ok());
  EXPECT_EQ(back, batch);
}

TEST_F(EventLogOnDiskTest, DirectoryHeldByAnotherLogIsBusy) {
  std::unique_ptr<event_log> first, second;
  ASSERT_TRUE(event_log::open(root_ + "/log", {}, &first).is_ok());
  status st = event_log::open(root_ + "/log", {}, &second);
  EXPECT_TRUE(st.is_busy()) << st.to_string();
  EXPECT_EQ(second, nullptr);

  first.reset();
  st = event_log::open(root_ + "/log", {}, &second);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
}

TEST_F(EventLogOnDiskTest, DirectoryLockedByAnotherProcessIsBusy) {
  // The child takes LevelDB's lock (a POSIX record lock on LOCK, which is
  // per process) with raw system calls only, then waits for the parent.
  const std::string dir = root_ + "/log";
  const std::string lock_path = dir + "/LOCK";
  ASSERT_TRUE(std::filesystem::create_directory(dir));
  int locked[2], done[2];
  ASSERT_EQ(pipe(locked), 0);
  ASSERT_EQ(pipe(done), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
    struct flock lock = {};
    lock.l_type = F_WRLCK;
    lock.l_whence = SEEK_SET;
    char ok = (fd >= 0 && fcntl(fd, F_SETLK, &lock) == 0) ? 'y' : 'n';
    (void)!write(locked[1], &ok, 1);
    (void)!read(done[0], &ok, 1);
    _exit(0);
  }
  char ok = 0;
  ASSERT_EQ(read(locked[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');

  std::unique_ptr<event_log> log;
  status st = event_log::open(dir, {}, &log);
  EXPECT_TRUE(st.is_busy()) << st.to_string();

  ASSERT_EQ(write(done[1], &ok, 1), 1);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  for (int fd : {locked[0], locked[1], done[0], done[1]}) close(fd);
  st = event_log::open(dir, {}, &log);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
}

TEST_F(EventLogOnDiskTest, OtherOpenFailuresAreNotBusy) {
  // "blocklist" contains "lock": only LevelDB's lock error means busy.
  std::unique_ptr<event_log> log;
  status st = event_log::open(root_ + "/no-such-parent/blocklist", {}, &log);
  EXPECT_FALSE(st.is_ok());
  EXPECT_FALSE(st.is_busy()) << st.to_string();

  // A file where a directory should be: an IO error (ENOTDIR), not busy.
  std::ofstream(root_ + "/file") << "not a directory";
  st = event_log::open(root_ + "/file/blocklist", {}, &log);
  EXPECT_EQ(st.error_code(), status::code::io_error) << st.to_string();
  EXPECT_EQ(log, nullptr);

  log_options options;
  options.create_if_missing = false;
  st = event_log::open(root_ + "/absent", options, &log);
  EXPECT_EQ(st.error_code(), status::code::invalid_argument) << st.to_string();
}

}  // namespace
}  // namespace linkly_test
