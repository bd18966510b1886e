// A projection whose store (or dead-letter store) cannot be written: the
// events are not at fault, so nothing is parked or skipped; the runner waits,
// reports the failure and its lag, and catches up exactly once space is back.
// Only an event that fails on a healthy store is parked, once.

#include "actors/analytics_projection.hpp"
#include "actors/click_service.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_runner.hpp"
#include "actors/projection_status.hpp"
#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "storage/dead_letter_store.hpp"
#include "actors/projection_store.hpp"
#include "tests/actors/engine_fixture.hpp"

#include "tests/support/store_contents.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>

#include <atomic>
#include <functional>
#include <map>

namespace linkly::testing {
namespace {

// A disk that can fill up: while full, files cannot be created and nothing
// can be written to them (as ENOSPC on a full filesystem); reads still work.
class full_disk_env : public leveldb::EnvWrapper {
 public:
  full_disk_env() : EnvWrapper(leveldb::Env::Default()) {}

  void fill() { full_ = true; }
  void free_space() { full_ = false; }
  /// Called after each successful Sync (a put of the dead-letter store syncs).
  void after_sync(std::function<void()> fn) { after_sync_ = std::move(fn); }

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
    if (full_) return no_space(name);
    return wrap(target()->NewWritableFile(name, out), out);
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override {
    if (full_) return no_space(name);
    return wrap(target()->NewAppendableFile(name, out), out);
  }

 private:
  static leveldb::Status no_space(const std::string& what) {
    return leveldb::Status::IOError(what, "No space left on device (injected)");
  }

  class file : public leveldb::WritableFile {
   public:
    file(leveldb::WritableFile* base, full_disk_env* env) : base_(base), env_(env) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      return env_->full_ ? no_space("append") : base_->Append(data);
    }
    leveldb::Status Flush() override { return env_->full_ ? no_space("flush") : base_->Flush(); }
    leveldb::Status Sync() override {
      if (env_->full_) return no_space("sync");
      leveldb::Status s = base_->Sync();
      if (s.ok() && env_->after_sync_) env_->after_sync_();
      return s;
    }
    leveldb::Status Close() override { return base_->Close(); }

   private:
    std::unique_ptr<leveldb::WritableFile> base_;
    full_disk_env* env_;
  };

  leveldb::Status wrap(leveldb::Status s, leveldb::WritableFile** out) {
    if (s.ok()) *out = new file(*out, this);
    return s;
  }

