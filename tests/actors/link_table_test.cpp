// link_table: the rules commands are checked against and the state events
// build, without any actor.

#include "actors/link_table.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace linkly {
namespace {

// Feeds accepted decisions straight back into the table, like a link actor
// whose appends always succeed, with seqs and timestamps under test control.
class LinkTableTest : public ::testing::Test {
 protected:
  template <class Command>
  decision run(const Command& cmd, std::int64_t timestamp_ms = 0) {
    decision d = table.decide(cmd);
    if (d.accepted) apply(d.event, timestamp_ms);
    return d;
  }

  void apply(const link_event& event, std::int64_t timestamp_ms) {
    envelope env = make_envelope(event, timestamp_ms);
    env.seq = ++last_seq;
    table.apply(event, env);
  }

  link_table table;
  std::uint64_t last_seq = 0;
};

TEST_F(LinkTableTest, CreateOfAFreeCodeIsAcceptedAsLinkCreated) {
  decision d = table.decide(create_link{"abc", "https://a.example/"});
  ASSERT_TRUE(d.accepted);
  ASSERT_TRUE(std::holds_alternative<link_created>(d.event));
  EXPECT_EQ(std::get<link_created>(d.event).code, "abc");
  EXPECT_EQ(std::get<link_created>(d.event).url, "https://a.example/");
  // decide() alone changes nothing.
  EXPECT_EQ(table.find("abc"), nullptr);
}

TEST_F(LinkTableTest, CreateOfATakenCodeIsAConflict) {
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}).accepted);
  decision d = run(create_link{"abc", "https://b.example/"});
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.refusal.code, command_errc::conflict);
  EXPECT_FALSE(d.refusal.error.empty());
  link_info info;
  ASSERT_TRUE(table.live("abc", &info));
  EXPECT_EQ(info.url, "https://a.example/");
  EXPECT_EQ(info.version, 1u);
}

TEST_F(LinkTableTest, UpdateOfAnUnknownCodeIsNotFound) {
  decision d = table.decide(update_link{"nope", "https://a.example/"});
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.refusal.code, command_errc::not_found);
}

TEST_F(LinkTableTest, UpdateOfADeletedLinkIsNotFound) {
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}).accepted);
  ASSERT_TRUE(run(delete_link{"abc"}).accepted);
  decision d = table.decide(update_link{"abc", "https://b.example/"});
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.refusal.code, command_errc::not_found);
}

TEST_F(LinkTableTest, SecondDeleteIsNotFound) {
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}).accepted);
  decision first = run(delete_link{"abc"});
  ASSERT_TRUE(first.accepted);
  EXPECT_TRUE(std::holds_alternative<link_deleted>(first.event));
  decision second = run(delete_link{"abc"});
  EXPECT_FALSE(second.accepted);
  EXPECT_EQ(second.refusal.code, command_errc::not_found);
}

TEST_F(LinkTableTest, DeleteOfAnUnknownCodeIsNotFound) {
  decision d = table.decide(delete_link{"nope"});
  EXPECT_FALSE(d.accepted);
  EXPECT_EQ(d.refusal.code, command_errc::not_found);
}

TEST_F(LinkTableTest, DeletedCodeCreatedAgainStartsANewLife) {
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}, 100).accepted);
  ASSERT_TRUE(run(update_link{"abc", "https://a2.example/"}, 200).accepted);
  ASSERT_TRUE(run(delete_link{"abc"}, 300).accepted);
  EXPECT_EQ(table.live_size(), 0u);
  link_attributes attrs;
  attrs.title = "Second";
  decision d = run(create_link{"abc", "https://b.example/", attrs}, 400);
  ASSERT_TRUE(d.accepted);
  EXPECT_EQ(table.live_size(), 1u);
  EXPECT_EQ(table.size(), 1u);
  const link_record* r = table.find("abc");
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->deleted);
  EXPECT_EQ(r->url, "https://b.example/");
  EXPECT_EQ(r->version, 1u);
  EXPECT_EQ(r->created_at_ms, 400);
  EXPECT_EQ(r->attrs.title, "Second");
  EXPECT_EQ(r->seqs, (std::vector<std::uint64_t>{1, 2, 3, 4}));  // every life's events
  EXPECT_EQ(r->recreated_at, (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(r->incarnation(), 4u);
  EXPECT_EQ(table.lookup("abc")->incarnation(), 4u);
  link_info live;
  ASSERT_TRUE(table.live("abc", &live));
  EXPECT_EQ(live.incarnation, 4u);
  // Live again: taken.
  EXPECT_EQ(run(create_link{"abc", "https://c.example/"}).refusal.code, command_errc::conflict);
}

TEST_F(LinkTableTest, ACodeCreatedOnceHasItsFirstSeqAsIncarnation) {
  ASSERT_TRUE(run(create_link{"other", "https://o.example/"}).accepted);
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}).accepted);
  ASSERT_TRUE(run(update_link{"abc", "https://a2.example/"}).accepted);
  EXPECT_EQ(table.lookup("abc")->incarnation(), 2u);
  EXPECT_EQ(table.lookup("abc")->extras(), nullptr) << "no attributes, one life: no extras";
}

