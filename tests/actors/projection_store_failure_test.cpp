// A projection whose snapshots (or dead letters) cannot be written. A
// snapshot that fails keeps the state in memory: the projection goes on
// applying, reports the failure, and writes the snapshot once space is back.
// A park that fails is not the event's fault: nothing is parked or skipped,
// the runner waits and retries. An event is parked once, whatever fails.

#include "actors/analytics_projection.hpp"
#include "actors/click_service.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_runner.hpp"
#include "actors/projection_status.hpp"
#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/snapshot_file.hpp"
#include "tests/actors/engine_fixture.hpp"
#include "tests/storage/event_log_fixture.hpp"
#include "tests/support/store_contents.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

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
    // A snapshot after every step: each one meets the disk as it is.
    options_.projections.snapshot_events = 1;
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
    ASSERT_TRUE(projection_store::open(dir_ + "/analytics", po,
                                       std::make_unique<analytics_projection>(), &store));
    stores_.analytics = std::move(store);
    click_stores clicks{stores_.clicks_log, stores_.dead_letters, nullptr};
    status st = engine::start(
        options_, links_, clicks, stores_, [](const std::string&) {}, &engine_);
    ASSERT_TRUE(st) << st.to_string();
  }

  static envelope click(const std::string& code) {
    click_recorded c;
    c.code = code;
    c.clicked_at_ms = now_utc_ms();
    c.country = "NL";
    c.referrer = "https://ref.example/page";
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

  // The snapshot on disk, read beside the running store (reads take no lock).
  snapshot on_disk() {
    snapshot snap;
    status st = read_snapshot_file(nullptr, dir_ + "/analytics/snapshot", &snap);
    EXPECT_TRUE(st) << st.to_string();
    return snap;
  }

  // The state a snapshot holds, as entries.
  static std::map<std::string, std::string> contents_of(const snapshot& snap) {
    analytics_projection proj;
    EXPECT_EQ(snap.body_version, proj.snapshot_version());
    status st = proj.load(snap.body);
    EXPECT_TRUE(st) << st.to_string();
    return projection_contents(proj);
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
    ASSERT_TRUE(projection_store::open(dir_ + "/rebuilt", {},
                                       std::make_unique<analytics_projection>(), &fresh));
    std::uint64_t applied = 0;
    ASSERT_TRUE(replay_projection(*fresh, *links_, stores_.clicks_log.get(), kToHead, kToHead,
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

TEST_F(ProjectionStoreFailureTest, FullDiskKeepsApplyingInMemoryReportsItAndSnapshotsWhenFreed) {
  ASSERT_NO_FATAL_FAILURE(start());
  for (const char* code : {"a", "b"}) {
    ASSERT_EQ(create_and_wait(engine_->links(), code, "https://example.com").code,
              command_errc::ok);
  }
  append_clicks({click("a"), click("a"), click("b")});
  ASSERT_TRUE(eventually(
      [&] { return lag() == 0 && clicks_of("a") == 2 && stores_.analytics->unsaved() == 0; }));
  const std::uint64_t applied_before = analytics().applied;
  EXPECT_TRUE(analytics().store_error.empty());
  const snapshot before = on_disk();
  EXPECT_EQ(before.checkpoints.at(std::string(kClicksLog)), 3u);

  store_env_.fill();
  for (int i = 0; i < 4; ++i) append_clicks({click("a"), click("b")});
  ASSERT_EQ(create_and_wait(engine_->links(), "c", "https://example.com").code, command_errc::ok);
  // Applied all the same: the state is in memory.
  ASSERT_TRUE(eventually([&] { return lag() == 0 && clicks_of("a") == 6; }));
  ASSERT_TRUE(eventually([&] { return analytics().store_errors >= kStoreFailuresSeen; }));
  projection_status s = analytics();
  EXPECT_NE(s.store_error.find("No space left"), std::string::npos) << s.store_error;
  EXPECT_EQ(s.parked, 0u);
  EXPECT_EQ(s.retries, 0u) << "a failed snapshot is not the events'";
  EXPECT_EQ(stores_.dead_letters->size(), 0u);
  status health = stores_.analytics->health();
  EXPECT_EQ(health.error_code(), status::code::io_error) << health.to_string();
  EXPECT_EQ(stores_.analytics->unsaved(), 9u) << "8 clicks and 1 create outside a snapshot";
  const snapshot during = on_disk();
  EXPECT_EQ(during.checkpoints, before.checkpoints) << "the last snapshot stays whole";
  EXPECT_EQ(during.body, before.body);

  store_env_.free_space();
  ASSERT_TRUE(eventually(
      [&] { return analytics().store_error.empty() && stores_.analytics->unsaved() == 0; },
      std::chrono::seconds(10)));
  EXPECT_TRUE(stores_.analytics->health());
  s = analytics();
  EXPECT_EQ(s.applied - applied_before, 9u) << "each event applied once";
  EXPECT_EQ(clicks_of("a"), 6u);
  EXPECT_EQ(clicks_of("b"), 5u);
  const snapshot after = on_disk();
  EXPECT_EQ(after.checkpoints.at(std::string(kClicksLog)), 11u);
  EXPECT_EQ(after.checkpoints.at(std::string(kLinksLog)), 3u);
  EXPECT_EQ(contents_of(after), store_contents(*stores_.analytics)) << "the snapshot is the state";
  expect_equal_to_a_rebuild();
}

TEST_F(ProjectionStoreFailureTest, PoisonEventIsParkedOnceWhileSnapshotsFail) {
  ASSERT_NO_FATAL_FAILURE(start());
  store_env_.fill();
  append_clicks({click("a"), junk_click(), click("a")});
  ASSERT_TRUE(eventually([&] { return lag() == 0; }));
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u) << "the dead letters have a disk of their own";
  EXPECT_EQ(analytics().parked, 1u);
  EXPECT_EQ(clicks_of("a"), 2u);
  ASSERT_TRUE(eventually([&] { return analytics().store_errors >= kStoreFailuresSeen; }));
  EXPECT_FALSE(analytics().store_error.empty());

  store_env_.free_space();
  ASSERT_TRUE(eventually(
      [&] { return analytics().store_error.empty() && stores_.analytics->unsaved() == 0; },
      std::chrono::seconds(10)));
  EXPECT_EQ(stores_.dead_letters->size(), 1u);
  EXPECT_EQ(analytics().parked, 1u);
  EXPECT_EQ(on_disk().checkpoints.at(std::string(kClicksLog)), 3u) << "saved past the parked one";
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

TEST_F(ProjectionStoreFailureTest, AnEventParkedBeforeACrashIsNotParkedAgain) {
  // A run parked seq 2 and crashed before a snapshot took the checkpoint
  // past it: this run meets it again, unapplied.
  {
    std::unique_ptr<dead_letter_store> dlq;
    ASSERT_TRUE(dead_letter_store::open(dir_ + "/dlq", {}, &dlq));
    envelope junk = junk_click();
    junk.seq = 2;
    dead_letter entry;
    entry.queue = kQueue;
    entry.payload = encode_parked_event(junk);
    ASSERT_TRUE(dlq->put(&entry));
  }
  ASSERT_NO_FATAL_FAILURE(start());
  append_clicks({click("a"), junk_click(), click("a")});
  ASSERT_TRUE(eventually([&] { return lag() == 0; }));
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u) << "parked once";
  EXPECT_EQ(analytics().parked, 1u);
  EXPECT_EQ(analytics().retries, options_.projections.max_retries - 1) << "it did fail again";
  EXPECT_EQ(clicks_of("a"), 2u);
}

TEST_F(ProjectionStoreFailureTest, ARedriveWhoseSnapshotFailsKeepsItsDeadLetterAndAppliesOnce) {
  ASSERT_NO_FATAL_FAILURE(start());
  // A good click parked by hand, as a projection would park it.
  envelope good = click("a");
  append_clicks({good});
  ASSERT_TRUE(eventually([&] { return lag() == 0 && clicks_of("a") == 1; }));
  good.seq = 1;
  dead_letter entry;
  entry.queue = kQueue;
  entry.payload = encode_parked_event(good);
  ASSERT_TRUE(stores_.dead_letters->put(&entry));

  auto redrive = [&] {
    pending<redrive_reply> p;
    engine_->clicks()->redrive(entry.id, p.callback());
    redrive_reply reply = p.get({});
    EXPECT_TRUE(reply.ok()) << reply.error;
  };
  store_env_.fill();
  redrive();
  // Applied in memory, but not erased: no snapshot holds it yet.
  ASSERT_TRUE(eventually([&] { return clicks_of("a") == 2; }));
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u);
  redrive();  // an operator trying again while the disk is still full
  // A later event through the same mailbox: the second redrive is done.
  append_clicks({click("b")});
  ASSERT_TRUE(eventually([&] { return clicks_of("b") == 1; }));
  EXPECT_EQ(stores_.dead_letters->size(kQueue), 1u);
  EXPECT_EQ(clicks_of("a"), 2u) << "a redrive that failed to save is not applied again";

  store_env_.free_space();
  redrive();
  ASSERT_TRUE(eventually([&] { return stores_.dead_letters->size() == 0; }));
  EXPECT_EQ(clicks_of("a"), 2u) << "applied once across three redrives";
  EXPECT_EQ(contents_of(on_disk()).at("tot/a"), "2") << "saved before it was erased";
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

// The store alone, on a disk that fills up.
class ProjectionStoreHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    log_options lo;
    lo.sync = false;
    ASSERT_TRUE(event_log::open(dir_ + "/clicks", lo, &clicks_));
  }
  void TearDown() override {
    clicks_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void append(const std::string& code, int n) {
    std::vector<envelope> batch;
    for (int i = 0; i < n; ++i) {
      click_recorded c;
      c.code = code;
      c.clicked_at_ms = now_utc_ms();
      batch.push_back(make_click_envelope(c));
    }
    append_result r;
    ASSERT_TRUE(clicks_->append(batch, &r));
  }

  std::unique_ptr<projection_store> open_store(leveldb::Env* env) {
    projection_store_options po;
    po.env = env;
    std::unique_ptr<projection_store> store;
    status st = projection_store::open(dir_ + "/analytics", po,
                                       std::make_unique<analytics_projection>(), &store);
    EXPECT_TRUE(st) << st.to_string();
    return store;
  }

  std::uint64_t total(const projection_store& store, const std::string& code) {
    analytics_reader reader(store, *clicks_, clicks_.get());
    std::uint64_t n = 0;
    EXPECT_TRUE(reader.total_clicks(code, &n));
    return n;
  }

  std::string dir_;
  std::unique_ptr<event_log> clicks_;
};

TEST_F(ProjectionStoreHealth, AFailedSnapshotKeepsTheStateInMemoryAndTheOldSnapshotOnDisk) {
  full_disk_env env;
  auto store = open_store(&env);
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(append("a", 3));
  step_result r;
  ASSERT_TRUE(apply_step(*store, kClicksLog, *clicks_, kToHead, 100, &r));
  ASSERT_TRUE(store->save());

  env.fill();
  ASSERT_NO_FATAL_FAILURE(append("a", 2));
  ASSERT_TRUE(apply_step(*store, kClicksLog, *clicks_, kToHead, 100, &r))
      << "applying needs no disk";
  EXPECT_TRUE(r.event_error.is_ok()) << "not blamed on seq " << r.failed.seq;
  EXPECT_EQ(r.applied, 2u);
  status st = store->save();
  EXPECT_EQ(st.error_code(), status::code::io_error) << st.to_string();
  EXPECT_NE(st.message().find("No space left"), std::string::npos) << st.to_string();
  EXPECT_EQ(store->health().to_string(), st.to_string());
  EXPECT_EQ(store->unsaved(), 2u) << "still to be saved";
  EXPECT_EQ(store->checkpoint(kClicksLog), 5u);
  EXPECT_EQ(total(*store, "a"), 5u) << "reads go on during the outage";
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/analytics/snapshot.tmp"));

  ASSERT_NO_FATAL_FAILURE(append("a", 1));  // and so does applying
  ASSERT_TRUE(apply_step(*store, kClicksLog, *clicks_, kToHead, 100, &r));
  EXPECT_EQ(total(*store, "a"), 6u);
  EXPECT_FALSE(store->save()) << "retried, still full";
  EXPECT_FALSE(store->health());

  env.free_space();
  ASSERT_TRUE(store->save());
  EXPECT_TRUE(store->health());
  EXPECT_EQ(store->unsaved(), 0u);
  const auto contents = store_contents(*store);
  store.reset();
  store = open_store(&env);
  EXPECT_EQ(store->checkpoint(kClicksLog), 6u);
  EXPECT_EQ(store_contents(*store), contents);
}

TEST_F(ProjectionStoreHealth, AWriteThatFailsHalfwayLeavesTheLastSnapshotWhole) {
  std::unique_ptr<leveldb::Env> mem(leveldb::NewMemEnv(leveldb::Env::Default()));
  linkly_test::faulty_env env(mem.get());
  projection_store_options po;
  po.env = &env;
  std::unique_ptr<projection_store> store;
  ASSERT_TRUE(projection_store::open("/mem/analytics", po, std::make_unique<analytics_projection>(),
                                     &store));
  ASSERT_NO_FATAL_FAILURE(append("a", 4));
  step_result r;
  ASSERT_TRUE(apply_step(*store, kClicksLog, *clicks_, 3, 100, &r));
  ASSERT_TRUE(store->save());
  std::string good;
  ASSERT_TRUE(leveldb::ReadFileToString(mem.get(), "/mem/analytics/snapshot", &good).ok());

  // Each write of the next snapshot in turn fails: the head, the body, the
  // checksum, the sync.
  ASSERT_TRUE(apply_step(*store, kClicksLog, *clicks_, kToHead, 100, &r));
  for (int n = 0; n < 4; ++n) {
    SCOPED_TRACE("failing write " + std::to_string(n));
    env.fail_every_file(true);
    env.fail_from(n);
    EXPECT_FALSE(store->save());
    env.heal();
    std::string now;
    ASSERT_TRUE(leveldb::ReadFileToString(mem.get(), "/mem/analytics/snapshot", &now).ok());
    EXPECT_EQ(now, good);
    EXPECT_FALSE(mem->FileExists("/mem/analytics/snapshot.tmp")) << "removed after the failure";
    EXPECT_EQ(store->unsaved(), 2u);
  }
  EXPECT_GT(env.failures(), 0);
  ASSERT_TRUE(store->save());
  store.reset();
  ASSERT_TRUE(projection_store::open("/mem/analytics", po, std::make_unique<analytics_projection>(),
                                     &store));
  EXPECT_EQ(store->checkpoint(kClicksLog), 4u);
  EXPECT_EQ(total(*store, "a"), 4u);
}

}  // namespace
}  // namespace linkly::testing
