// The projections running inside the engine: they follow the logs live,
// park what they cannot apply, write snapshots by count, by time and at a
// stop, and give start-up its snapshot.

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/click_service.hpp"
#include "actors/projection_runner.hpp"
#include "actors/projection_status.hpp"
#include "actors/projection_store.hpp"
#include "actors/read_view.hpp"
#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/snapshot_file.hpp"
#include "tests/actors/engine_fixture.hpp"
#include "tests/support/store_contents.hpp"

#include <gtest/gtest.h>

namespace linkly::testing {
namespace {

class ProjectionEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    options_.link_shards = 2;
    options_.scheduler_threads = 2;
    options_.clicks.queue.max_wait = std::chrono::milliseconds(1);
    options_.projections.backoff = std::chrono::milliseconds(1);
    options_.projections.max_retries = 3;
    ASSERT_NO_FATAL_FAILURE(start());
  }

  void TearDown() override {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  template <class T, class Open, class Options>
  std::shared_ptr<T> open(const std::string& name, Open open_fn, const Options& o) {
    std::unique_ptr<T> out;
    status st = open_fn(dir_ + "/" + name, o, &out);
    EXPECT_TRUE(st) << st.to_string();
    return std::shared_ptr<T>(std::move(out));
  }

  std::shared_ptr<projection_store> open_projection(const std::string& name,
                                                    std::unique_ptr<projection> proj) {
    std::unique_ptr<projection_store> out;
    status st = projection_store::open(dir_ + "/" + name, {}, std::move(proj), &out);
    EXPECT_TRUE(st) << st.to_string();
    return std::shared_ptr<projection_store>(std::move(out));
  }

  // The snapshot `name` has on disk.
  snapshot on_disk(const std::string& name) {
    snapshot snap;
    status st = read_snapshot_file(nullptr, dir_ + "/" + name + "/snapshot", &snap);
    EXPECT_TRUE(st) << st.to_string();
    return snap;
  }

  void restart() {
    stop();
    ASSERT_NO_FATAL_FAILURE(start());
  }

  void start(bool with_cache = true) {
    log_options lo;
    lo.sync = false;
    links_ = open<event_log>("links", &event_log::open, lo);
    stores_.clicks_log = open<event_log>("clicks", &event_log::open, lo);
    stores_.dead_letters =
        open<dead_letter_store>("dlq", &dead_letter_store::open, dead_letter_options{});
    stores_.cache =
        with_cache ? open_projection("cache", std::make_unique<cache_projection>()) : nullptr;
    stores_.analytics = open_projection("analytics", std::make_unique<analytics_projection>());
    click_stores clicks{stores_.clicks_log, stores_.dead_letters, nullptr};
    status st = engine::start(
        options_, links_, clicks, stores_, [](const std::string&) {}, &engine_);
    ASSERT_TRUE(st) << st.to_string();
  }

  void stop() {
    if (engine_) engine_->stop();
    engine_.reset();
    stores_ = {};
    links_.reset();
  }

  command_reply create(std::string code, std::string url) {
    return create_and_wait(engine_->links(), std::move(code), std::move(url));
  }

  command_reply update(std::string code, std::string url) {
    return update_and_wait(engine_->links(), std::move(code), std::move(url));
  }

  static envelope click(const std::string& code) {
    click_recorded c;
    c.code = code;
    c.clicked_at_ms = now_utc_ms();
    c.country = "NL";
    return make_click_envelope(c);
  }

  projection_status status_of(const std::string& name) {
    for (auto& s : engine_->projections()) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no projection " << name;
    return {};
  }

  bool caught_up(const std::string& name) {
    for (const auto& p : status_of(name).positions) {
      if (p.checkpoint != p.head) return false;
    }
    return true;
  }

  std::uint64_t clicks_of(const std::string& code) {
    std::uint64_t n = 0;
    EXPECT_TRUE(engine_->analytics()->total_clicks(code, &n));
    return n;
  }

  std::string dir_;
  engine_options options_;
  std::shared_ptr<event_log> links_;
  projection_stores stores_;
  std::unique_ptr<engine> engine_;
};

TEST_F(ProjectionEngineTest, UpdateReachesTheCacheWithinThreeSeconds) {
  ASSERT_EQ(create("demo", "https://iii.dev").code, command_errc::ok);
  ASSERT_EQ(update("demo", "https://iii.dev/updated").code, command_errc::ok);
  link_record r;
  EXPECT_TRUE(eventually(
      [&] {
        return read_cached_link(*stores_.cache, "demo", &r).is_ok() &&
               r.url == "https://iii.dev/updated";
      },
      std::chrono::seconds(3)));
  EXPECT_EQ(r.version, 2u);
  EXPECT_EQ(r.seqs.size(), 2u);
}

TEST_F(ProjectionEngineTest, ClicksAndCreatesAreCounted) {
  for (const char* code : {"a", "b", "c", "d", "e"}) {
    ASSERT_EQ(create(code, "https://example.com").code, command_errc::ok);
  }
  engine_->clicks()->submit({click("a"), click("a"), click("a"), click("b")});
  ASSERT_TRUE(eventually([&] { return caught_up("analytics") && clicks_of("a") == 3; }));
  EXPECT_EQ(clicks_of("b"), 1u);
  std::vector<daily_count> rows;
  ASSERT_TRUE(engine_->analytics()->daily(&rows));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].day, utc_day(now_utc_ms()));
  EXPECT_EQ(rows[0].count, 5u);
  EXPECT_EQ(status_of("analytics").applied, 5u + 4u);
}

