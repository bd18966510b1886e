// stored_link and link_map: the compact record and the open-addressing map
// the link tables keep their links in.

#include "actors/link_map.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linkly {
namespace {

std::string code_of(int i) {
  return "c" + std::to_string(i);
}

stored_link* make(int i) {
  return stored_link::make(code_of(i), "https://example.com/" + std::to_string(i));
}

void insert(link_map& map, stored_link* link) {
  map.insert(link, link_hash(link->code()));
}

stored_link* find(const link_map& map, const std::string& code) {
  return map.find(code, link_hash(code));
}

TEST(StoredLink, HoldsCodeAndUrlAndGrowsItsSeqs) {
  stored_link* l = stored_link::make("abc", "https://a.example/x");
  EXPECT_EQ(l->code(), "abc");
  EXPECT_EQ(l->url(), "https://a.example/x");
  EXPECT_TRUE(l->seqs().empty());
  std::vector<std::uint64_t> want;
  for (std::uint64_t s = 1; s <= 100; ++s) {
    l->push_seq(s * 3);
    want.push_back(s * 3);
    ASSERT_EQ(std::vector<std::uint64_t>(l->seqs().begin(), l->seqs().end()), want) << s;
  }
  stored_link::destroy(l);
}

TEST(StoredLink, SetUrlKeepsEverythingElse) {
  for (std::uint64_t seqs : {1u, 2u, 5u}) {
    stored_link* l = stored_link::make("abc", "https://a.example/x");
    l->version = 7;
    l->created_at_ms = 11;
    l->updated_at_ms = 12;
    for (std::uint64_t s = 1; s <= seqs; ++s) l->push_seq(s);
    ASSERT_EQ(stored_link::set_url(l, "https://b.example/x"), l);  // same size: in place
    EXPECT_EQ(l->url(), "https://b.example/x");
    for (const char* url : {"https://a.much.longer.example/path?q=1", "https://s/"}) {
      stored_link* now = stored_link::set_url(l, url);
      ASSERT_NE(now, l);
      EXPECT_TRUE(l->seqs().empty());  // handed over
      stored_link::destroy(l);
      l = now;
    }
    EXPECT_EQ(l->code(), "abc");
    EXPECT_EQ(l->url(), "https://s/");
    EXPECT_EQ(l->version, 7u);
    EXPECT_EQ(l->created_at_ms, 11);
    EXPECT_EQ(l->updated_at_ms, 12);
    ASSERT_EQ(l->seqs().size, seqs);
    EXPECT_EQ(l->seqs().back(), seqs);
    stored_link::destroy(l);
  }
}

TEST(LinkMap, GrowsAndFindsEveryRecord) {
  link_map map;
  const int n = 20'000;
  for (int i = 0; i < n; ++i) insert(map, make(i));
  EXPECT_EQ(map.size(), static_cast<std::size_t>(n));
  // Past 3/4 full it doubles: never more than twice the slots needed.
  EXPECT_LE(map.slot_bytes(), 2 * n * 4 / 3 * sizeof(std::uintptr_t) + 16 * sizeof(std::uintptr_t));
  for (int i = 0; i < n; ++i) {
    stored_link* l = find(map, code_of(i));
    ASSERT_NE(l, nullptr) << i;
    EXPECT_EQ(l->url(), "https://example.com/" + std::to_string(i));
  }
  EXPECT_EQ(find(map, "c-1"), nullptr);
  EXPECT_EQ(find(map, code_of(n)), nullptr);
}

TEST(LinkMap, EraseKeepsTheOthersReachable) {
  // A small map probes in long runs that wrap around: erase must shift
  // the run back, or records behind the hole become unreachable.
  for (int n : {5, 12, 100, 5'000}) {
    link_map map;
    for (int i = 0; i < n; ++i) insert(map, make(i));
    for (int i = 0; i < n; i += 2) ASSERT_TRUE(map.erase(code_of(i), link_hash(code_of(i))));
    EXPECT_FALSE(map.erase(code_of(0), link_hash(code_of(0))));
    EXPECT_EQ(map.size(), static_cast<std::size_t>(n / 2));
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(find(map, code_of(i)) != nullptr, i % 2 == 1) << n << " " << i;
    }
    std::size_t seen = 0;
    map.for_each([&](const stored_link&) { ++seen; });
    EXPECT_EQ(seen, static_cast<std::size_t>(n / 2));
  }
}

TEST(LinkMap, ErasedCodesCanBeInsertedAgain) {
  link_map map;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1'000; ++i) insert(map, make(i));
    ASSERT_EQ(map.size(), 1'000u);
    for (int i = 0; i < 1'000; ++i) ASSERT_TRUE(map.erase(code_of(i), link_hash(code_of(i))));
    ASSERT_EQ(map.size(), 0u);
    EXPECT_EQ(find(map, code_of(3)), nullptr);
  }
  // Erase then reuse did not grow the slots beyond what 1,000 need.
  EXPECT_LE(map.slot_bytes(), 2'048 * sizeof(std::uintptr_t));
}

TEST(LinkMap, MovedPointsTheSlotAtTheNewRecord) {
  link_map map;
  for (int i = 0; i < 100; ++i) insert(map, make(i));
  stored_link* l = find(map, code_of(42));
  const std::uint64_t h = link_hash(l->code());
  stored_link* from = l;
  stored_link* to = stored_link::set_url(l, "https://a.much.longer.example/than/before");
  ASSERT_NE(to, from);
  map.moved(from, to, h);
  stored_link::destroy(from);
  EXPECT_EQ(find(map, code_of(42)), to);
  EXPECT_EQ(find(map, code_of(42))->url(), "https://a.much.longer.example/than/before");
}

// Past 2^20 slots the slot no longer holds all the bits the index needs:
// growing and erasing read the record's code instead.
TEST(LinkMap, GrowsPastTheHashBitsASlotKeeps) {
  link_map map;
  const int n = 800'000;  // over 3/4 of 2^20
  for (int i = 0; i < n; ++i) insert(map, make(i));
  EXPECT_GT(map.slot_bytes(), (std::size_t{1} << 20) * sizeof(std::uintptr_t));
  for (int i = 0; i < n; i += 997) ASSERT_NE(find(map, code_of(i)), nullptr) << i;
  for (int i = 0; i < n; i += 3) ASSERT_TRUE(map.erase(code_of(i), link_hash(code_of(i))));
  for (int i = 0; i < n; i += 1001) EXPECT_EQ(find(map, code_of(i)) != nullptr, i % 3 != 0) << i;
}

TEST(LinkMap, ReserveAvoidsGrowth) {
  link_map map;
  map.reserve(10'000);
  const std::size_t slots = map.slot_bytes();
  for (int i = 0; i < 10'000; ++i) insert(map, make(i));
  EXPECT_EQ(map.slot_bytes(), slots);
}

}  // namespace
}  // namespace linkly