  std::atomic<bool> full_{false};
  std::function<void()> after_sync_;  // set before the stores open
};

constexpr const char* kQueue = "projection.analytics";

class ProjectionStoreFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    options_.link_shards = 2;
    options_.scheduler_threads = 2;
    options_.clicks.queue.max_wait = std::chrono::milliseconds(1);
    // Short, so a few store failures pass quickly; the store's backoff
    // doubles from it too.
    options_.projections.backoff = std::chrono::milliseconds(2);
    options_.projections.max_retries = 3;
  }

  void TearDown() override {
    if (engine_) engine_->stop();
    engine_.reset();
    stores_ = {};
    links_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void start() {
    log_options lo;
    lo.sync = false;
    std::unique_ptr<event_log> log;
    ASSERT_TRUE(event_log::open(dir_ + "/links", lo, &log));
    links_ = std::move(log);
    ASSERT_TRUE(event_log::open(dir_ + "/clicks", lo, &log));
    stores_.clicks_log = std::move(log);
    dead_letter_options dlo;
    dlo.env = &dlq_env_;
    std::unique_ptr<dead_letter_store> dlq;
    ASSERT_TRUE(dead_letter_store::open(dir_ + "/dlq", dlo, &dlq));
    stores_.dead_letters = std::move(dlq);
    projection_store_options po;
    po.env = &store_env_;
    std::unique_ptr<projection_store> store;
    ASSERT_TRUE(projection_store::open(dir_ + "/analytics", po, &store));
    stores_.analytics = std::move(store);
    click_stores clicks{stores_.clicks_log, stores_.dead_letters};
    status st = engine::start(
        options_, links_, clicks, stores_, [](const std::string&) {}, &engine_);
    ASSERT_TRUE(st) << st.to_string();
  }

  static envelope click(const std::string& code) {
    click_recorded c;
    c.code = code;
    c.clicked_at_ms = now_utc_ms();
    c.country = "NL";
    c.referrer = "https://ref.example/page";  // counting it reads the store
    return make_click_envelope(c);
  }

  static envelope junk_click() {
    envelope junk = click("a");
    junk.payload = "\x01";  // not a click: fails on any store
    return junk;
  }

  void append_clicks(std::vector<envelope> batch) {
    append_result r;
    ASSERT_TRUE(stores_.clicks_log->append(batch, &r));
  }

  projection_status analytics() {
    for (auto& s : engine_->projections()) {
      if (s.name == "analytics") return s;
    }
    ADD_FAILURE() << "no analytics projection";
    return {};
  }

  std::uint64_t lag() {
    std::uint64_t n = 0;
    for (const auto& p : analytics().positions) n += p.head - p.checkpoint;
    return n;
  }

  std::uint64_t clicks_of(const std::string& code) {
    std::uint64_t n = 0;
    EXPECT_TRUE(engine_->analytics()->total_clicks(code, &n));
    return n;
  }

  // The store's state equals a rebuild from the logs: nothing skipped or
  // applied twice.
  void expect_equal_to_a_rebuild() {
    std::unique_ptr<projection_store> fresh;
    ASSERT_TRUE(projection_store::open(dir_ + "/rebuilt", {}, &fresh));
    analytics_projection proj;
    std::uint64_t applied = 0;
    ASSERT_TRUE(replay_projection(proj, *fresh, *links_, stores_.clicks_log.get(), kToHead, kToHead,
                                  kRebuildBatchEvents, &applied));
    EXPECT_EQ(linkly::testing::store_contents(*stores_.analytics),
              linkly::testing::store_contents(*fresh));
  }

  std::string dir_;
  full_disk_env store_env_;
  full_disk_env dlq_env_;
  std::atomic<bool> armed_{false};  // fill store_env_ at the next sync of dlq_env_
  engine_options options_;
  std::shared_ptr<event_log> links_;
  projection_stores stores_;
  std::unique_ptr<engine> engine_;
};

// Retries of a full store pass quickly in these tests, but each is awaited.
constexpr std::size_t kStoreFailuresSeen = 3;

TEST_F(ProjectionStoreFailureTest, FullStoreParksNothingReportsLagAndCatchesUpExactly) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (const char* code : {"a", "b"}) {
    ASSERT_EQ(create_and_wait(engine_->links(), code, "https://example.com").code,
              command_errc::ok);
  }
  append_clicks({click("a"), click("a"), click("b")});
  ASSERT_TRUE(eventually([&] { return lag() == 0 && clicks_of("a") == 2; }));
  const std::uint64_t applied_before = analytics().applied;
  EXPECT_TRUE(analytics().store_error.empty());

  store_env_.fill();
  for (int i = 0; i < 4; ++i) append_clicks({click("a"), click("b")});
  ASSERT_EQ(create_and_wait(engine_->links(), "c", "https://example.com").code, command_errc::ok);
  ASSERT_TRUE(eventually([&] { return analytics().store_errors >= kStoreFailuresSeen; }));
  projection_status s = analytics();
  EXPECT_FALSE(s.store_error.empty());
  EXPECT_EQ(lag(), 9u) << "8 clicks and 1 create not applied";
  EXPECT_EQ(s.parked, 0u);
  EXPECT_EQ(s.retries, 0u) << "a store failure is not the event's";
  EXPECT_EQ(stores_.dead_letters->size(), 0u);

  store_env_.free_space();
  ASSERT_TRUE(eventually([&] { return lag() == 0; }, std::chrono::seconds(10)));
  s = analytics();
  EXPECT_TRUE(s.store_error.empty()) << s.store_error;
  EXPECT_EQ(s.applied - applied_before, 9u) << "each event applied once";
  EXPECT_EQ(stores_.dead_letters->size(), 0u);
  EXPECT_EQ(clicks_of("a"), 6u);
  EXPECT_EQ(clicks_of("b"), 5u);
  expect_equal_to_a_rebuild();
}