TEST_F(LinkTableTest, AttributesAreKeptAndPatched) {
  link_attributes attrs;
  attrs.title = "Promo";
  attrs.tags = {"a", "b"};
  attrs.max_visits = 3;
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/", attrs}).accepted);
  EXPECT_EQ(table.lookup("abc")->attrs(), attrs);

  // url "" = unchanged; the event carries the whole state after the patch.
  update_link patch{"abc", ""};
  patch.patch.title = std::string("Renamed");
  patch.patch.max_visits = std::optional<std::uint32_t>{};  // cleared
  decision d = run(patch);
  ASSERT_TRUE(d.accepted);
  const auto& event = std::get<link_updated>(d.event);
  EXPECT_EQ(event.url, "https://a.example/");
  ASSERT_TRUE(event.attrs.has_value());
  EXPECT_EQ(event.attrs->title, "Renamed");
  EXPECT_EQ(event.attrs->tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(event.attrs->max_visits.has_value());

  link_info live;
  ASSERT_TRUE(table.live("abc", &live));
  EXPECT_EQ(live.url, "https://a.example/");
  EXPECT_EQ(live.version, 2u);
  EXPECT_EQ(live.attrs, *event.attrs);

  // Back to the defaults: the extras block goes.
  update_link clear{"abc", "https://longer.example/path"};
  clear.patch.title = std::string();
  clear.patch.tags = std::vector<std::string>{};
  ASSERT_TRUE(run(clear).accepted);
  EXPECT_EQ(table.lookup("abc")->extras(), nullptr);
  EXPECT_EQ(table.lookup("abc")->url(), "https://longer.example/path");
  EXPECT_EQ(table.lookup("abc")->version, 3u);
}

TEST_F(LinkTableTest, AVersionOneUpdateChangesTheUrlAndKeepsTheAttributes) {
  link_attributes attrs;
  attrs.crawlable = true;
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/", attrs}).accepted);
  apply(link_updated{"abc", "https://b.example/"}, 0);  // as decoded from a version-1 record
  link_info live;
  ASSERT_TRUE(table.live("abc", &live));
  EXPECT_EQ(live.url, "https://b.example/");
  EXPECT_EQ(live.attrs, attrs);
}

TEST_F(LinkTableTest, ListFiltersByEveryTagAsked) {
  link_attributes ab;
  ab.tags = {"a", "b"};
  link_attributes b;
  b.tags = {"b"};
  ASSERT_TRUE(run(create_link{"one", "https://1.example/", ab}).accepted);
  ASSERT_TRUE(run(create_link{"two", "https://2.example/", b}).accepted);
  ASSERT_TRUE(run(create_link{"three", "https://3.example/"}).accepted);
  auto codes_of = [](const std::vector<link_info>& links) {
    std::vector<std::string> out;
    for (const auto& l : links) out.push_back(l.code);
    return out;
  };
  EXPECT_EQ(codes_of(table.list("", 10, {"b"})), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(codes_of(table.list("", 10, {"a", "b"})), (std::vector<std::string>{"one"}));
  EXPECT_EQ(codes_of(table.list("", 1, {"b"})), (std::vector<std::string>{"one"}));
  EXPECT_EQ(codes_of(table.list("one", 10, {"b"})), (std::vector<std::string>{"two"}));
  EXPECT_TRUE(table.list("", 10, {"zzz"}).empty());
  EXPECT_EQ(table.list("", 10).size(), 3u);
}

TEST_F(LinkTableTest, RecordsWithExtrasRestoreWhole) {
  link_attributes attrs;
  attrs.tags = {"x"};
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/", attrs}).accepted);
  ASSERT_TRUE(run(delete_link{"abc"}).accepted);
  ASSERT_TRUE(run(create_link{"abc", "https://b.example/", attrs}).accepted);
  link_record saved = *table.find("abc");
  link_table other;
  other.restore("abc", saved);
  const link_record* back = other.find("abc");
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->attrs, attrs);
  EXPECT_EQ(back->recreated_at, saved.recreated_at);
  EXPECT_EQ(back->seqs, saved.seqs);
  EXPECT_EQ(other.lookup("abc")->incarnation(), 3u);
}

TEST_F(LinkTableTest, ApplyTracksVersionTimestampsAndSeqs) {
  ASSERT_TRUE(run(create_link{"abc", "https://v1.example/"}, 1000).accepted);
  const link_record* r = table.find("abc");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->version, 1u);
  EXPECT_EQ(r->url, "https://v1.example/");
  EXPECT_EQ(r->created_at_ms, 1000);
  EXPECT_EQ(r->updated_at_ms, 1000);
  EXPECT_FALSE(r->deleted);
  EXPECT_EQ(r->seqs, (std::vector<std::uint64_t>{1}));

  // Another code's event in between: seqs are the log's, not per code.
  ASSERT_TRUE(run(create_link{"other", "https://o.example/"}, 1500).accepted);

  ASSERT_TRUE(run(update_link{"abc", "https://v2.example/"}, 2000).accepted);
  EXPECT_EQ(r->version, 2u);
  EXPECT_EQ(r->url, "https://v2.example/");
  EXPECT_EQ(r->created_at_ms, 1000);
  EXPECT_EQ(r->updated_at_ms, 2000);

  ASSERT_TRUE(run(update_link{"abc", "https://v3.example/"}, 3000).accepted);
  EXPECT_EQ(r->version, 3u);
  EXPECT_EQ(r->updated_at_ms, 3000);

  link_info info;
  ASSERT_TRUE(table.live("abc", &info));
  EXPECT_EQ(info.code, "abc");
  EXPECT_EQ(info.url, "https://v3.example/");
  EXPECT_EQ(info.version, 3u);
  EXPECT_EQ(info.created_at_ms, 1000);
  EXPECT_EQ(info.updated_at_ms, 3000);

  ASSERT_TRUE(run(delete_link{"abc"}, 4000).accepted);
  EXPECT_TRUE(r->deleted);
  EXPECT_EQ(r->updated_at_ms, 4000);
  EXPECT_EQ(r->seqs, (std::vector<std::uint64_t>{1, 3, 4, 5}));
  EXPECT_FALSE(table.live("abc", &info));
  EXPECT_EQ(table.size(), 2u);  // deleted records stay
  EXPECT_EQ(table.ignored_events(), 0u);
}

