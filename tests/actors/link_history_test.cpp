// What a history page or an as_of read takes from a link's record, and what
// the events read make of it. Plain functions, no actors.

#include "actors/link_history.hpp"
#include "schemas/link_events.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace linkly_test {
// link_updated as written before it carried attributes.
struct link_updated_v1 {
  std::string code;
  std::string url;
  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(code, url);
  }
};
}  // namespace linkly_test
CEREAL_CLASS_VERSION(linkly_test::link_updated_v1, 1);

namespace linkly {
namespace {

using Seqs = std::vector<std::uint64_t>;

link_record record(Seqs seqs, bool deleted) {
  link_record r;
  r.seqs = std::move(seqs);
  r.deleted = deleted;
  return r;
}

envelope at(std::uint64_t seq, std::int64_t time, const link_event& event) {
  envelope env = std::visit([&](const auto& e) { return make_envelope(e, time); }, event);
  env.seq = seq;
  return env;
}

TEST(HistoryPage, PagesFollowEachOtherWithCursors) {
  link_record r = record({2, 5, 9, 12, 20}, false);
  seq_page p1 = history_page(r, 0, 2);
  EXPECT_EQ(p1.seqs, (Seqs{2, 5}));
  EXPECT_EQ(p1.next, 5u);
  seq_page p2 = history_page(r, p1.next, 2);
  EXPECT_EQ(p2.seqs, (Seqs{9, 12}));
  EXPECT_EQ(p2.next, 12u);
  seq_page p3 = history_page(r, p2.next, 2);
  EXPECT_EQ(p3.seqs, (Seqs{20}));
  EXPECT_EQ(p3.next, 0u);  // the end
}

TEST(HistoryPage, ExactlyFullLastPageHasNoNext) {
  link_record r = record({2, 5}, false);
  seq_page p = history_page(r, 0, 2);
  EXPECT_EQ(p.seqs, (Seqs{2, 5}));
  EXPECT_EQ(p.next, 0u);
}

TEST(HistoryPage, CursorBetweenOrPastEventsAndLimitZero) {
  link_record r = record({2, 5, 9}, true);
  EXPECT_EQ(history_page(r, 3, 10).seqs, (Seqs{5, 9}));  // a seq of another link
  EXPECT_TRUE(history_page(r, 9, 10).seqs.empty());
  EXPECT_TRUE(history_page(r, 1000, 10).seqs.empty());
  seq_page none = history_page(r, 0, 0);
  EXPECT_TRUE(none.seqs.empty());
  EXPECT_EQ(none.next, 0u);
}

// created @1, updated @4, updated @6, deleted @7 (as link_table records it).
TEST(PlanAsOf, ReadsAtMostTheFirstAndTheLastEvent) {
  link_record r = record({1, 4, 6, 7}, true);
  EXPECT_FALSE(plan_as_of(r, 0).live);  // not created yet
  as_of_plan p = plan_as_of(r, 1);
  EXPECT_TRUE(p.live);
  EXPECT_EQ(p.version, 1u);
  EXPECT_EQ(p.reads, (Seqs{1}));
  p = plan_as_of(r, 3);  // seqs of other links between: the same answer
  EXPECT_EQ(p.reads, (Seqs{1}));
  p = plan_as_of(r, 5);
  EXPECT_EQ(p.version, 2u);
  EXPECT_EQ(p.reads, (Seqs{1, 4}));
  p = plan_as_of(r, 6);
  EXPECT_EQ(p.version, 3u);
  EXPECT_EQ(p.reads, (Seqs{1, 6}));
  EXPECT_FALSE(plan_as_of(r, 7).live);  // deleted
  EXPECT_FALSE(plan_as_of(r, 100).live);
  EXPECT_TRUE(plan_as_of(record({1, 4, 6}, false), 100).live);  // still live
}

// created @1, updated @3, deleted @4, created again @6, updated @8.
TEST(PlanAsOf, EachLifeIsReadFromItsOwnCreation) {
  link_record r = record({1, 3, 4, 6, 8}, false);
  r.recreated_at = {6};
  as_of_plan p = plan_as_of(r, 3);
  EXPECT_TRUE(p.live);
  EXPECT_EQ(p.version, 2u);
  EXPECT_EQ(p.reads, (Seqs{1, 3}));
  EXPECT_FALSE(plan_as_of(r, 4).live);  // the first life's deletion
  EXPECT_FALSE(plan_as_of(r, 5).live);
  p = plan_as_of(r, 6);
  EXPECT_TRUE(p.live);
  EXPECT_EQ(p.version, 1u);
  EXPECT_EQ(p.reads, (Seqs{6}));
  p = plan_as_of(r, 100);
  EXPECT_EQ(p.version, 2u);
  EXPECT_EQ(p.reads, (Seqs{6, 8}));
  r.seqs.push_back(9);
  r.deleted = true;
  EXPECT_FALSE(plan_as_of(r, 9).live);  // the second life's deletion
  EXPECT_TRUE(plan_as_of(r, 8).live);
}

TEST(PlanAsOf, LongHistoryStillReadsTwoEvents) {
  Seqs seqs;
  for (std::uint64_t s = 1; s <= 100'000; ++s) seqs.push_back(s);
  as_of_plan p = plan_as_of(record(seqs, false), 77'777);
  EXPECT_EQ(p.version, 77'777u);
  EXPECT_EQ(p.reads, (Seqs{1, 77'777}));
}

TEST(LinkFrom, CreationAloneIsVersionOneWithBothTimes) {
  link_record r = record({1, 4}, false);
  as_of_plan p = plan_as_of(r, 2);
  link_info link;
  ASSERT_TRUE(link_from("demo", p, {at(1, 100, link_created{"demo", "https://a.example"})}, &link));
  EXPECT_EQ(link.code, "demo");
  EXPECT_EQ(link.url, "https://a.example");
  EXPECT_EQ(link.version, 1u);
  EXPECT_EQ(link.created_at_ms, 100);
  EXPECT_EQ(link.updated_at_ms, 100);
}

TEST(LinkFrom, UpdateSetsUrlAndUpdatedTimeKeepsCreation) {
  link_record r = record({1, 4, 6}, false);
  as_of_plan p = plan_as_of(r, 6);
  link_info link;
  ASSERT_TRUE(link_from("demo", p,
                        {at(1, 100, link_created{"demo", "https://a.example"}),
                         at(6, 600, link_updated{"demo", "https://c.example"})},
                        &link));
  EXPECT_EQ(link.url, "https://c.example");
  EXPECT_EQ(link.version, 3u);
  EXPECT_EQ(link.created_at_ms, 100);
  EXPECT_EQ(link.updated_at_ms, 600);
}

using linkly_test::link_updated_v1;

TEST(LinkFrom, AttributesComeFromTheLastUpdateOrTheCreation) {
  link_record r = record({1, 4}, false);
  link_attributes created;
  created.title = "Created";
  link_attributes updated;
  updated.tags = {"t"};
  link_info link;
  // A version-1 update (no attributes) keeps the creation's.
  envelope v1_update = at(4, 400, link_updated{"demo", "https://b.example"});
  v1_update.payload = encode_payload(link_updated_v1{"demo", "https://b.example"});
  ASSERT_TRUE(link_from("demo", plan_as_of(r, 4),
                        {at(1, 100, link_created{"demo", "https://a.example", created}), v1_update},
                        &link));
  EXPECT_EQ(link.url, "https://b.example");
  EXPECT_EQ(link.attrs, created);
  EXPECT_EQ(link.incarnation, 1u);
  ASSERT_TRUE(link_from("demo", plan_as_of(r, 4),
                        {at(1, 100, link_created{"demo", "https://a.example", created}),
                         at(4, 400, link_updated{"demo", "https://b.example", updated})},
                        &link));
  EXPECT_EQ(link.attrs, updated);
}

TEST(LinkFrom, EventsThatDoNotFitThePlanAreRefused) {
  link_record r = record({1, 4}, false);
  as_of_plan p = plan_as_of(r, 4);
  link_info link;
  // A deletion where an update must be, an update where the creation must be.
  EXPECT_FALSE(link_from(
      "demo", p,
      {at(1, 100, link_created{"demo", "https://a.example"}), at(4, 400, link_deleted{"demo"})},
      &link));
  EXPECT_FALSE(link_from("demo", p,
                         {at(1, 100, link_updated{"demo", "https://a.example"}),
                          at(4, 400, link_updated{"demo", "https://b.example"})},
                         &link));
  EXPECT_FALSE(link_from("demo", p, {}, &link));
}

TEST(HistoryEntry, CarriesTypeTimeAndUrl) {
  link_history_entry e = history_entry(at(3, 300, link_updated{"demo", "https://b.example"}));
  EXPECT_EQ(e.seq, 3u);
  EXPECT_EQ(e.type, "LinkUpdated");
  EXPECT_EQ(e.timestamp_ms, 300);
  EXPECT_EQ(e.url, "https://b.example");
  EXPECT_EQ(history_entry(at(4, 400, link_deleted{"demo"})).url, "");
}

}  // namespace
}  // namespace linkly
