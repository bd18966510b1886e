// A projection snapshot body claiming more than it holds (a url, a count of
// records, of seqs, of days) is corruption: the load fails, allocates
// nothing of the claimed size and leaves the state as it was; a store whose
// snapshot says so starts empty and is rebuilt.

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/link_table.hpp"
#include "actors/projection_store.hpp"
#include "schemas/link_events.hpp"
#include "storage/snapshot_codec.hpp"
#include "storage/snapshot_file.hpp"
#include "tests/support/allocation_probe.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

LINKLY_ALLOCATION_PROBE_DEFINE_OPERATOR_NEW()

namespace linkly {
namespace {

constexpr std::size_t kModestBytes = 1 << 20;
constexpr std::uint64_t kHuge = std::uint64_t{1} << 40;

// A cache body of one record; `tweak` writes its fields from the url on.
std::string cache_body(const std::function<void(snapshot_writer&)>& tweak) {
  std::string out;
  snapshot_writer w(&out);
  w.bytes("demo");
  tweak(w);
  return out;
}

std::string claimed_url() {
  return cache_body([](snapshot_writer& w) {
    w.varint(kHuge);  // the url's size
    w.varint(0);      // a few bytes that are not it
  });
}

void good_fields(snapshot_writer& w, std::uint64_t seqs) {
  w.bytes("https://example.com/");
  w.varint(1);     // version
  w.varint(1000);  // created_at_ms
  w.varint(1000);  // updated_at_ms
  w.varint(0);     // deleted
  w.varint(seqs);  // seq count
  w.varint(1);     // first seq
  w.varint(0);     // no extras
}

// The record the cache holds for `code`, if any.
std::optional<link_record> find_link(const cache_projection& cache, std::string_view code) {
  std::optional<link_record> out;
  cache.for_each_link([&](const std::string& c, const link_record& r) {
    if (c == code) out = r;
  });
  return out;
}

std::size_t link_count(const cache_projection& cache) {
  std::size_t n = 0;
  cache.for_each_link([&](const std::string&, const link_record&) { ++n; });
  return n;
}

envelope created(const std::string& code, std::uint64_t seq) {
  envelope env = make_envelope(link_created{code, "https://example.com/" + code}, 1000);
  env.seq = seq;
  return env;
}

class CacheRecordTest : public ::testing::Test {
 protected:
  status open(bool create, std::unique_ptr<projection_store>* out) {
    projection_store_options o;
    o.env = env_.get();
    o.create_if_missing = create;
    return projection_store::open("/mem/cache", o, std::make_unique<cache_projection>(), out);
  }

  void write_snapshot(std::string body) {
    snapshot snap;
    snap.body_version = cache_projection().snapshot_version();
    snap.checkpoints[std::string(kLinksLog)] = 5;
    snap.body = std::move(body);
    ASSERT_TRUE(env_->CreateDir("/mem/cache").ok());
    ASSERT_TRUE(write_snapshot_file(env_.get(), "/mem/cache/snapshot", snap));
  }