TEST_F(LinkTableTest, ListSkipsDeletedLinksInCodeOrder) {
  for (const char* code : {"d", "b", "a", "e", "c", "f"}) {
    ASSERT_TRUE(run(create_link{code, std::string("https://x.example/") + code}).accepted);
  }
  ASSERT_TRUE(run(delete_link{"c"}).accepted);
  ASSERT_TRUE(run(delete_link{"a"}).accepted);

  auto codes = [](const std::vector<link_info>& links) {
    std::vector<std::string> out;
    for (const auto& l : links) out.push_back(l.code);
    return out;
  };
  EXPECT_EQ(codes(table.list("", 100)), (std::vector<std::string>{"b", "d", "e", "f"}));
  EXPECT_EQ(codes(table.list("", 2)), (std::vector<std::string>{"b", "d"}));
  // `after` is exclusive, and a deleted code works as a cursor.
  EXPECT_EQ(codes(table.list("b", 2)), (std::vector<std::string>{"d", "e"}));
  EXPECT_EQ(codes(table.list("c", 100)), (std::vector<std::string>{"d", "e", "f"}));
  EXPECT_EQ(codes(table.list("f", 100)), std::vector<std::string>{});
  EXPECT_EQ(codes(table.list("", 0)), std::vector<std::string>{});

  std::vector<link_info> all = table.list("", 100);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].url, "https://x.example/b");
  EXPECT_EQ(all[0].version, 1u);
}

TEST_F(LinkTableTest, EventsThatDoNotFitTheStateAreIgnoredAndCounted) {
  apply(link_updated{"ghost", "https://g.example/"}, 10);
  EXPECT_EQ(table.find("ghost"), nullptr);
  EXPECT_EQ(table.ignored_events(), 1u);

  apply(link_deleted{"ghost"}, 11);
  EXPECT_EQ(table.find("ghost"), nullptr);
  EXPECT_EQ(table.ignored_events(), 2u);

  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}, 12).accepted);
  apply(link_created{"abc", "https://dup.example/"}, 13);  // a duplicate create
  EXPECT_EQ(table.ignored_events(), 3u);
  const link_record* r = table.find("abc");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->url, "https://a.example/");
  EXPECT_EQ(r->version, 1u);
  EXPECT_EQ(r->seqs.size(), 1u);

  ASSERT_TRUE(run(delete_link{"abc"}).accepted);
  apply(link_updated{"abc", "https://late.example/"}, 14);  // after the delete
  EXPECT_EQ(table.ignored_events(), 4u);
  EXPECT_TRUE(r->deleted);
  EXPECT_EQ(r->url, "https://a.example/");
  EXPECT_EQ(table.size(), 1u);
}

