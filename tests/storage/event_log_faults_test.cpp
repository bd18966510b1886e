// event_log when things go wrong: failed writes (atomic, then healed), damaged
// or missing records (reported, never skipped), and a store held by another
// log. The fixture holds events seq 1..5 in memory; the last cases use disk.

#include "tests/storage/event_log_fixture.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace linkly_test {
namespace {

bool mentions(const status& st, const std::string& text) {
  return st.message().find(text) != std::string::npos;
}

TEST_F(EventLogTest, FailedBatchAppendStoresNothingAndHealsOnTheNextAppend) {
  env_->fail_from(0);
  std::vector<envelope> batch = events(6, 3);
  append_result r;
  // The hook hears the seqs before the write and their withdrawal (0) after it failed.
  std::vector<std::uint64_t> hooked;
  before_write_hook hook = [&hooked](const std::vector<envelope>&, std::uint64_t first_seq) {
    hooked.push_back(first_seq);
  };
  status st = log_->append(batch, &r, &hook);
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(hooked, (std::vector<std::uint64_t>{6, 0}));
  EXPECT_EQ(st.error_code(), status::code::io_error) << st.to_string();
  EXPECT_GT(env_->failures(), 0);
  EXPECT_EQ(log_->highest_seq(), 5u);
  for (const auto& e : batch) EXPECT_EQ(e.seq, 0u) << "no seq for an event not stored";
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5}));
  EXPECT_FALSE(log_->writable());
  EXPECT_TRUE(mentions(status::io_error(log_->write_error()), "injected write failure"))
      << log_->write_error();

  // The disk still fails: the reopen works, the append after it does not.
  std::vector<envelope> retry = events(6, 1);
  EXPECT_FALSE(log_->append(retry, &r).is_ok());
  EXPECT_FALSE(log_->writable());
  EXPECT_EQ(log_->highest_seq(), 5u);

  // The disk is fine again: the next append reopens the store and goes on,
  // without anyone reopening it by hand.
  env_->heal();
  ASSERT_TRUE(log_->append(retry, &r).is_ok());
  EXPECT_EQ(r.first_seq, 6u);
  EXPECT_TRUE(log_->writable());
  EXPECT_EQ(log_->write_error(), "");
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5, 6}));
  ASSERT_TRUE(reopen().is_ok());
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5, 6}));
}

TEST_F(EventLogTest, HealWithoutAnAppendMakesTheLogWritable) {
  env_->fail_from(0);
  std::vector<envelope> batch = events(6, 1);
  append_result r;
  ASSERT_FALSE(log_->append(batch, &r).is_ok());
  env_->fail_every_file(true);
  EXPECT_FALSE(log_->heal().is_ok()) << "the disk is still full";
  EXPECT_FALSE(log_->writable());
  env_->heal();
  EXPECT_TRUE(log_->heal().is_ok());
  EXPECT_TRUE(log_->writable());
  EXPECT_EQ(log_->highest_seq(), 5u);
  EXPECT_TRUE(log_->heal().is_ok()) << "healing a writable log is a no-op";
}

TEST_F(EventLogTest, ReopensNoSoonerThanTheBackoff) {
  heal_backoff_ = std::chrono::hours(1);
  ASSERT_TRUE(reopen().is_ok());
  env_->fail_from(0);
  std::vector<envelope> batch = events(6, 1);
  append_result r;
  ASSERT_FALSE(log_->append(batch, &r).is_ok());
  const int failures = env_->failures();
  env_->heal();
  status st = log_->append(batch, &r);
  EXPECT_FALSE(st.is_ok());
  EXPECT_TRUE(mentions(st, "reopening it in")) << st.to_string();
  EXPECT_EQ(env_->failures(), failures) << "refused without touching the disk";
  EXPECT_FALSE(log_->heal().is_ok());
  EXPECT_FALSE(log_->writable());
}

TEST_F(EventLogTest, StaysOpenForReadersWhileTheDiskHasNoRoomToReopen) {
  env_->fail_from(0);
  std::vector<envelope> batch = events(6, 1);
  append_result r;
  ASSERT_FALSE(log_->append(batch, &r).is_ok());
  // A full disk: even the probe for space fails, so the store is not closed.
  env_->fail_every_file(true);
  status st = log_->heal();
  EXPECT_FALSE(st.is_ok());
  EXPECT_TRUE(mentions(st, "probing for space")) << st.to_string();
  EXPECT_EQ(seqs(1, kAll, kAll), (Seqs{1, 2, 3, 4, 5}));
  envelope e;
  EXPECT_TRUE(log_->get(5, &e).is_ok());
  env_->heal();
  EXPECT_TRUE(log_->append(batch, &r).is_ok());
  EXPECT_EQ(r.first_seq, 6u);
}

