// Finding what LevelDB's recovery drops from a log's .log files without
// opening the store (leveldb_log_scan), copying a store to look at it
// (store_copy), and writing records at given seqs (log_backfill).

#include "schemas/link_events.hpp"
#include "schemas/log_events.hpp"
#include "storage/event_log.hpp"
#include "storage/leveldb_log_scan.hpp"
#include "storage/log_backfill.hpp"
#include "storage/store_copy.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace fs = std::filesystem;

class LogDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = linkly::testing::make_temp_dir("log-damage");
    ASSERT_FALSE(root_.empty());
    dir_ = root_ + "/links";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // `batches` appends of `per_batch` links each; the log is closed after.
  void append(int batches, int per_batch, bool batch_records = false) {
    log_options opts;
    opts.batch_records = batch_records;
    std::unique_ptr<event_log> log;
    ASSERT_TRUE(event_log::open(dir_, opts, &log));
    for (int b = 0; b < batches; ++b) {
      std::vector<envelope> events;
      for (int i = 0; i < per_batch; ++i) {
        const std::string code = "c" + std::to_string(b) + "_" + std::to_string(i);
        events.push_back(make_envelope(link_created{code, "https://example.com/" + code}, 1));
      }
      append_result result;
      ASSERT_TRUE(log->append(events, &result));
    }
  }

  std::string newest_log() const {
    std::string newest;
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (e.path().extension() == ".log" && name > fs::path(newest).filename().string()) {
        newest = e.path().string();
      }
    }
    return newest;
  }

  void flip(const std::string& path, std::uint64_t offset) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(offset));
    char c = 0;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(offset));
    f.put(static_cast<char>(c ^ 0x5a));
  }

  std::uint64_t reopened_head(bool paranoid) {
    log_options opts;
    opts.create_if_missing = false;
    opts.paranoid_checks = paranoid;
    std::unique_ptr<event_log> log;
    status st = event_log::open(dir_, opts, &log);
    if (!st) return static_cast<std::uint64_t>(-1);
    return log->highest_seq();
  }

  std::string root_;
  std::string dir_;
};

TEST_F(LogDamageTest, AnIntactLogDropsNothing) {
  append(10, 3);
  log_files_scan scan;
  ASSERT_TRUE(scan_log_files(dir_, &scan));
  EXPECT_FALSE(scan.damaged());
  EXPECT_EQ(scan.batches, 10u);
  EXPECT_EQ(scan.last_intact_seq, 30u);
}

TEST_F(LogDamageTest, AMissingDirectoryHoldsNoLogs) {
  log_files_scan scan;
  ASSERT_TRUE(scan_log_files(root_ + "/none", &scan));
  EXPECT_TRUE(scan.files.empty());
}

TEST_F(LogDamageTest, ATornTailNamesTheSeqsOfItsBatch) {
  append(10, 3);
  const std::string log = newest_log();
  fs::resize_file(log, fs::file_size(log) - 5);
  log_files_scan scan;
  ASSERT_TRUE(scan_log_files(dir_, &scan));
  ASSERT_EQ(scan.dropped.size(), 1u);
  const dropped_region& r = scan.dropped.front();
  EXPECT_TRUE(r.torn_tail);
  EXPECT_FALSE(scan.corrupt());
  EXPECT_EQ(r.first_seq, 28u);
  EXPECT_EQ(r.last_seq, 30u);
  EXPECT_EQ(scan.last_intact_seq, 27u);
  EXPECT_NE(describe(r).find("seqs 28-30"), std::string::npos) << describe(r);
  // And LevelDB does drop it, paranoid or not (a crash mid-write).
  EXPECT_EQ(reopened_head(true), 27u);
}

TEST_F(LogDamageTest, ATornBatchRecordNamesEverySeqItHeld) {
  append(10, 30, /*batch_records=*/true);  // as the clicks log: a record per append
  log_files_scan intact;
  ASSERT_TRUE(scan_log_files(dir_, &intact));
  EXPECT_FALSE(intact.damaged());
  EXPECT_EQ(intact.last_intact_seq, 300u);
  const std::string log = newest_log();
  fs::resize_file(log, fs::file_size(log) - 5);
  log_files_scan scan;
  ASSERT_TRUE(scan_log_files(dir_, &scan));
  ASSERT_EQ(scan.dropped.size(), 1u);
  const dropped_region& r = scan.dropped.front();
  EXPECT_TRUE(r.torn_tail);
  EXPECT_EQ(r.first_seq, 271u);
  EXPECT_EQ(r.last_seq, 300u);
  EXPECT_EQ(scan.last_intact_seq, 270u);
  EXPECT_EQ(reopened_head(true), 270u);
}