// More codes than the order index keeps unmerged, created in no order,
// listed page by page while more are created between the pages.
TEST_F(LinkTableTest, ListPagesStayInCodeOrderAcrossManyCreates) {
  std::set<std::string> want;
  auto create = [&](int i) {
    std::string code = "k" + std::to_string((i * 7919) % 100'003);
    ASSERT_TRUE(run(create_link{code, "https://x.example/" + code}).accepted);
    want.insert(code);
  };
  for (int i = 0; i < 5'000; ++i) create(i);
  std::vector<std::string> seen;
  std::string after;
  for (int page = 0;; ++page) {
    std::vector<link_info> links = table.list(after, 300);
    if (links.empty()) break;
    for (const auto& l : links) seen.push_back(l.code);
    after = links.back().code;
    // Codes above the cursor join the pages still to come.
    if (page < 5) create(5'000 + page);
  }
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());
  for (const auto& code : seen) EXPECT_EQ(want.count(code), 1u) << code;
  // Everything created before the walk is on some page.
  EXPECT_GE(seen.size(), 5'000u);
}

TEST_F(LinkTableTest, ForEachVisitsEveryRecordInCodeOrder) {
  for (const char* code : {"m", "c", "x", "a"}) {
    ASSERT_TRUE(run(create_link{code, std::string("https://x.example/") + code}).accepted);
  }
  ASSERT_TRUE(run(update_link{"c", "https://a.longer.example/than/before"}).accepted);
  ASSERT_TRUE(run(delete_link{"x"}).accepted);
  std::vector<std::string> codes;
  std::vector<link_record> records;
  table.for_each([&](const std::string& code, const link_record& r) {
    codes.push_back(code);
    records.push_back(r);
  });
  EXPECT_EQ(codes, (std::vector<std::string>{"a", "c", "m", "x"}));
  EXPECT_EQ(records[1].url, "https://a.longer.example/than/before");
  EXPECT_EQ(records[1].seqs, (std::vector<std::uint64_t>{2, 5}));
  EXPECT_TRUE(records[3].deleted);
}

TEST_F(LinkTableTest, RestoreReplacesARecordWhole) {
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}).accepted);
  link_record r;
  r.url = "https://restored.example/a/longer/url";
  r.version = 4;
  r.created_at_ms = 5;
  r.updated_at_ms = 9;
  r.seqs = {3, 6, 7, 9};
  table.restore("abc", r);
  table.restore("new", r);
  const link_record* got = table.find("abc");
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(got->url, r.url);
  EXPECT_EQ(got->version, 4u);
  EXPECT_EQ(got->seqs, r.seqs);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(table.live_size(), 2u);
  r.deleted = true;
  table.restore("abc", r);
  EXPECT_TRUE(got->deleted);  // find()'s answer follows its code
  EXPECT_EQ(table.live_size(), 1u);
  std::vector<link_info> all = table.list("", 10);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].code, "new");
}

TEST_F(LinkTableTest, RemoveForgetsACode) {
  ASSERT_TRUE(run(create_link{"abc", "https://a.example/"}).accepted);
  ASSERT_TRUE(run(create_link{"abd", "https://b.example/"}).accepted);
  table.remove("abc");
  table.remove("nope");
  EXPECT_EQ(table.lookup("abc"), nullptr);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.live_size(), 1u);
  EXPECT_TRUE(run(create_link{"abc", "https://c.example/"}).accepted);
  EXPECT_EQ(table.list("", 10).size(), 2u);
}

// FNV-1a 64, written out independently of the code under test.
std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

TEST(ShardOf, IsFnv1a64ModuloShards) {
  // Known FNV-1a 64 test vectors pin the hash itself.
  ASSERT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
  ASSERT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  ASSERT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);

  EXPECT_EQ(shard_of("abc", 4), static_cast<std::size_t>(fnv1a64("abc") % 4));
  EXPECT_EQ(shard_of("a", 4), static_cast<std::size_t>(0xaf63dc4c8601ec8cull % 4));
  EXPECT_EQ(shard_of("foobar", 4), static_cast<std::size_t>(0x85944171f73967e8ull % 4));
  for (const std::string code : {"x", "promo", "Z9_-", "a-much-longer-code-than-usual"}) {
    EXPECT_EQ(shard_of(code, 4), static_cast<std::size_t>(fnv1a64(code) % 4)) << code;
    EXPECT_EQ(shard_of(code, 7), static_cast<std::size_t>(fnv1a64(code) % 7)) << code;
  }
}

TEST(ShardOf, IsStableAndInRange) {
  std::set<std::size_t> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string code = "c" + std::to_string(i);
    for (std::size_t shards : {1u, 2u, 4u, 13u}) {
      std::size_t s = shard_of(code, shards);
      EXPECT_LT(s, shards);
      EXPECT_EQ(shard_of(code, shards), s);
    }
    seen.insert(shard_of(code, 4));
  }
  EXPECT_EQ(seen.size(), 4u);  // every shard gets codes
}

}  // namespace
}  // namespace linkly
