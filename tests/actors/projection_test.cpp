// Projections as plain code: the store moving state and checkpoint
// together, the cache and analytics rules, and what a failure halfway
// through a batch leaves behind. (Snapshots: projection_store_test.cpp.)

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/link_recovery.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "schemas/click_fields.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "tests/support/store_contents.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace linkly {
namespace {

constexpr std::int64_t kDay1 = 1'764'547'200'000;  // 2025-12-01T00:00:00Z
constexpr std::int64_t kDayMs = 86'400'000;

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    log_options lo;
    lo.env = mem_.get();
    ASSERT_TRUE(event_log::open("/mem/links", lo, &links_));
    ASSERT_TRUE(event_log::open("/mem/clicks", lo, &clicks_));
  }

  std::unique_ptr<projection_store> open_store(const std::string& dir,
                                               std::unique_ptr<projection> proj) {
    projection_store_options o;
    o.env = mem_.get();
    std::unique_ptr<projection_store> store;
    status st = projection_store::open(dir, o, std::move(proj), &store);
    EXPECT_TRUE(st) << st.to_string();
    return store;
  }

  std::unique_ptr<projection_store> open_cache(const std::string& dir) {
    return open_store(dir, std::make_unique<cache_projection>());
  }
  std::unique_ptr<projection_store> open_analytics(const std::string& dir) {
    return open_store(dir, std::make_unique<analytics_projection>());
  }

  // Replays both logs into `store` in steps of `batch`.
  void replay_all(projection_store& store, std::size_t batch = 4096) {
    std::uint64_t applied = 0;
    status st = replay_projection(store, *links_, clicks_.get(), kToHead, kToHead, batch, &applied);
    ASSERT_TRUE(st) << st.to_string();
  }

  void append_link(const link_event& e, std::int64_t at) {
    std::vector<envelope> batch{make_envelope(e, at)};
    append_result r;
    ASSERT_TRUE(links_->append(batch, &r));
  }

  void append_click(const std::string& code, std::int64_t at, std::string country = "",
                    std::string referrer = "") {
    click_recorded c;
    c.code = code;
    c.clicked_at_ms = at;
    c.country = std::move(country);
    c.referrer = std::move(referrer);
    std::vector<envelope> batch{make_click_envelope(c)};
    append_result r;
    ASSERT_TRUE(clicks_->append(batch, &r));
  }

  // Creates, updates and deletes over a few codes, on two days.
  void mixed_links() {
    for (int i = 0; i < 20; ++i) {
      append_link(link_created{"c" + std::to_string(i), "https://e.com/" + std::to_string(i)},
                  kDay1 + (i < 12 ? 0 : kDayMs) + i);
    }
    for (int i = 0; i < 20; i += 3) {
      append_link(link_updated{"c" + std::to_string(i), "https://u.com/" + std::to_string(i)},
                  kDay1 + kDayMs + 100 + i);
    }
    for (int i = 1; i < 20; i += 5) append_link(link_deleted{"c" + std::to_string(i)}, kDay1 + 200);
    append_link(link_updated{"c1", "https://after-delete.example"}, kDay1 + 300);  // ignored
  }

  static std::map<std::string, link_record> records(const shard_replay& replay) {
    std::map<std::string, link_record> out;
    for (const auto& t : replay.tables) {
      t->for_each([&](const std::string& code, const link_record& r) { out[code] = r; });
    }
    return out;
  }

  std::unique_ptr<leveldb::Env> mem_;
  std::unique_ptr<event_log> links_;
  std::unique_ptr<event_log> clicks_;
};

bool same(const link_record& a, const link_record& b) {
  return a.url == b.url && a.version == b.version && a.created_at_ms == b.created_at_ms &&
         a.updated_at_ms == b.updated_at_ms && a.deleted == b.deleted && a.seqs == b.seqs;
}

TEST_F(ProjectionTest, ApplyMovesStateAndCheckpointTogether) {
  mixed_links();
  auto store = open_store("/mem/p", std::make_unique<cache_projection>());
  std::vector<envelope> events;
  ASSERT_TRUE(links_->read(1, 4, event_log::kNoLimit, &events));
  ASSERT_EQ(events.size(), 3u);
  for (const envelope& env : events) ASSERT_TRUE(store->apply(kLinksLog, env));
  EXPECT_EQ(store->checkpoint(kLinksLog), 3u);
  EXPECT_EQ(store->checkpoint(kClicksLog), 0u) << "a log not applied has no checkpoint";
  EXPECT_EQ(store->unsaved(), 3u);
  auto contents = linkly::testing::store_contents(*store);
  EXPECT_EQ(contents.size(), 3u);
  EXPECT_EQ(contents.count("c0"), 1u);
  EXPECT_EQ(contents.count("c3"), 0u);

  envelope junk = events[0];
  junk.seq = 4;
  junk.payload = "\x01";  // not a link event
  EXPECT_FALSE(store->apply(kLinksLog, junk));
  EXPECT_EQ(store->checkpoint(kLinksLog), 3u) << "a failing event leaves the checkpoint";
  EXPECT_EQ(linkly::testing::store_contents(*store), contents) << "... and the state";
  EXPECT_EQ(store->unsaved(), 3u);
}