TEST_F(ProjectionStoreFailureTest, PoisonEventMeetingAFullStoreIsParkedOnceAfterSpaceIsFreed) {
  ASSERT_NO_FATAL_FAILURE(start());
  store_env_.fill();
  append_clicks({click("a"), junk_click(), click("a")});
  ASSERT_TRUE(eventually([&] { return analytics().store_errors >= kStoreFailuresSeen; }));
  EXPECT_EQ(stores_.dead_letters->size(), 0u) << "nothing parked while the store is failing";

  store_env_.free_space();
  ASSERT_TRUE(eventually([&] { return lag() == 0; }, std::chrono::seconds(10)));
  EXPECT_EQ(stores_.dead_letters->size(), 1u);
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u);
  EXPECT_EQ(analytics().parked, 1u);
  EXPECT_EQ(clicks_of("a"), 2u);
  std::vector<dead_letter> parked;
  ASSERT_TRUE(stores_.dead_letters->list(0, 10, &parked));
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_NE(parked[0].error.find("seq 2"), std::string::npos) << parked[0].error;
}

TEST_F(ProjectionStoreFailureTest, ParkThatCannotBeWrittenIsRetriedNotRepeated) {
  ASSERT_NO_FATAL_FAILURE(start());
  dlq_env_.fill();
  append_clicks({click("a"), junk_click(), click("a")});
  ASSERT_TRUE(eventually([&] { return analytics().store_errors >= kStoreFailuresSeen; }));
  EXPECT_EQ(stores_.dead_letters->size(), 0u);
  EXPECT_EQ(analytics().positions.back().checkpoint, 1u) << "not skipped without its park";
  EXPECT_FALSE(analytics().store_error.empty());

  dlq_env_.free_space();
  ASSERT_TRUE(eventually([&] { return lag() == 0; }, std::chrono::seconds(10)));
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u);
  EXPECT_EQ(analytics().parked, 1u);
  EXPECT_EQ(clicks_of("a"), 2u);
  EXPECT_TRUE(analytics().store_error.empty());
}

TEST_F(ProjectionStoreFailureTest, ParkedEventWhoseSkipFailsIsNotParkedAgain) {
  // The moment the dead letter is written, the projection's disk fills: its
  // checkpoint cannot move past the parked event (the failure observed as
  // one event parked again at every retry).
  dlq_env_.after_sync([this] {
    if (armed_.exchange(false)) store_env_.fill();
  });
  ASSERT_NO_FATAL_FAILURE(start());
  armed_ = true;  // not while the stores open
  append_clicks({click("a"), junk_click(), click("a")});
  ASSERT_TRUE(eventually([&] { return analytics().store_errors >= kStoreFailuresSeen; }));
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u);
  EXPECT_EQ(analytics().positions.back().checkpoint, 1u) << "parked, not yet skipped";

  store_env_.free_space();
  ASSERT_TRUE(eventually([&] { return lag() == 0; }, std::chrono::seconds(10)));
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u) << "parked once";
  EXPECT_EQ(analytics().parked, 1u);
  EXPECT_EQ(clicks_of("a"), 2u);
}

