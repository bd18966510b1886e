// RecordsLost markers (schemas/log_events.hpp) hold a lost seq's place in a
// log: every projection and the link replay step over them.

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/link_recovery.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "schemas/log_events.hpp"
#include "storage/event_log.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <memory>
#include <vector>

namespace linkly {
namespace {

class RecordsLostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    log_options lo;
    lo.env = mem_.get();
    ASSERT_TRUE(event_log::open("/mem/links", lo, &links_));
    ASSERT_TRUE(event_log::open("/mem/clicks", lo, &clicks_));
  }

  static void append(event_log& log, envelope env) {
    std::vector<envelope> batch{std::move(env)};
    append_result r;
    ASSERT_TRUE(log.append(batch, &r));
  }

  std::unique_ptr<projection_store> open_store(const std::string& dir,
                                               std::unique_ptr<projection> proj) {
    projection_store_options o;
    o.env = mem_.get();
    std::unique_ptr<projection_store> store;
    EXPECT_TRUE(projection_store::open(dir, o, std::move(proj), &store));
    return store;
  }

  std::unique_ptr<leveldb::Env> mem_;
  std::unique_ptr<event_log> links_;
  std::unique_ptr<event_log> clicks_;
};

TEST_F(RecordsLostTest, LinkReplayAndProjectionsStepOverMarkers) {
  append(*links_, make_envelope(link_created{"a", "https://example.com/a"}, 1));
  append(*links_, make_records_lost_envelope({2, 2, "the cache held seq 2"}, 2));
  append(*links_, make_envelope(link_created{"b", "https://example.com/b"}, 3));
  click_recorded click;
  click.code = "a";
  click.clicked_at_ms = 4;
  append(*clicks_, make_records_lost_envelope({1, 1, "test"}, 4));
  append(*clicks_, make_click_envelope(click));

  shard_replay replay;
  ASSERT_TRUE(replay_links(*links_, 2, kAllShards, &replay));
  EXPECT_EQ(replay.last_seq, 3u);
  std::size_t live = 0;
  for (const auto& t : replay.tables) {
    live += t->size();
    EXPECT_EQ(t->ignored_events(), 0u);
  }
  EXPECT_EQ(live, 2u);

  auto cache = open_store("/mem/cache", std::make_unique<cache_projection>());
  std::uint64_t applied = 0;
  ASSERT_TRUE(replay_projection(*cache, *links_, clicks_.get(), kToHead, kToHead, 16, &applied));
  EXPECT_EQ(applied, 3u) << "the marker counts as a step over";
  EXPECT_EQ(cache->checkpoint(kLinksLog), 3u);
  link_record b;
  ASSERT_TRUE(read_cached_link(*cache, "b", &b));
  EXPECT_EQ(b.seqs, std::vector<std::uint64_t>{3});

  auto analytics = open_store("/mem/analytics", std::make_unique<analytics_projection>());
  ASSERT_TRUE(
      replay_projection(*analytics, *links_, clicks_.get(), kToHead, kToHead, 16, &applied));
  EXPECT_EQ(analytics->checkpoint(kLinksLog), 3u);
  EXPECT_EQ(analytics->checkpoint(kClicksLog), 2u);
  analytics_reader reader(*analytics, *links_, clicks_.get());
  std::uint64_t total = 0;
  ASSERT_TRUE(reader.total_clicks("a", &total));
  EXPECT_EQ(total, 1u);
}

TEST_F(RecordsLostTest, MarkerRoundTripsAndIsNoLinkEvent) {
  envelope env = make_records_lost_envelope({1060, 1064, "the cache held seq 1064"}, 9);
  EXPECT_EQ(to_string(env.type), "RecordsLost");
  EXPECT_TRUE(env.key.empty());
  records_lost back;
  ASSERT_TRUE(decode_records_lost(env, &back));
  EXPECT_EQ(back, (records_lost{1060, 1064, "the cache held seq 1064"}));
  link_event event;
  EXPECT_FALSE(decode_link_event(env, &event));
  click_recorded click;
  EXPECT_FALSE(decode_click(env, &click));
  env.payload.resize(env.payload.size() / 2);
  EXPECT_FALSE(decode_records_lost(env, &back));
}

}  // namespace
}  // namespace linkly