TEST_F(ProjectionTest, SaveWritesOnlyWhatChanged) {
  auto store = open_store("/mem/p", std::make_unique<analytics_projection>());
  EXPECT_EQ(store->unsaved(), 0u) << "the first snapshot is written at open";
  store->skip(kClicksLog, 9);
  EXPECT_EQ(store->unsaved(), 1u);
  ASSERT_TRUE(store->save());
  EXPECT_EQ(store->unsaved(), 0u);
  // A save with nothing new writes no file: its absence would fail it.
  ASSERT_TRUE(mem_->RemoveFile("/mem/p/snapshot").ok());
  ASSERT_TRUE(store->save());
  EXPECT_FALSE(mem_->FileExists("/mem/p/snapshot"));
  store->skip(kClicksLog, 10);
  ASSERT_TRUE(store->save());
  store.reset();
  store = open_store("/mem/p", std::make_unique<analytics_projection>());
  EXPECT_EQ(store->checkpoint(kClicksLog), 10u);
}

TEST(UtcDay, MatchesTheCalendar) {
  EXPECT_EQ(utc_day(0), "1970-01-01");
  EXPECT_EQ(utc_day(kDay1), "2025-12-01");
  EXPECT_EQ(utc_day(kDay1 - 1), "2025-11-30");
  EXPECT_EQ(utc_day(951'782'400'000), "2000-02-29");  // a leap day
  EXPECT_EQ(utc_day(-1), "1969-12-31");
  for (std::int64_t ms = 0; ms < 40'000 * kDayMs; ms += 97 * kDayMs + 12'345) {
    EXPECT_EQ(utc_day(ms), format_utc_ms(ms).substr(0, 10)) << ms;
  }
}

TEST_F(ProjectionTest, CacheSnapshotEqualsReplayOfTheWholeLog) {
  mixed_links();
  auto store = open_cache("/mem/cache");
  std::uint64_t applied = 0;
  ASSERT_TRUE(replay_projection(*store, *links_, nullptr, kToHead, kToHead, 7, &applied));
  EXPECT_EQ(applied, links_->highest_seq());

  shard_replay from_log;
  ASSERT_TRUE(replay_links(*links_, 3, kAllShards, &from_log));
  shard_replay from_cache;
  ASSERT_TRUE(load_cache_snapshot(*store, 3, &from_cache));
  EXPECT_EQ(from_cache.last_seq, links_->highest_seq());
  auto a = records(from_log);
  auto b = records(from_cache);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [code, r] : a) {
    ASSERT_TRUE(b.count(code)) << code;
    EXPECT_TRUE(same(r, b[code])) << code;
  }
  EXPECT_TRUE(b["c1"].deleted);
  EXPECT_EQ(b["c0"].version, 2u);
  EXPECT_EQ(b["c0"].url, "https://u.com/0");
}

TEST_F(ProjectionTest, SnapshotPlusTailEqualsTheWholeLog) {
  mixed_links();
  const std::uint64_t half = links_->highest_seq() / 2;
  auto store = open_cache("/mem/cache");
  std::uint64_t applied = 0;
  ASSERT_TRUE(replay_projection(*store, *links_, nullptr, half + 1, kToHead, 4, &applied));
  ASSERT_EQ(store->checkpoint(kLinksLog), half);

  shard_replay recovered;
  ASSERT_TRUE(load_cache_snapshot(*store, 4, &recovered));
  ASSERT_TRUE(replay_links_tail(*links_, kAllShards, &recovered));
  EXPECT_EQ(recovered.events, links_->highest_seq() - half) << "only the tail is replayed";
  shard_replay full;
  ASSERT_TRUE(replay_links(*links_, 4, kAllShards, &full));
  auto a = records(full);
  auto b = records(recovered);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [code, r] : a) EXPECT_TRUE(same(r, b[code])) << code;
}

