// Projections as plain code: the store's atomic commit, the cache and
// analytics rules, and what a failure halfway through a batch leaves behind.

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/link_recovery.hpp"
#include "actors/projection_replay.hpp"
#include "schemas/click_events.hpp"
#include "schemas/click_fields.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "actors/projection_store.hpp"
#include "tests/storage/event_log_fixture.hpp"

#include "tests/support/store_contents.hpp"

#include <gtest/gtest.h>
#include <leveldb/helpers/memenv.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace linkly {
namespace {

using linkly_test::faulty_env;

constexpr std::int64_t kDay1 = 1'764'547'200'000;  // 2025-12-01T00:00:00Z
constexpr std::int64_t kDayMs = 86'400'000;

class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    env_ = std::make_unique<faulty_env>(mem_.get());
    log_options lo;
    lo.env = mem_.get();
    ASSERT_TRUE(event_log::open("/mem/links", lo, &links_));
    ASSERT_TRUE(event_log::open("/mem/clicks", lo, &clicks_));
  }

  std::unique_ptr<projection_store> open_store(const std::string& dir, bool faulty = false) {
    projection_store_options o;
    o.env = faulty ? static_cast<leveldb::Env*>(env_.get()) : mem_.get();
    std::unique_ptr<projection_store> store;
    status st = projection_store::open(dir, o, &store);
    EXPECT_TRUE(st) << st.to_string();
    return store;
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
  std::unique_ptr<faulty_env> env_;
  std::unique_ptr<event_log> links_;
  std::unique_ptr<event_log> clicks_;
};

bool same(const link_record& a, const link_record& b) {
  return a.url == b.url && a.version == b.version && a.created_at_ms == b.created_at_ms &&
         a.updated_at_ms == b.updated_at_ms && a.deleted == b.deleted && a.seqs == b.seqs;
}