TEST_F(ProjectionStoreFailureTest, ParkedGaugeCountsWhatTheDeadLetterStoreHolds) {
  {
    // Parked by an earlier run.
    std::unique_ptr<dead_letter_store> dlq;
    ASSERT_TRUE(dead_letter_store::open(dir_ + "/dlq", {}, &dlq));
    for (int i = 0; i < 2; ++i) {
      dead_letter entry;
      entry.queue = kQueue;
      entry.payload = encode_parked_event(junk_click());
      ASSERT_TRUE(dlq->put(&entry));
    }
    dead_letter other;
    other.queue = "clicks";
    ASSERT_TRUE(dlq->put(&other));
  }
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(analytics().parked, 2u) << "counted from the store at start, per queue";

  append_clicks({junk_click()});
  ASSERT_TRUE(eventually([&] { return lag() == 0; }));
  EXPECT_EQ(analytics().parked, 3u);

  pending<reply_status> discarded;
  engine_->clicks()->discard(1, discarded.callback());
  reply_status discard = discarded.get(reply_status::failure(reply_code::unavailable, "no reply"));
  EXPECT_TRUE(discard.ok()) << discard.error;
  EXPECT_EQ(analytics().parked, 2u) << "a discard counts down";
  EXPECT_EQ(stores_.dead_letters->size("clicks"), 1u);
}

TEST(ProjectionStoreHealth, AReopenOnAFullDiskKeepsTheOpenStoreReadable) {
  const std::string dir = make_temp_dir();
  ASSERT_FALSE(dir.empty());
  full_disk_env env;
  projection_store_options po;
  po.env = &env;
  std::unique_ptr<projection_store> store;
  ASSERT_TRUE(projection_store::open(dir + "/analytics", po, &store));
  write_set batch;
  batch.put("k", "v");
  batch.set_checkpoint(std::string(kClicksLog), 7);
  ASSERT_TRUE(store->commit(batch));

  env.fill();
  EXPECT_FALSE(store->reopen()) << "the space probe fails first";
  std::string value;
  ASSERT_TRUE(store->get("k", &value)) << "still open: reads go on during the outage";
  EXPECT_EQ(value, "v");
  EXPECT_EQ(store->checkpoint(kClicksLog), 7u);

  env.free_space();
  ASSERT_TRUE(store->reopen());
  ASSERT_TRUE(store->get("k", &value));
  EXPECT_EQ(value, "v");
}

TEST(ProjectionStoreHealth, AnApplyOnAClosedStoreIsAStoreFailureNotTheEvents) {
  const std::string dir = make_temp_dir();
  ASSERT_FALSE(dir.empty());
  full_disk_env env;
  std::unique_ptr<event_log> clicks;
  log_options lo;
  lo.sync = false;
  ASSERT_TRUE(event_log::open(dir + "/clicks", lo, &clicks));
  click_recorded c;
  c.code = "a";
  c.clicked_at_ms = now_utc_ms();
  c.referrer = "https://ref.example/page";  // counting it reads the store
  std::vector<envelope> batch{make_click_envelope(c)};
  append_result ar;
  ASSERT_TRUE(clicks->append(batch, &ar));

  projection_store_options po;
  po.env = &env;
  po.heal_probe_bytes = 0;  // no probe: the reopen closes the store, then fails
  std::unique_ptr<projection_store> store;
  ASSERT_TRUE(projection_store::open(dir + "/analytics", po, &store));
  EXPECT_TRUE(store->health());
  env.fill();
  EXPECT_FALSE(store->reopen()) << "a full disk cannot take a new manifest";
  EXPECT_FALSE(store->health());

  analytics_projection proj;
  step_result r;
  EXPECT_FALSE(apply_step(proj, *store, kClicksLog, *clicks, kToHead, 100, &r));
  EXPECT_TRUE(r.event_error.is_ok()) << "not blamed on seq " << r.failed.seq;
  EXPECT_EQ(store->checkpoint(kClicksLog), 0u);

  env.free_space();
  ASSERT_TRUE(store->reopen());
  EXPECT_TRUE(store->health());
  ASSERT_TRUE(apply_step(proj, *store, kClicksLog, *clicks, kToHead, 100, &r));
  EXPECT_EQ(r.applied, 1u);
  EXPECT_EQ(store->checkpoint(kClicksLog), 1u);
  store.reset();
  clicks.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace linkly::testing