TEST_F(ProjectionTest, AnalyticsCountsByTheEventsOwnTime) {
  mixed_links();
  append_click("c0", kDay1 + 5, "US", "https://News.Example.com/a?b");
  append_click("c0", kDay1 + 6, "US");
  append_click("c0", kDay1 + kDayMs + 1, "", "not a url");
  append_click("c2", kDay1 + 7, "DE", "https://x.org/");
  auto store = open_analytics("/mem/analytics");
  ASSERT_NO_FATAL_FAILURE(replay_all(*store, 3));
  analytics_reader reader(*store, *links_, clicks_.get());

  std::vector<daily_count> rows;
  ASSERT_TRUE(reader.daily(&rows));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].day, "2025-12-01");
  EXPECT_EQ(rows[0].count, 12u);
  EXPECT_EQ(rows[1].day, "2025-12-02");
  EXPECT_EQ(rows[1].count, 8u);

  link_stats s;
  ASSERT_TRUE(reader.stats("c0", &s));
  EXPECT_EQ(s.total, 3u);
  EXPECT_EQ(s.by_day, (std::map<std::string, std::uint64_t>{{"2025-12-01", 2}, {"2025-12-02", 1}}));
  EXPECT_EQ(s.by_country, (std::map<std::string, std::uint64_t>{{"US", 2}, {"unknown", 1}}));
  EXPECT_EQ(s.by_referrer, (std::map<std::string, std::uint64_t>{
                               {"news.example.com", 1}, {"direct", 1}, {"unknown", 1}}));
  std::uint64_t total = 0;
  ASSERT_TRUE(reader.total_clicks("c", &total));
  EXPECT_EQ(total, 0u) << "a code's prefix is not another code";
  auto fresh = reader.freshness();
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[1].checkpoint, 4u);
  EXPECT_EQ(fresh[1].head, 4u);
}

TEST_F(ProjectionTest, StatsStopAtTheEntryLimitAndSaySo) {
  for (int i = 0; i < 5; ++i)
    append_click("a", kDay1, "", "https://r" + std::to_string(i) + ".example/");
  auto store = open_analytics("/mem/analytics");
  ASSERT_NO_FATAL_FAILURE(replay_all(*store, 10));
  analytics_reader reader(*store, *links_, clicks_.get());
  link_stats capped;
  ASSERT_TRUE(reader.stats("a", &capped, 3));
  EXPECT_TRUE(capped.truncated);
  EXPECT_EQ(capped.by_referrer.size(), 3u);
  EXPECT_EQ(capped.total, 5u) << "the total is never capped";
  link_stats whole;
  ASSERT_TRUE(reader.stats("a", &whole, 5));
  EXPECT_FALSE(whole.truncated);
  EXPECT_EQ(whole.by_referrer.size(), 5u);
}

TEST_F(ProjectionTest, AnalyticsKeysHoldNoUnboundedClientData) {
  // Records as older versions stored them: headers kept whole.
  append_click("h", kDay1, std::string(1500, 'Z'), "https://" + std::string(300, 'a') + "/");
  append_click("h", kDay1, "de", "https://EXAMPLE.org:8080/" + std::string(2000, 'p'));
  append_click("h", kDay1, "XX", "https://ex_ample.org/");
  append_click("h", kDay1, "T1", "https://[2001:DB8::1]/x");
  auto store = open_analytics("/mem/analytics");
  ASSERT_NO_FATAL_FAILURE(replay_all(*store, 2));
  analytics_reader reader(*store, *links_, clicks_.get());
  link_stats s;
  ASSERT_TRUE(reader.stats("h", &s));
  EXPECT_EQ(s.by_country, (std::map<std::string, std::uint64_t>{{"DE", 1}, {"unknown", 3}}));
  EXPECT_EQ(s.by_referrer, (std::map<std::string, std::uint64_t>{
                               {"example.org", 1}, {"[2001:db8::1]", 1}, {"unknown", 2}}));
  for (const auto& [k, v] : linkly::testing::store_contents(*store)) {
    EXPECT_LE(k.size(), 5 + 1 + 1 + kMaxReferrerHostBytes) << k.substr(0, 40);
  }
}

TEST_F(ProjectionTest, ALinksDistinctReferrerHostsAreCappedTheSameInEveryBatching) {
  const std::uint64_t hosts = kMaxReferrerHostsPerLink + 20;
  for (std::uint64_t i = 0; i < hosts; ++i) {
    append_click("h", kDay1, "", "https://r" + std::to_string(i) + ".example/");
  }
  append_click("h", kDay1, "", "https://r0.example/again");  // a host already counted
  append_click("h", kDay1, "", "");                          // direct: never capped
  append_click("g", kDay1, "", "https://r300.example/");     // another link has its own cap
  std::map<std::string, std::string> first;
  for (std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    auto store = open_analytics("/mem/analytics" + std::to_string(batch));
    ASSERT_NO_FATAL_FAILURE(replay_all(*store, batch));
    analytics_reader reader(*store, *links_, clicks_.get());
    link_stats s;
    ASSERT_TRUE(reader.stats("h", &s));
    EXPECT_EQ(s.by_referrer.size(), kMaxReferrerHostsPerLink + 2);  // + other + direct
    EXPECT_EQ(s.by_referrer.at("other"), 20u);
    EXPECT_EQ(s.by_referrer.at("r0.example"), 2u);
    EXPECT_EQ(s.by_referrer.at("direct"), 1u);
    EXPECT_EQ(s.by_referrer.count("r" + std::to_string(hosts - 1) + ".example"), 0u)
        << "the hosts past the cap are the latest ones";
    link_stats g;
    ASSERT_TRUE(reader.stats("g", &g));
    EXPECT_EQ(g.by_referrer, (std::map<std::string, std::uint64_t>{{"r300.example", 1}}));
    if (first.empty()) {
      first = linkly::testing::store_contents(*store);
    } else {
      EXPECT_EQ(linkly::testing::store_contents(*store), first)
          << "batch " << batch << " folds differently";
    }
  }
}