TEST_F(ProjectionTest, CommitWritesStateAndCheckpointTogether) {
  auto store = open_store("/mem/p");
  write_set w;
  w.add("n", 2);
  w.add("n", 3);  // adds to its own pending value
  w.set_checkpoint("links", 7);
  ASSERT_TRUE(store->commit(w));
  std::string v;
  std::uint64_t n = 0;
  ASSERT_TRUE(store->get("n", &v));
  ASSERT_TRUE(decode_counter(v, &n));
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(store->checkpoint("links"), 7u);
  store.reset();
  store = open_store("/mem/p");
  EXPECT_EQ(store->checkpoint("links"), 7u);  // survives a reopen
  EXPECT_EQ(store->checkpoint("clicks"), 0u);
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

TEST_F(ProjectionTest, RecentValuesAgreeWithTheStoreAcrossEvictionAndReopen) {
  projection_store_options o;
  o.env = mem_.get();
  o.recent_values = 3;  // small: commits below evict it
  std::unique_ptr<projection_store> store;
  ASSERT_TRUE(projection_store::open("/mem/recent", o, &store));
  for (int round = 1; round <= 4; ++round) {
    write_set w;
    for (const char* k : {"a", "b"}) w.add(k, 1);
    if (round == 2) w.put("x", "v");
    if (round == 3) w.erase("x");
    ASSERT_TRUE(store->commit(w));
  }
  auto counter = [&](const char* k) {
    std::string v;
    std::uint64_t n = 0;
    EXPECT_TRUE(store->get(k, &v)) << k;
    EXPECT_TRUE(decode_counter(v, &n)) << k;
    return n;
  };
  EXPECT_EQ(counter("a"), 4u);
  EXPECT_EQ(counter("b"), 4u);
  std::string v;
  EXPECT_TRUE(store->get("x", &v).is_not_found());
  ASSERT_TRUE(store->reopen());
  EXPECT_EQ(counter("a"), 4u);
  EXPECT_TRUE(store->get("x", &v).is_not_found());
}

TEST_F(ProjectionTest, FailedCommitChangesNothingAndRefusesUntilReopened) {
  auto store = open_store("/mem/p", /*faulty=*/true);
  write_set first;
  first.add("n", 1);
  first.set_checkpoint("links", 1);
  ASSERT_TRUE(store->commit(first));

  env_->fail_from(0);
  write_set second;
  second.add("n", 1);
  second.set_checkpoint("links", 2);
  EXPECT_FALSE(store->commit(second));
  env_->heal();
  EXPECT_FALSE(store->commit(second)) << "must refuse until reopened";
  EXPECT_EQ(store->checkpoint("links"), 1u);

  ASSERT_TRUE(store->reopen());
  EXPECT_EQ(store->checkpoint("links"), 1u);
  std::string v;
  std::uint64_t n = 0;
  ASSERT_TRUE(store->get("n", &v));
  ASSERT_TRUE(decode_counter(v, &n));
  EXPECT_EQ(n, 1u) << "the failed commit left no part of itself";
}

TEST_F(ProjectionTest, CacheSnapshotEqualsReplayOfTheWholeLog) {
  mixed_links();
  auto store = open_store("/mem/cache");
  cache_projection cache;
  std::uint64_t applied = 0;
  ASSERT_TRUE(replay_projection(cache, *store, *links_, nullptr, kToHead, kToHead, 7, &applied));
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
  auto store = open_store("/mem/cache");
  cache_projection cache;
  std::uint64_t applied = 0;
  ASSERT_TRUE(replay_projection(cache, *store, *links_, nullptr, half + 1, kToHead, 4, &applied));
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
  auto store = open_store("/mem/analytics");
  analytics_projection analytics;
  std::uint64_t applied = 0;
  ASSERT_TRUE(
      replay_projection(analytics, *store, *links_, clicks_.get(), kToHead, kToHead, 3, &applied));
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
  auto store = open_store("/mem/analytics");
  analytics_projection analytics;
  std::uint64_t applied = 0;
  ASSERT_TRUE(
      replay_projection(analytics, *store, *links_, clicks_.get(), kToHead, kToHead, 10, &applied));
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
  auto store = open_store("/mem/analytics");
  analytics_projection analytics;
  std::uint64_t applied = 0;
  ASSERT_TRUE(
      replay_projection(analytics, *store, *links_, clicks_.get(), kToHead, kToHead, 2, &applied));
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
    auto store = open_store("/mem/analytics" + std::to_string(batch));
    analytics_projection analytics;
    std::uint64_t applied = 0;
    ASSERT_TRUE(replay_projection(analytics, *store, *links_, clicks_.get(), kToHead, kToHead,
                                  batch, &applied));
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

// Fails on the event with seq `poison` the first `times` times it is applied.
class flaky_projection final : public projection {
 public:
  flaky_projection(std::uint64_t poison, int times) : poison_(poison), left_(times) {}
  std::string_view name() const override { return "analytics"; }
  std::vector<std::string_view> logs() const override { return inner_.logs(); }
  status apply(std::string_view log, const envelope& env, const projection_store& store,
               write_set* writes) const override {
    // Half the event's changes are made before it fails.
    status st = inner_.apply(log, env, store, writes);
    if (log == kClicksLog && env.seq == poison_ && left_ > 0) {
      --left_;
      throw std::runtime_error("injected failure");
    }
    return st;
  }

 private:
  analytics_projection inner_;
  std::uint64_t poison_;
  mutable int left_;
};

TEST_F(ProjectionTest, FailureHalfwayThroughABatchNeitherSkipsNorDoubleCounts) {
  for (int i = 0; i < 10; ++i) append_click(i % 2 ? "a" : "b", kDay1 + i);
  auto store = open_store("/mem/analytics");
  flaky_projection flaky(/*poison=*/6, /*times=*/1);
  step_result r;
  ASSERT_TRUE(apply_step(flaky, *store, kClicksLog, *clicks_, kToHead, 100, &r));
  EXPECT_FALSE(r.event_error.is_ok());
  EXPECT_EQ(r.failed.seq, 6u);
  EXPECT_EQ(r.applied, 5u);
  EXPECT_EQ(store->checkpoint(kClicksLog), 5u) << "the events before the failure are committed";

  ASSERT_TRUE(apply_step(flaky, *store, kClicksLog, *clicks_, kToHead, 100, &r));
  EXPECT_TRUE(r.event_error.is_ok());
  EXPECT_EQ(store->checkpoint(kClicksLog), 10u);

  auto fresh = open_store("/mem/fresh");
  analytics_projection clean;
  ASSERT_TRUE(apply_step(clean, *fresh, kClicksLog, *clicks_, kToHead, 100, &r));
  EXPECT_EQ(linkly::testing::store_contents(*store), linkly::testing::store_contents(*fresh))
      << "equal to a rebuild without failures";
}

TEST_F(ProjectionTest, CrashedCommitIsReappliedExactlyOnceAfterReopen) {
  for (int i = 0; i < 12; ++i) append_click(i % 3 ? "a" : "b", kDay1 + i, "US");
  auto store = open_store("/mem/analytics", /*faulty=*/true);
  analytics_projection analytics;
  step_result r;
  ASSERT_TRUE(apply_step(analytics, *store, kClicksLog, *clicks_, 5, 100, &r));
  ASSERT_EQ(store->checkpoint(kClicksLog), 4u);

  env_->fail_from(0);  // the next commit dies: as if the process had crashed in it
  EXPECT_FALSE(apply_step(analytics, *store, kClicksLog, *clicks_, kToHead, 100, &r));
  env_->heal();
  store.reset();  // "restart"
  store = open_store("/mem/analytics", /*faulty=*/true);
  EXPECT_EQ(store->checkpoint(kClicksLog), 4u);
  ASSERT_TRUE(apply_step(analytics, *store, kClicksLog, *clicks_, kToHead, 100, &r));
  EXPECT_EQ(store->checkpoint(kClicksLog), 12u);

  analytics_reader reader(*store, *links_, clicks_.get());
  link_stats a, b;
  ASSERT_TRUE(reader.stats("a", &a));
  ASSERT_TRUE(reader.stats("b", &b));
  EXPECT_EQ(a.total, 8u);
  EXPECT_EQ(b.total, 4u);
  EXPECT_EQ(a.by_country.at("US") + b.by_country.at("US"), clicks_->highest_seq());
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
  auto store = open_store("/mem/analytics");
  analytics_projection analytics;
  std::uint64_t applied = 0;
  status st =
      replay_projection(analytics, *store, *links_, clicks_.get(), kToHead, kToHead, 10, &applied);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("seq 2"), std::string::npos) << st.to_string();
  EXPECT_EQ(store->checkpoint(kClicksLog), 1u);
}

}  // namespace
}  // namespace linkly
