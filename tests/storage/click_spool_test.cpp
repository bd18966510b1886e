// click_spool on a real directory: appending, marking, sealed segments going
// away once done, and recovery of what a killed process left (pending,
// marked and in the log, marked but not in the log, finished, damaged).
// A "kill" here is dropping the spool without marking its clicks done: the
// segment files stay exactly as a killed process leaves them.

#include "storage/click_spool.hpp"
#include "schemas/click_events.hpp"
#include "storage/event_log.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace linkly {
namespace {

namespace fs = std::filesystem;

envelope click(int i, std::int64_t at_ms = 1'700'000'000'000) {
  click_recorded c;
  c.code = "code" + std::to_string(i % 3);
  c.clicked_at_ms = at_ms;  // twins: same code and time
  c.link_version = 1;
  c.url = "https://example.com/" + std::to_string(i % 3);
  return make_click_envelope(c);
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

class ClickSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = linkly::testing::make_temp_dir("click-spool");
    ASSERT_FALSE(root_.empty());
    spool_dir_ = root_ + "/spool";
    open_log();
  }
  void TearDown() override {
    log_.reset();
    fs::remove_all(root_);
  }

  void open_log() {
    log_.reset();
    ASSERT_TRUE(event_log::open(root_ + "/clicks", {}, &log_));
  }
  std::shared_ptr<click_spool> open_spool(std::size_t segment_bytes = kSpoolSegmentBytes,
                                          bool background = false) {
    spool_options opts;
    opts.segment_bytes = segment_bytes;
    opts.background_files = background;  // synchronous unless a test says so
    opts.recovery_batch = 4;             // several batches in the larger cases
    std::shared_ptr<click_spool> spool;
    EXPECT_TRUE(click_spool::open(spool_dir_, opts, &spool));
    return spool;
  }
  // Spools n twins, as an io thread does, and returns them with their slots.
  std::vector<envelope> spool_clicks(click_spool::writer& w, int n) {
    std::vector<envelope> out;
    for (int i = 0; i < n; ++i) {
      envelope e = click(i);
      EXPECT_TRUE(w.append(e));
      EXPECT_NE(e.spool_slot, 0u);
      out.push_back(e);
    }
    return out;
  }
  // Appends as the click queue's writer does: marked before the write.
  void write_marked(click_spool& spool, std::vector<envelope>& batch) {
    before_write_hook hook = [&spool](const std::vector<envelope>& b, std::uint64_t first_seq) {
      spool.mark(b, first_seq);
    };
    append_result r;
    ASSERT_TRUE(log_->append(batch, &r, &hook));
  }
  spool_recovery recover() {
    auto spool = open_spool();
    spool_recovery rec;
    status st = spool->recover(*log_, &rec);
    EXPECT_TRUE(st) << st.to_string();
    EXPECT_EQ(spool->live_segments(), 0u);
    return rec;
  }
  std::vector<envelope> logged() {
    std::vector<envelope> out;
    EXPECT_TRUE(log_->read(1, event_log::kNoLimit, event_log::kNoLimit, &out));
    return out;
  }

  std::string root_;
  std::string spool_dir_;
  std::unique_ptr<event_log> log_;
};

TEST_F(ClickSpoolTest, PendingClicksAreWrittenAtRecoveryAndTheSegmentsGo) {
  std::vector<envelope> spooled;
  {
    auto spool = open_spool();
    click_spool::writer w(spool);
    spooled = spool_clicks(w, 10);
  }  // killed: nothing was written
  ASSERT_EQ(files_in(spool_dir_).size(), 1u);

  spool_recovery rec = recover();
  EXPECT_EQ(rec.segments, 1u);
  EXPECT_EQ(rec.pending, 10u);
  EXPECT_EQ(rec.already_logged, 0u);
  EXPECT_EQ(rec.damaged, 0u);
  std::vector<envelope> in_log = logged();
  ASSERT_EQ(in_log.size(), 10u);
  for (std::size_t i = 0; i < in_log.size(); ++i) {
    spooled[i].seq = in_log[i].seq;
    EXPECT_EQ(in_log[i], spooled[i]) << i;
  }
  EXPECT_TRUE(files_in(spool_dir_).empty());
  // Nothing left: a second start writes nothing.
  EXPECT_EQ(recover().pending, 0u);
  EXPECT_EQ(log_->highest_seq(), 10u);
}

TEST_F(ClickSpoolTest, MarkedClicksTheLogHoldsAreNotWrittenTwiceEvenAmongTwins) {
  {
    auto spool = open_spool();
    click_spool::writer w(spool);
    std::vector<envelope> first = spool_clicks(w, 6);
    std::vector<envelope> second = spool_clicks(w, 6);  // identical twins of the first
    write_marked(*spool, first);
    // Killed after the write, before done(): the second batch is pending.
  }
  spool_recovery rec = recover();
  EXPECT_EQ(rec.already_logged, 6u);
  EXPECT_EQ(rec.pending, 6u);
  EXPECT_EQ(log_->highest_seq(), 12u);
}