TEST_F(ProjectionEngineTest, PoisonEventIsParkedAndTheProjectionMovesOn) {
  envelope junk = click("a");
  junk.payload = "\x01";
  std::vector<envelope> batch{click("a"), junk, click("a")};
  append_result r;
  ASSERT_TRUE(stores_.clicks_log->append(batch, &r));
  ASSERT_TRUE(eventually([&] { return caught_up("analytics"); }));
  EXPECT_EQ(clicks_of("a"), 2u);
  projection_status s = status_of("analytics");
  EXPECT_EQ(s.parked, 1u);
  EXPECT_EQ(s.retries, options_.projections.max_retries - 1);
  std::vector<dead_letter> parked;
  ASSERT_TRUE(stores_.dead_letters->list(0, 10, &parked));
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].queue, "projection.analytics");
  EXPECT_EQ(parked[0].attempts, options_.projections.max_retries);
  EXPECT_NE(parked[0].error.find("seq 2"), std::string::npos) << parked[0].error;
}

TEST_F(ProjectionEngineTest, RedrivenDeadLetterIsAppliedOnceAndErased) {
  // A good click parked by hand, as a projection would park it.
  std::vector<envelope> batch{click("a")};
  append_result r;
  ASSERT_TRUE(stores_.clicks_log->append(batch, &r));
  ASSERT_TRUE(eventually([&] { return caught_up("analytics") && clicks_of("a") == 1; }));
  dead_letter entry;
  entry.queue = "projection.analytics";
  entry.payload = encode_parked_event(batch[0]);
  ASSERT_TRUE(stores_.dead_letters->put(&entry));

  for (int i = 0; i < 2; ++i) {  // twice: the second finds it gone
    pending<redrive_reply> p;
    engine_->clicks()->redrive(entry.id, p.callback());
    redrive_reply reply = p.get({});
    EXPECT_TRUE(reply.ok()) << reply.error;
  }
  ASSERT_TRUE(eventually([&] { return stores_.dead_letters->size() == 0; }));
  // Let the second redrive through the runner's mailbox before counting.
  ASSERT_TRUE(eventually([&] { return clicks_of("a") == 2; }));
  std::vector<envelope> more{click("b")};
  ASSERT_TRUE(stores_.clicks_log->append(more, &r));
  ASSERT_TRUE(eventually([&] { return clicks_of("b") == 1; }));
  EXPECT_EQ(clicks_of("a"), 2u) << "applied once by the redrive, not twice";
}

TEST_F(ProjectionEngineTest, StartUpLoadsTheSnapshotAndReplaysOnlyTheTail) {
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(create("k" + std::to_string(i), "https://e.com/" + std::to_string(i)).code,
              command_errc::ok);
  }
  ASSERT_EQ(update("k3", "https://e.com/three").code, command_errc::ok);
  ASSERT_TRUE(eventually([&] { return caught_up("cache"); }));
  const std::uint64_t snapshot = links_->highest_seq();
  stop();

  // Events the cache has not seen: written while no server ran.
  {
    log_options lo;
    std::unique_ptr<event_log> log;
    ASSERT_TRUE(event_log::open(dir_ + "/links", lo, &log));
    std::vector<envelope> more{make_envelope(link_created{"late", "https://late.example"}, 1),
                               make_envelope(link_updated{"k4", "https://e.com/four"}, 2),
                               make_envelope(link_deleted{"k5"}, 3)};
    append_result r;
    ASSERT_TRUE(log->append(more, &r));
  }
  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(engine_->recovery().snapshot_seq, snapshot);
  EXPECT_EQ(engine_->recovery().events, 3u);
  std::vector<link_info> with_snapshot;
  for (int i = 0; i < 30; ++i) {
    link_info l;
    if (engine_->view().find("k" + std::to_string(i), &l)) with_snapshot.push_back(l);
  }
  link_info late;
  EXPECT_TRUE(engine_->view().find("late", &late));
  stop();

  ASSERT_NO_FATAL_FAILURE(start(/*with_cache=*/false));
  EXPECT_EQ(engine_->recovery().snapshot_seq, 0u);
  EXPECT_EQ(engine_->recovery().events, snapshot + 3);
  std::vector<link_info> from_log;
  for (int i = 0; i < 30; ++i) {
    link_info l;
    if (engine_->view().find("k" + std::to_string(i), &l)) from_log.push_back(l);
  }
  ASSERT_EQ(with_snapshot.size(), 29u);
  ASSERT_EQ(from_log.size(), with_snapshot.size());
  for (std::size_t i = 0; i < from_log.size(); ++i) {
    EXPECT_EQ(from_log[i].code, with_snapshot[i].code);
    EXPECT_EQ(from_log[i].url, with_snapshot[i].url);
    EXPECT_EQ(from_log[i].version, with_snapshot[i].version);
    EXPECT_EQ(from_log[i].updated_at_ms, with_snapshot[i].updated_at_ms);
  }
}