  std::unique_ptr<leveldb::Env> env_{leveldb::NewMemEnv(leveldb::Env::Default())};
};

TEST_F(CacheRecordTest, ClaimsBeyondTheBodyAreCorruptionNotAllocations) {
  const std::vector<std::pair<const char*, std::string>> bodies = {
      {"url size", claimed_url()},
      {"codes out of order", cache_body([](snapshot_writer& w) {
         good_fields(w, 1);
         w.bytes("abc");  // sorts before "demo"
         good_fields(w, 1);
       })},
      {"seq count", cache_body([](snapshot_writer& w) { good_fields(w, kHuge); })},
      {"cut short", cache_body([](snapshot_writer& w) { w.bytes("https://e"); })},
      {"trailing bytes", cache_body([](snapshot_writer& w) {
         good_fields(w, 1);
         w.varint(7);
       })},
  };
  for (const auto& [what, body] : bodies) {
    SCOPED_TRACE(what);
    cache_projection cache;
    ASSERT_TRUE(cache.apply(kLinksLog, created("kept", 1)));
    status st;
    std::size_t largest = testing::largest_allocation_during([&] { st = cache.load(body); });
    EXPECT_TRUE(st.is_corruption()) << st.to_string();
    EXPECT_LT(largest, kModestBytes);
    EXPECT_EQ(link_count(cache), 1u) << "a failed load leaves the state";
    EXPECT_TRUE(find_link(cache, "kept"));
  }
}

TEST_F(CacheRecordTest, AnalyticsClaimsBeyondTheBodyAreCorruptionToo) {
  // Lists: a link's lives, then days, countries, referrers and visits of one.
  for (int field = 0; field < 5; ++field) {
    SCOPED_TRACE("list " + std::to_string(field));
    std::string body;
    snapshot_writer w(&body);
    w.varint(0);  // no days of creates
    w.varint(0);  // no deleted codes
    w.varint(1);  // one link
    w.bytes("a");
    w.varint(field == 0 ? kHuge : 1);  // lives
    w.varint(0);                       // incarnation
    w.varint(1);                       // total
    w.varint(0);                       // bots
    w.varint(0);                       // hosts
    for (int i = 1; i < 5; ++i) w.varint(i == field ? kHuge : 0);
    analytics_projection analytics;
    status st;
    std::size_t largest = testing::largest_allocation_during([&] { st = analytics.load(body); });
    EXPECT_TRUE(st.is_corruption()) << st.to_string();
    EXPECT_LT(largest, kModestBytes);
  }
}

TEST_F(CacheRecordTest, AStoreWhoseSnapshotClaimsTooMuchStartsEmpty) {
  ASSERT_NO_FATAL_FAILURE(write_snapshot(claimed_url()));
  std::unique_ptr<projection_store> store;
  status st = open(/*create=*/false, &store);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();

  std::size_t largest = testing::largest_allocation_during([&] { st = open(true, &store); });
  ASSERT_TRUE(st) << st.to_string();
  EXPECT_LT(largest, kModestBytes);
  EXPECT_EQ(store->checkpoint(kLinksLog), 0u) << "rebuilt from the log's start";
  link_record out;
  EXPECT_TRUE(read_cached_link(*store, "demo", &out).is_not_found());
  EXPECT_TRUE(env_->FileExists("/mem/cache/snapshot.damaged"));
}

TEST_F(CacheRecordTest, IntactRecordStillReads) {
  std::string body = cache_body([](snapshot_writer& w) { good_fields(w, 1); });
  ASSERT_NO_FATAL_FAILURE(write_snapshot(body));
  std::unique_ptr<projection_store> store;
  ASSERT_TRUE(open(/*create=*/false, &store));
  link_record out;
  ASSERT_TRUE(read_cached_link(*store, "demo", &out));
  EXPECT_EQ(out.url, "https://example.com/");
  EXPECT_EQ(out.version, 1u);
  EXPECT_EQ(out.seqs, std::vector<std::uint64_t>{1});
  shard_replay replay;
  ASSERT_TRUE(load_cache_snapshot(*store, 2, &replay));
  EXPECT_EQ(replay.last_seq, 5u);
  ASSERT_EQ(replay.tables.size(), 2u);
  EXPECT_NE(replay.tables[shard_of("demo", 2)]->find("demo"), nullptr);
  EXPECT_EQ(replay.tables[0]->size() + replay.tables[1]->size(), 1u);
}

TEST_F(CacheRecordTest, ARecordSavesAndLoadsAsItWas) {
  cache_projection cache;
  ASSERT_TRUE(cache.apply(kLinksLog, created("a", 1)));
  ASSERT_TRUE(cache.apply(kLinksLog, created("b", 2)));
  envelope upd = make_envelope(link_updated{"a", "https://u.example/"}, 2000);
  upd.seq = 3;
  ASSERT_TRUE(cache.apply(kLinksLog, upd));
  envelope del = make_envelope(link_deleted{"b"}, 3000);
  del.seq = 4;
  ASSERT_TRUE(cache.apply(kLinksLog, del));
  ASSERT_TRUE(cache.apply(kLinksLog, upd)) << "an event already in the record";
  std::string saved;
  ASSERT_TRUE(cache.save(&saved));
  cache_projection back;
  ASSERT_TRUE(back.load(saved));
  std::vector<std::string> a, b;
  cache.for_each_entry([&](std::string_view k, std::string_view v) {
    a.push_back(std::string(k) + "=" + std::string(v));
  });
  back.for_each_entry([&](std::string_view k, std::string_view v) {
    b.push_back(std::string(k) + "=" + std::string(v));
  });
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 2u);
  std::optional<link_record> r = find_link(back, "a");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seqs, (std::vector<std::uint64_t>{1, 3})) << "applied once";
  EXPECT_EQ(r->version, 2u);
  ASSERT_TRUE(find_link(back, "b"));
  EXPECT_TRUE(find_link(back, "b")->deleted);
}

}  // namespace
}  // namespace linkly

namespace linkly {
namespace {

// The cache keeps its last snapshot plus the events since, merged at each
// save: across any interleaving of events and saves it must hold what a
// link table folding the same events holds.
TEST(CacheMergeTest, EventsMergedAcrossSavesEqualOneTableFold) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    cache_projection cache;
    link_table eager;
    std::uint64_t seq = 0;
    for (int i = 0; i < 400; ++i) {
      const std::string code = "c" + std::to_string(rng() % 40);
      link_event event;
      switch (rng() % 3) {
        case 0:
          event = link_created{code, "https://example.com/" + std::to_string(i)};
          break;
        case 1:
          event = link_updated{code, "https://example.org/" + std::to_string(i)};
          break;
        default:
          event = link_deleted{code};
      }
      envelope env = make_envelope(event, 1000 + i);
      env.seq = ++seq;
      ASSERT_TRUE(cache.apply(kLinksLog, env));
      eager.apply(event, env);
      if (rng() % 50 == 0) {
        std::string body;
        ASSERT_TRUE(cache.save(&body));
        cache.saved(std::move(body));
      }
    }
    std::vector<std::pair<std::string, std::string>> merged;
    std::vector<std::pair<std::string, std::string>> folded;
    cache.for_each_link([&](const std::string& code, const link_record& r) {
      merged.emplace_back(code, describe_link_record(r));
    });
    eager.for_each([&](const std::string& code, const link_record& r) {
      folded.emplace_back(code, describe_link_record(r));
    });
    std::sort(folded.begin(), folded.end());
    EXPECT_EQ(merged, folded);
    EXPECT_FALSE(merged.empty());
  }
}

}  // namespace
}  // namespace linkly