TEST_F(ClickSpoolTest, AMarkTheLogDoesNotBackIsPending) {
  {
    auto spool = open_spool();
    click_spool::writer w(spool);
    std::vector<envelope> batch = spool_clicks(w, 2);
    // A write that was marked, then lost (rolled back): seq 1 now holds
    // another click, and seq 2 is beyond the head.
    spool->mark(batch, 1);
    std::vector<envelope> other{click(7, 42)};
    append_result r;
    ASSERT_TRUE(log_->append(other, &r));
  }
  spool_recovery rec = recover();
  EXPECT_EQ(rec.pending, 2u);
  EXPECT_EQ(rec.already_logged, 0u);
  EXPECT_EQ(log_->highest_seq(), 3u);
}

TEST_F(ClickSpoolTest, MarksAboveTheHeadStayPendingWhenRecoveryReusesTheirSeqs) {
  {
    auto spool = open_spool();
    click_spool::writer w(spool);
    // Eight unmarked twins first, then four marked 1..4 by a write the kill
    // interrupted (the log is empty). Recovery writes in batches of four, so
    // its first batch lands at seqs 1..4 with clicks identical to the marked
    // ones: they must still be written, not taken for already logged.
    spool_clicks(w, 8);
    std::vector<envelope> interrupted = spool_clicks(w, 4);
    spool->mark(interrupted, 1);
  }
  spool_recovery rec = recover();
  EXPECT_EQ(rec.pending, 12u);
  EXPECT_EQ(rec.already_logged, 0u);
  EXPECT_EQ(log_->highest_seq(), 12u);
}

TEST_F(ClickSpoolTest, AClearedMarkAfterAFailedWriteIsPending) {
  {
    auto spool = open_spool();
    click_spool::writer w(spool);
    std::vector<envelope> batch = spool_clicks(w, 3);
    write_marked(*spool, batch);
    // The log calls the hook again with seq 0 when its write fails.
    spool->mark(batch, 0);
  }
  spool_recovery rec = recover();
  EXPECT_EQ(rec.pending, 3u);
  EXPECT_EQ(log_->highest_seq(), 6u);
}

TEST_F(ClickSpoolTest, ClicksFinishedWithoutTheLogAreNotWritten) {
  {
    auto spool = open_spool();
    click_spool::writer w(spool);
    std::vector<envelope> batch = spool_clicks(w, 5);
    spool->finish_unlogged(batch.data(), 2);  // shed or parked
  }
  spool_recovery rec = recover();
  EXPECT_EQ(rec.finished, 2u);
  EXPECT_EQ(rec.pending, 3u);
  EXPECT_EQ(log_->highest_seq(), 3u);
}

TEST_F(ClickSpoolTest, SealedSegmentsAreDeletedOnceEveryClickIsDone) {
  auto spool = open_spool(8192);  // a few dozen clicks a segment
  click_spool::writer w(spool);
  std::vector<envelope> batch = spool_clicks(w, 400);
  const std::size_t segments = files_in(spool_dir_).size();
  ASSERT_GT(segments, 3u);
  EXPECT_EQ(spool->live_segments(), segments);

  write_marked(*spool, batch);
  spool->done(batch);
  spool->done(batch);  // a second done() of the same clicks changes nothing
  // Only the open segment is left, and it goes when sealed.
  EXPECT_EQ(spool->live_segments(), 1u);
  EXPECT_EQ(files_in(spool_dir_).size(), 1u);
  w.seal();
  EXPECT_EQ(spool->live_segments(), 0u);
  EXPECT_TRUE(files_in(spool_dir_).empty());
  EXPECT_EQ(log_->highest_seq(), 400u);
}

TEST_F(ClickSpoolTest, TheBackgroundThreadMakesSparesAndDeletesFinishedSegments) {
  auto spool = open_spool(8192, /*background=*/true);
  {
    click_spool::writer w(spool);
    // A spare is made for the writer before it needs one (its file exists
    // a moment before it is handed over: awaited as a spare).
    ASSERT_TRUE(linkly::testing::eventually([&] { return spool->spare_segments() == 1; },
                                            std::chrono::seconds(10)));
    ASSERT_EQ(files_in(spool_dir_).size(), 1u);
    envelope first = click(0);
    ASSERT_TRUE(w.append(first));
    EXPECT_EQ(first.spool_slot >> 32, 1u) << "the spare, segment 1, is taken";

    std::vector<envelope> batch = spool_clicks(w, 400);
    batch.push_back(first);
    write_marked(*spool, batch);
    spool->done(batch);
  }
  spool.reset();  // joins the thread: finished segments and spares are gone
  EXPECT_TRUE(files_in(spool_dir_).empty());
  EXPECT_EQ(log_->highest_seq(), 401u);
}