TEST_F(ProjectionEngineTest, ACacheAheadOfTheLogIsRefusedNamingTheMissingRange) {
  ASSERT_EQ(create("a", "https://e.com/a").code, command_errc::ok);
  ASSERT_EQ(create("b", "https://e.com/b").code, command_errc::ok);
  ASSERT_TRUE(eventually([&] { return caught_up("cache"); }));
  stop();
  // The log lost everything the cache applied.
  std::filesystem::remove_all(dir_ + "/links");
  auto log = open<event_log>("links", &event_log::open, log_options{});
  auto cache = open_projection("cache", std::make_unique<cache_projection>());
  projection_stores stores;
  stores.cache = cache;
  std::unique_ptr<engine> refused;
  status st = engine::start(
      options_, log, {}, stores, [](const std::string&) {}, &refused);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("records 1-2 are missing"), std::string::npos) << st.to_string();
  EXPECT_EQ(cache->checkpoint(kLinksLog), 2u);  // the cache is kept for `log repair`
}

TEST_F(ProjectionEngineTest, ASnapshotIsWrittenOnceEnoughEventsWait) {
  options_.projections.snapshot_events = 5;
  options_.projections.snapshot_interval = std::chrono::hours(1);  // never, in this test
  ASSERT_NO_FATAL_FAILURE(restart());
  engine_->clicks()->submit({click("a"), click("a"), click("a"), click("a")});
  ASSERT_TRUE(eventually([&] { return caught_up("analytics") && clicks_of("a") == 4; }));
  EXPECT_EQ(stores_.analytics->unsaved(), 4u) << "fewer than snapshot_events: not yet";
  EXPECT_EQ(on_disk("analytics").checkpoints.count(std::string(kClicksLog)), 0u);

  engine_->clicks()->submit({click("b")});
  ASSERT_TRUE(eventually([&] { return stores_.analytics->unsaved() == 0; }));
  const snapshot snap = on_disk("analytics");
  EXPECT_EQ(snap.checkpoints.at(std::string(kClicksLog)), 5u);
  EXPECT_TRUE(status_of("analytics").store_error.empty());
}

TEST_F(ProjectionEngineTest, ASnapshotIsWrittenOnceEventsWaitedTheInterval) {
  options_.projections.snapshot_events = 1'000'000;
  options_.projections.snapshot_interval = std::chrono::milliseconds(50);
  ASSERT_NO_FATAL_FAILURE(restart());
  const auto sent = std::chrono::steady_clock::now();
  engine_->clicks()->submit({click("a")});
  ASSERT_TRUE(eventually([&] { return caught_up("analytics") && clicks_of("a") == 1; }));
  ASSERT_TRUE(eventually([&] { return stores_.analytics->unsaved() == 0; }));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, options_.projections.snapshot_interval);
  EXPECT_EQ(on_disk("analytics").checkpoints.at(std::string(kClicksLog)), 1u);
}

TEST_F(ProjectionEngineTest, AStopWritesASnapshotOfEverythingApplied) {
  options_.projections.snapshot_events = 1'000'000;
  options_.projections.snapshot_interval = std::chrono::hours(1);
  ASSERT_NO_FATAL_FAILURE(restart());
  ASSERT_EQ(create("a", "https://e.com/a").code, command_errc::ok);
  engine_->clicks()->submit({click("a"), click("a")});
  ASSERT_TRUE(eventually(
      [&] { return caught_up("analytics") && caught_up("cache") && clicks_of("a") == 2; }));
  EXPECT_GT(stores_.analytics->unsaved(), 0u);
  const auto contents = store_contents(*stores_.analytics);
  std::shared_ptr<projection_store> analytics = stores_.analytics;
  stop();
  EXPECT_EQ(analytics->unsaved(), 0u);
  analytics.reset();
  const snapshot snap = on_disk("analytics");
  EXPECT_EQ(snap.checkpoints.at(std::string(kClicksLog)), 2u);
  EXPECT_EQ(snap.checkpoints.at(std::string(kLinksLog)), 1u);
  EXPECT_EQ(on_disk("cache").checkpoints.at(std::string(kLinksLog)), 1u);

  ASSERT_NO_FATAL_FAILURE(start());
  EXPECT_EQ(store_contents(*stores_.analytics), contents) << "loaded, nothing to replay";
  EXPECT_EQ(status_of("analytics").applied, 0u);
}

}  // namespace
}  // namespace linkly::testing