TEST_F(LogDamageTest, ATornTailBeforeEmptyNewerLogsIsStillATornTail) {
  // A reopen that failed half way (a full disk) leaves an empty newer log
  // after the one a failed write tore.
  append(10, 3);
  const std::string log = newest_log();
  fs::resize_file(log, fs::file_size(log) - 5);
  const fs::path torn(log);
  const std::uint64_t number = std::stoull(torn.stem().string());
  char name[32];
  std::snprintf(name, sizeof name, "%06llu.log", static_cast<unsigned long long>(number + 3));
  std::ofstream(dir_ + "/" + name).close();
  log_files_scan scan;
  ASSERT_TRUE(scan_log_files(dir_, &scan));
  ASSERT_EQ(scan.dropped.size(), 1u);
  EXPECT_TRUE(scan.dropped.front().torn_tail);
  EXPECT_FALSE(scan.corrupt());
}

TEST_F(LogDamageTest, AFlippedByteDropsTheRestOfItsBlockAndNamesIt) {
  append(10, 3);
  const std::string log = newest_log();
  const auto size = fs::file_size(log);
  flip(log, size / 2);
  log_files_scan scan;
  ASSERT_TRUE(scan_log_files(dir_, &scan));
  ASSERT_EQ(scan.dropped.size(), 1u);
  const dropped_region& r = scan.dropped.front();
  EXPECT_FALSE(r.torn_tail);
  EXPECT_TRUE(scan.corrupt());
  EXPECT_EQ(r.reason, "checksum mismatch");
  EXPECT_EQ(r.last_seq, 30u);
  EXPECT_EQ(r.first_seq, scan.last_intact_seq + 1);
  EXPECT_EQ(r.offset + r.bytes, size);  // the rest of the (only) block
  // The scan changed nothing: a paranoid open refuses, a plain one drops.
  EXPECT_EQ(reopened_head(true), static_cast<std::uint64_t>(-1));
  EXPECT_EQ(reopened_head(false), scan.last_intact_seq);
  // LevelDB's own log of that open says the same.
  const auto notes = leveldb_recovery_notes(dir_);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes.front().find("dropping " + std::to_string(r.bytes) + " bytes"), std::string::npos)
      << notes.front();
}

TEST_F(LogDamageTest, ACopyIsOpenedWithoutTouchingTheOriginal) {
  append(4, 2);
  const std::string log = newest_log();
  fs::resize_file(log, fs::file_size(log) - 3);
  const auto size = fs::file_size(log);
  std::string copy_dir;
  {
    store_copy copy;
    ASSERT_TRUE(copy.make(dir_));
    copy_dir = copy.dir();
    log_options opts;
    opts.create_if_missing = false;
    std::unique_ptr<event_log> opened;
    ASSERT_TRUE(event_log::open(copy.dir(), opts, &opened));
    EXPECT_EQ(opened->highest_seq(), 6u);
  }
  EXPECT_FALSE(fs::exists(copy_dir));
  EXPECT_EQ(newest_log(), log);
  EXPECT_EQ(fs::file_size(log), size);
}

TEST_F(LogDamageTest, ACopyOfAStoreInUseIsBusy) {
  append(1, 1);
  std::unique_ptr<event_log> log;
  ASSERT_TRUE(event_log::open(dir_, {}, &log));
  store_copy copy;
  status st = copy.make(dir_);
  EXPECT_TRUE(st.is_busy()) << st.to_string();
}

TEST_F(LogDamageTest, BackfillWritesMarkersBelowAndAboveTheHead) {
  append(1, 3);
  std::vector<envelope> markers;
  for (std::uint64_t seq : {4, 5}) {
    envelope env = make_records_lost_envelope({4, 5, "test"}, 7);
    env.seq = seq;
    markers.push_back(env);
  }
  ASSERT_TRUE(backfill_log(dir_, markers));
  std::unique_ptr<event_log> log;
  ASSERT_TRUE(event_log::open(dir_, {}, &log));
  EXPECT_EQ(log->highest_seq(), 5u);
  envelope got;
  ASSERT_TRUE(log->get(5, &got));
  records_lost marker;
  ASSERT_TRUE(decode_records_lost(got, &marker));
  EXPECT_EQ(marker, (records_lost{4, 5, "test"}));
  // The next append goes after the markers: no seq is given twice.
  std::vector<envelope> more{make_envelope(link_created{"n", "https://example.com/n"}, 8)};
  append_result result;
  ASSERT_TRUE(log->append(more, &result));
  EXPECT_EQ(result.first_seq, 6u);
}

TEST_F(LogDamageTest, GarbageBytesNeverCrashTheScanner) {
  // Every truncation and one flipped byte at every offset of a small log.
  append(3, 2);
  std::ifstream in(newest_log(), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(bytes.empty());
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    log_files_scan scan;
    scan_log_bytes("000001.log", bytes.substr(0, cut), true, &scan);
    EXPECT_FALSE(scan.corrupt()) << "cut at " << cut;  // a shorter file is only torn
  }
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x80);
    log_files_scan scan;
    scan_log_bytes("000001.log", damaged, true, &scan);
    EXPECT_TRUE(scan.damaged()) << "flip at " << at;
  }
}

}  // namespace
}  // namespace linkly
