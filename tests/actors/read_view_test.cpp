// read_view over link tables: io threads read the tables' records in place
// while the owning link actor changes them.

#include "actors/read_view.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace linkly {
namespace {

std::string code_of(int i) {
  return "c" + std::to_string(i);
}

// Two urls per code of different sizes, so updates move the record.
std::string short_url(int i) {
  return "https://s/" + std::to_string(i);
}
std::string long_url(int i) {
  return "https://a.much.longer.example/path/" + std::to_string(i) + "?q=1";
}

envelope env_at(std::uint64_t seq) {
  envelope env;
  env.seq = seq;
  env.timestamp_ms = static_cast<std::int64_t>(seq);
  return env;
}

TEST(ReadView, FindsLiveLinksOfEveryAttachedShard) {
  const std::size_t shards = 4;
  std::vector<std::shared_ptr<link_table>> tables;
  for (std::size_t i = 0; i < shards; ++i) tables.push_back(std::make_shared<link_table>());
  std::uint64_t seq = 0;
  for (int i = 0; i < 400; ++i) {
    tables[shard_of(code_of(i), shards)]->apply(link_created{code_of(i), short_url(i)},
                                                env_at(++seq));
  }
  tables[shard_of(code_of(7), shards)]->apply(link_deleted{code_of(7)}, env_at(++seq));
  read_view view;
  view.attach(tables);
  EXPECT_EQ(view.size(), 399u);
  link_info link;
  ASSERT_TRUE(view.find(code_of(5), &link));
  EXPECT_EQ(link.code, code_of(5));
  EXPECT_EQ(link.url, short_url(5));
  EXPECT_EQ(link.version, 1u);
  EXPECT_FALSE(view.find(code_of(7), &link));  // deleted
  EXPECT_FALSE(view.find("nope", &link));
  std::string url;
  ASSERT_TRUE(view.find_url(code_of(399), &url));
  EXPECT_EQ(url, short_url(399));
}

TEST(ReadView, ARebuiltShardReplacesWhatTheViewReads) {
  auto table = std::make_shared<link_table>();
  table->apply(link_created{"a", short_url(1)}, env_at(1));
  table->apply(link_created{"b", short_url(2)}, env_at(2));
  read_view view;
  view.attach({table});
  link_table fresh;  // as the log has it: "b" was deleted, "c" created
  fresh.apply(link_created{"a", long_url(1)}, env_at(1));
  fresh.apply(link_created{"b", short_url(2)}, env_at(2));
  fresh.apply(link_deleted{"b"}, env_at(3));
  fresh.apply(link_created{"c", short_url(3)}, env_at(4));
  table->take(fresh);
  EXPECT_EQ(fresh.size(), 0u);
  std::string url;
  ASSERT_TRUE(view.find_url("a", &url));
  EXPECT_EQ(url, long_url(1));
  EXPECT_FALSE(view.find_url("b", &url));
  EXPECT_TRUE(view.find_url("c", &url));
  EXPECT_EQ(view.size(), 2u);
  EXPECT_EQ(table->size(), 3u);
}

TEST(ReadView, UpsertAndEraseFillAViewByHand) {
  read_view view;
  view.upsert({"x", short_url(1), 3, 10, 20});
  view.upsert({"x", long_url(1), 4, 10, 30});
  link_info link;
  ASSERT_TRUE(view.find("x", &link));
  EXPECT_EQ(link.url, long_url(1));
  EXPECT_EQ(link.version, 4u);
  EXPECT_EQ(link.updated_at_ms, 30);
  EXPECT_EQ(view.size(), 1u);
  view.erase("x");
  EXPECT_FALSE(view.find("x", &link));
  EXPECT_EQ(view.size(), 0u);
  view.upsert({"x", short_url(2), 1, 0, 0});  // a code erased comes back
  EXPECT_TRUE(view.find("x", &link));
}

// Readers on other threads while the owner updates urls (moving records),
// creates and deletes links: every read sees a whole link, one of the urls
// its code ever had, with a version that matches that url.
TEST(ReadView, ReadersSeeWholeLinksWhileTheOwnerWrites) {
  const int n = 2'000;
  auto table = std::make_shared<link_table>();
  std::uint64_t seq = 0;
  for (int i = 0; i < n; ++i) table->apply(link_created{code_of(i), short_url(i)}, env_at(++seq));
  read_view view;
  view.attach({table});

  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> bad{0};
  std::atomic<std::uint64_t> reads{0};
  auto reader = [&](int offset) {
    link_info link;
    for (int k = offset; !done.load(); k = (k + 7) % (2 * n)) {
      if (!view.find(code_of(k), &link)) continue;  // deleted, or not created yet
      reads.fetch_add(1, std::memory_order_relaxed);
      // Odd versions carry the short url, even ones the long one.
      const std::string& want = link.version % 2 == 1 ? short_url(k) : long_url(k);
      if (link.code != code_of(k) || link.url != want) bad.fetch_add(1);
    }
  };
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) readers.emplace_back(reader, r * 101);

  // Bounded by rounds, not time: the readers stop when the writer is done.
  for (int round = 0; round < 20; ++round) {
    for (int i = 0; i < n; ++i) {
      const std::string url = round % 2 == 0 ? long_url(i) : short_url(i);
      table->apply(link_updated{code_of(i), url}, env_at(++seq));
    }
    const int fresh = n + round * 50;
    for (int i = fresh; i < fresh + 50; ++i) {
      table->apply(link_created{code_of(i), short_url(i)}, env_at(++seq));
    }
    table->apply(link_deleted{code_of(fresh)}, env_at(++seq));
  }
  // Let the readers see the final state at least once before stopping.
  while (reads.load() < 10'000) std::this_thread::yield();
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0u);
  EXPECT_EQ(table->ignored_events(), 0u);
  EXPECT_EQ(view.size(), static_cast<std::size_t>(n + 20 * 50 - 20));
  link_info link;
  ASSERT_TRUE(view.find(code_of(100), &link));
  EXPECT_EQ(link.version, 21u);
  EXPECT_EQ(link.url, short_url(100));
}

}  // namespace
}  // namespace linkly