// Analytics that fails on the event with seq `poison` the first `times`
// times it is applied: by a status or by a throw. Whole or nothing, as a
// projection must.
class flaky_projection final : public projection {
 public:
  flaky_projection(std::uint64_t poison, int times, bool throws)
      : poison_(poison), left_(times), throws_(throws) {}
  std::string_view name() const override { return inner_.name(); }
  std::vector<std::string_view> logs() const override { return inner_.logs(); }
  status apply(std::string_view log, const envelope& env) override {
    if (log == kClicksLog && env.seq == poison_ && left_ > 0) {
      --left_;
      if (throws_) throw std::runtime_error("injected failure");
      return status::invalid_argument("injected failure");
    }
    return inner_.apply(log, env);
  }
  status save(std::string* out) const override { return inner_.save(out); }
  status load(std::string_view saved) override { return inner_.load(saved); }
  std::uint32_t snapshot_version() const override { return inner_.snapshot_version(); }
  void clear() override { inner_.clear(); }
  void for_each_entry(const entry_visitor& fn) const override { inner_.for_each_entry(fn); }

 private:
  analytics_projection inner_;
  std::uint64_t poison_;
  int left_;
  bool throws_;
};

TEST_F(ProjectionTest, FailureHalfwayThroughABatchNeitherSkipsNorDoubleCounts) {
  for (int i = 0; i < 10; ++i) append_click(i % 2 ? "a" : "b", kDay1 + i);
  auto fresh = open_analytics("/mem/fresh");
  step_result r;
  ASSERT_TRUE(apply_step(*fresh, kClicksLog, *clicks_, kToHead, 100, &r));
  const auto expected = linkly::testing::store_contents(*fresh);

  for (bool throws : {false, true}) {
    SCOPED_TRACE(throws ? "throws" : "returns a failure");
    auto store = open_store("/mem/flaky" + std::to_string(throws),
                            std::make_unique<flaky_projection>(/*poison=*/6, /*times=*/1, throws));
    ASSERT_TRUE(apply_step(*store, kClicksLog, *clicks_, kToHead, 100, &r));
    EXPECT_FALSE(r.event_error.is_ok());
    if (throws) {
      EXPECT_NE(r.event_error.message().find("injected failure"), std::string::npos)
          << r.event_error.to_string();
    }
    EXPECT_EQ(r.failed.seq, 6u);
    EXPECT_EQ(r.applied, 5u);
    EXPECT_FALSE(r.at_end);
    EXPECT_EQ(store->checkpoint(kClicksLog), 5u) << "the events before the failure are applied";

    ASSERT_TRUE(apply_step(*store, kClicksLog, *clicks_, kToHead, 100, &r));
    EXPECT_TRUE(r.event_error.is_ok());
    EXPECT_EQ(r.applied, 5u);
    EXPECT_EQ(store->checkpoint(kClicksLog), 10u);
    EXPECT_EQ(linkly::testing::store_contents(*store), expected)
        << "equal to a rebuild without failures";
  }
}

TEST_F(ProjectionTest, ReplayStopsAtAnEventThatDoesNotApply) {
  append_click("a", kDay1);
  envelope junk;
  junk.type = event_type::click_recorded;
  junk.schema_version = 1;
  junk.key = "a";
  junk.payload = "\x01";  // not a click
  std::vector<envelope> batch{junk};
  append_result ar;
  ASSERT_TRUE(clicks_->append(batch, &ar));
  auto store = open_analytics("/mem/analytics");
  std::uint64_t applied = 0;
  status st = replay_projection(*store, *links_, clicks_.get(), kToHead, kToHead, 10, &applied);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("seq 2"), std::string::npos) << st.to_string();
  EXPECT_EQ(store->checkpoint(kClicksLog), 1u);
  EXPECT_EQ(applied, 1u);
}

}  // namespace
}  // namespace linkly