std::set<ino_t> segment_inodes(const std::string& dir) {
  std::set<ino_t> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    struct stat st {};
    if (::stat(e.path().c_str(), &st) == 0) out.insert(st.st_ino);
  }
  return out;
}

TEST_F(ClickSpoolTest, FinishedSegmentsComeBackAsSparesHoldingOnlyTheirNewClicks) {
  std::vector<envelope> first;
  {
    auto spool = open_spool(8192, /*background=*/true);
    click_spool::writer w(spool);
    first = spool_clicks(w, 400);  // a dozen segments, each a few dozen clicks
    // The writer's next spare made (as at the start): then no file is made.
    ASSERT_TRUE(linkly::testing::eventually([&] { return spool->spare_segments() == 1; },
                                            std::chrono::seconds(10)));
    const std::set<ino_t> made = segment_inodes(spool_dir_);
    ASSERT_GT(made.size(), 3u);
    write_marked(*spool, first);
    spool->done(first);
    w.seal();  // every segment finished
    // Two spares for the one writer, and no file made for them: finished
    // segments, zeroed and renamed, the rest deleted.
    ASSERT_TRUE(linkly::testing::eventually([&] { return spool->spare_segments() == 2; },
                                            std::chrono::seconds(10)));
    const std::set<ino_t> now = segment_inodes(spool_dir_);
    EXPECT_EQ(now.size(), 2u);
    for (ino_t ino : now) EXPECT_EQ(made.count(ino), 1u) << "a new file was made";
    // Killed while spooling into the recycled spares: nothing was written.
    spool_clicks(w, 60);
  }
  spool_recovery rec = recover();
  // Only the new clicks: none of the old records a recycled segment held
  // (in the log, so they would be counted as already logged) is read.
  EXPECT_EQ(rec.pending, 60u);
  EXPECT_EQ(rec.already_logged, 0u);
  EXPECT_EQ(rec.damaged, 0u);
  EXPECT_EQ(log_->highest_seq(), 460u);
  EXPECT_TRUE(files_in(spool_dir_).empty());
}

TEST_F(ClickSpoolTest, ADamagedRecordIsCountedAndItsSegmentKept) {
  std::vector<envelope> spooled;
  {
    auto spool = open_spool();
    click_spool::writer w(spool);
    spooled = spool_clicks(w, 3);
  }
  // Flip a byte inside the second record's bytes (its offset is in its slot).
  const std::string seg = spool_dir_ + "/" + files_in(spool_dir_).at(0);
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    const auto offset = static_cast<std::streamoff>(spooled[1].spool_slot & 0xffffffffu) + 16 + 10;
    f.seekg(offset);
    char b = 0;
    f.read(&b, 1);
    b = static_cast<char>(b ^ 0x40);
    f.seekp(offset);
    f.write(&b, 1);
  }
  spool_recovery rec = recover();
  EXPECT_EQ(rec.damaged, 1u);
  EXPECT_EQ(rec.pending, 2u);  // the records around it are read
  ASSERT_EQ(rec.kept.size(), 1u);
  EXPECT_EQ(rec.kept[0], seg + ".damaged");
  EXPECT_TRUE(fs::exists(seg + ".damaged"));
  // A kept segment is not read again, and new segments get new names.
  EXPECT_EQ(recover().pending, 0u);
  auto spool = open_spool();
  spool_recovery again;
  ASSERT_TRUE(spool->recover(*log_, &again));
  click_spool::writer w(spool);
  envelope e = click(1);
  ASSERT_TRUE(w.append(e));
  EXPECT_EQ(files_in(spool_dir_).size(), 2u);
}

TEST_F(ClickSpoolTest, ASegmentThatIsNotASpoolIsDamage) {
  fs::create_directories(spool_dir_);
  std::ofstream(spool_dir_ + "/0000000009.seg") << "not a spool segment";
  spool_recovery rec = recover();
  EXPECT_EQ(rec.damaged, 1u);
  EXPECT_EQ(rec.pending, 0u);
  EXPECT_TRUE(fs::exists(spool_dir_ + "/0000000009.seg.damaged"));
}

TEST_F(ClickSpoolTest, ASegmentBeingMadeAtTheKillIsNotDamage) {
  fs::create_directories(spool_dir_);
  std::ofstream(spool_dir_ + "/0000000003.seg");  // created, not yet sized
  std::ofstream(spool_dir_ + "/0000000004.seg");
  fs::resize_file(spool_dir_ + "/0000000004.seg", 8192);  // sized, no header yet
  spool_recovery rec = recover();
  EXPECT_EQ(rec.damaged, 0u);
  EXPECT_EQ(rec.pending, 0u);
  EXPECT_TRUE(files_in(spool_dir_).empty());
}

}  // namespace
}  // namespace linkly