TEST_F(EventLogTest, HealRemovesWhatAFailedAppendLeftOnDisk) {
  // Like Beast's fail_count: fail the n-th write of the append (Append,
  // Flush or Sync), n = 0, 1, ..., until an append gets through unharmed.
  // Each n is run twice: once healing in process (the failed batch must be
  // gone, whatever reached the disk), once reopening from scratch as after a
  // crash (the batch may be there: its outcome was never acknowledged).
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
    env_->heal();
    std::vector<envelope> more = events(100, 1);
    ASSERT_TRUE(log_->append(more, &r).is_ok());
    EXPECT_EQ(r.first_seq, 6u) << "the failed batch's seqs are free again";
    status replayed;
    Seqs all = seqs(1, kAll, kAll, &replayed);
    EXPECT_TRUE(replayed.is_ok()) << replayed.to_string();
    EXPECT_EQ(all, (Seqs{1, 2, 3, 4, 5, 6}));
    envelope sixth;
    ASSERT_TRUE(log_->get(6, &sixth).is_ok());
    EXPECT_EQ(sixth.key, more[0].key) << "seq 6 is the new event, not the failed one";
    ASSERT_TRUE(reopen().is_ok());
    EXPECT_EQ(log_->highest_seq(), 6u) << "the removal was durable";

    ASSERT_NO_FATAL_FAILURE(reset_store());
    env_->fail_from(n);
    batch = events(6, 3);
    ASSERT_FALSE(log_->append(batch, &r).is_ok());
    env_->heal();
    ASSERT_TRUE(reopen().is_ok());
    const std::uint64_t head = log_->highest_seq();
    EXPECT_TRUE(head == 5 || head == 8) << "head " << head << ": all or none";
    if (n == 0) EXPECT_EQ(head, 5u) << "nothing was written";
    (head == 5 ? saw_none : saw_all) = true;
    EXPECT_EQ(seqs(1, kAll, kAll).size(), head);
  }
  // Failed appends lose the batch; a failed flush or sync on LevelDB's
  // in-memory files keeps it: the heal above removed it in those rounds.
  EXPECT_TRUE(saw_none);
  EXPECT_TRUE(saw_all);
}

TEST_F(EventLogTest, ReadersRunThroughFailuresAndReopens) {
  // Readers replay and get from other threads while appends fail and the
  // store is reopened under them: every read sees a gapless prefix or an
  // io error, never a record above the acknowledged head.
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::atomic<std::uint64_t> reads{0};
  auto reader = [&] {
    while (!stop.load()) {
      const std::uint64_t head = log_->highest_seq();
      std::uint64_t expected = 1;
      status st = log_->replay(1, kAll, kAll, [&](const envelope& e) {
        if (e.seq != expected++) ++bad;
        return true;
      });
      if (!st.is_ok() && st.error_code() != status::code::io_error) ++bad;
      if (st.is_ok() && expected - 1 < head) ++bad;
      envelope e;
      st = log_->get(head, &e);
      if (!st.is_ok() && st.error_code() != status::code::io_error) ++bad;
      ++reads;
    }
  };
  std::thread r1(reader), r2(reader);
  std::uint64_t acknowledged = 5;
  for (int round = 0; round < 40; ++round) {
    env_->fail_from(round % 3);
    std::vector<envelope> batch = events(10 + round, 2);
    append_result r;
    if (log_->append(batch, &r).is_ok()) acknowledged += 2;
    env_->heal();
    batch = events(100 + round, 1);
    ASSERT_TRUE(log_->append(batch, &r).is_ok()) << "round " << round;
    acknowledged += 1;
    EXPECT_EQ(r.last_seq, acknowledged);
  }
  stop = true;
  r1.join();
  r2.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(seqs(1, kAll, kAll).size(), acknowledged);
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
    root_ = linkly::testing::make_temp_dir("linkly_event_log");
    ASSERT_FALSE(root_.empty());
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
  number_appended(&batch, r);
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
