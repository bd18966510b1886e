// VisitsDeleted in the analytics projection: a life loses every visit
// applied before it (counts, aggregates, visit index), later clicks count
// afresh, other lives and codes keep theirs, and the state is the same
// however the links and clicks logs interleave, after a snapshot, and in a
// rebuild.

#include "actors/analytics_projection.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "schemas/orphan_visit.hpp"
#include "schemas/visits_deleted.hpp"
#include "tests/actors/analytics_events.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace linkly {
namespace {

using namespace analytics_test;

constexpr std::int64_t kDayMs = 86'400'000;

envelope click_at(std::uint64_t seq, const std::string& code, std::uint64_t incarnation,
                  std::int64_t at_ms, const std::string& country = "DE",
                  const std::string& referrer = "https://news.example/") {
  click_recorded c;
  c.code = code;
  c.clicked_at_ms = at_ms;
  c.country = country;
  c.referrer = referrer;
  c.user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
  c.incarnation = incarnation;
  return numbered(seq, make_click_envelope(c));
}

envelope visits_gone(std::uint64_t seq, const std::string& code, std::uint64_t incarnation,
                     bool unnamed_too) {
  visits_deleted e;
  e.code = code;
  e.incarnation = incarnation;
  e.unnamed_too = unnamed_too;
  e.deleted_at_ms = kT0;
  return numbered(seq, make_visits_deleted_envelope(e));
}

envelope orphans_gone(std::uint64_t seq) {
  visits_deleted e;
  e.orphans = true;
  e.deleted_at_ms = kT0;
  return numbered(seq, make_visits_deleted_envelope(e));
}

envelope orphan_at(std::uint64_t seq) {
  orphan_visit v;
  v.visited_at_ms = kT0;
  v.visited_url = "/s/nope";
  return numbered(seq, make_orphan_envelope(v));
}

// The visit seqs of a life, and its aggregates as the reader joins them.
std::vector<std::uint64_t> visit_seqs(const analytics_projection& p, const std::string& code,
                                      std::uint64_t inc) {
  std::vector<std::uint64_t> out;
  for (const link_clicks* c : p.lives(code, inc)) {
    for (const visit_ref& v : c->visits) out.push_back(v.seq());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::uint64_t removed_by(const analytics_projection& p, std::uint64_t seq) {
  std::uint64_t n = ~0ull;
  EXPECT_TRUE(p.recent_deletion(seq, &n)) << seq;
  return n;
}

TEST(AnalyticsDeletion, ALifeLosesItsVisitsAndLaterClicksCountAfresh) {
  analytics_projection p;
  apply_all(&p, {{kLinksLog, created(1, "a")},
                 {kLinksLog, created(2, "b")},
                 {kClicksLog, click_at(1, "a", 1, kT0)},
                 {kClicksLog, click_at(2, "a", 1, kT0 + kDayMs, "FR", "")},
                 {kClicksLog, click_at(3, "b", 2, kT0)},
                 {kClicksLog, visits_gone(4, "a", 1, true)}});
  EXPECT_EQ(removed_by(p, 4), 2u);
  EXPECT_EQ(counts(p, "a", 1).total, 0u);
  EXPECT_TRUE(visit_seqs(p, "a", 1).empty());
  EXPECT_EQ(counts(p, "b", 2).total, 1u) << "another code keeps its visits";
  EXPECT_EQ(p.link_visits().total, 1u);
  auto e = entries_of(p);
  for (const auto& [key, value] : e) {
    EXPECT_EQ(key.find("a@"), std::string::npos) << key << " survived the deletion";
  }
  EXPECT_EQ(e.count("tot/a"), 0u);
  EXPECT_EQ(e["vdel/4"], "2");

  apply_all(&p, {{kClicksLog, click_at(5, "a", 1, kT0 + 2 * kDayMs, "IT", "")}});
  EXPECT_EQ(counts(p, "a", 1).total, 1u);
  EXPECT_EQ(visit_seqs(p, "a", 1), (std::vector<std::uint64_t>{5}));
  e = entries_of(p);
  EXPECT_EQ(e["ltot/a@1"], "1");
  EXPECT_EQ(e["ccty/a@1/IT"], "1");
  EXPECT_EQ(e.count("ccty/a@1/DE"), 0u) << "old aggregates are gone, not just the total";
  EXPECT_EQ(e["cday/a@1/" + utc_day(kT0 + 2 * kDayMs)], "1");
  EXPECT_EQ(e.count("cday/a@1/" + utc_day(kT0)), 0u);
  EXPECT_EQ(e["cref/a@1/direct"], "1");
  EXPECT_EQ(e.count("cref/a@1/news.example"), 0u);
  EXPECT_EQ(e.count("crefn/a@1"), 0u);
  EXPECT_EQ(p.link_visits().total, 2u);
}

TEST(AnalyticsDeletion, OnlyTheNamedLifeGoesAndUnnamedClicksOnlyWithTheFirst) {
  analytics_projection p;
  // "a": two clicks without an incarnation (older payloads) and one of life
  // 1; deleted and created again at 3, clicked once in life 3.
  apply_all(&p, {{kLinksLog, created(1, "a")},
                 {kLinksLog, deleted(2, "a")},
                 {kLinksLog, created(3, "a")},
                 {kClicksLog, click_at(1, "a", 0, kT0)},
                 {kClicksLog, click_at(2, "a", 0, kT0)},
                 {kClicksLog, click_at(3, "a", 1, kT0)},
                 {kClicksLog, click_at(4, "a", 3, kT0)}});
  // The second life's deletion leaves the first life (and its unnamed clicks).
  apply_all(&p, {{kClicksLog, visits_gone(5, "a", 3, false)}});
  EXPECT_EQ(removed_by(p, 5), 1u);
  EXPECT_EQ(counts(p, "a", 3).total, 0u);
  EXPECT_EQ(counts(p, "a", 1).total, 3u);
  // The first life's, with the unnamed clicks that are its own.
  apply_all(&p, {{kClicksLog, visits_gone(6, "a", 1, true)}});
  EXPECT_EQ(removed_by(p, 6), 3u);
  EXPECT_EQ(counts(p, "a", 1).total, 0u);
  EXPECT_EQ(p.link_visits().total, 0u);

  // Without unnamed_too the unnamed clicks stay.
  analytics_projection q;
  apply_all(&q, {{kLinksLog, created(1, "a")},
                 {kClicksLog, click_at(1, "a", 0, kT0)},
                 {kClicksLog, click_at(2, "a", 1, kT0)},
                 {kClicksLog, visits_gone(3, "a", 1, false)}});
  EXPECT_EQ(removed_by(q, 3), 1u);
  EXPECT_EQ(visit_seqs(q, "a", 1), (std::vector<std::uint64_t>{1}));
}

TEST(AnalyticsDeletion, ClicksAppliedBeforeTheDeletionGoAndThoseAfterItStay) {
  // A click captured before the DELETE but written after it (the queue's
  // batch) lands after the event in the clicks log: it counts; one written
  // before it goes, whenever the projection applies either.
  analytics_projection p;
  apply_all(&p, {{kClicksLog, click_at(1, "a", 1, kT0)},
                 {kClicksLog, visits_gone(2, "a", 1, true)},
                 {kClicksLog, click_at(3, "a", 1, kT0 - 1000)}});
  EXPECT_EQ(removed_by(p, 2), 1u);
  EXPECT_EQ(visit_seqs(p, "a", 1), (std::vector<std::uint64_t>{3}));
}

TEST(AnalyticsDeletion, TheStateDoesNotDependOnHowTheLogsInterleave) {
  std::vector<event> links{
      {kLinksLog, created(1, "a")}, {kLinksLog, deleted(2, "a")}, {kLinksLog, created(3, "a")}};
  std::vector<event> clicks{
      {kClicksLog, click_at(1, "a", 0, kT0)},     {kClicksLog, click_at(2, "a", 1, kT0)},
      {kClicksLog, visits_gone(3, "a", 1, true)}, {kClicksLog, click_at(4, "a", 3, kT0)},
      {kClicksLog, click_at(5, "a", 1, kT0)},     {kClicksLog, visits_gone(6, "a", 3, false)},
      {kClicksLog, click_at(7, "a", 3, kT0)}};
  analytics_projection links_first;
  apply_all(&links_first, links);
  apply_all(&links_first, clicks);
  // Live: the links log lags behind the clicks log, the deletions included.
  analytics_projection clicks_first;
  apply_all(&clicks_first, clicks);
  apply_all(&clicks_first, links);
  analytics_projection mixed;
  apply_all(&mixed, {clicks[0], clicks[1], links[0], clicks[2], clicks[3], links[1], clicks[4],
                     links[2], clicks[5], clicks[6]});
  EXPECT_EQ(entries_of(links_first), entries_of(clicks_first));
  EXPECT_EQ(entries_of(links_first), entries_of(mixed));
  EXPECT_EQ(counts(links_first, "a", 3).total, 1u);
  EXPECT_EQ(counts(links_first, "a", 1).total, 1u);  // seq 5, after its life's deletion
  EXPECT_EQ(removed_by(links_first, 6), 1u);
}

TEST(AnalyticsDeletion, OrphanVisitsAreDeletedApart) {
  analytics_projection p;
  apply_all(&p, {{kClicksLog, click_at(1, "a", 1, kT0)},
                 {kClicksLog, orphan_at(2)},
                 {kClicksLog, orphan_at(3)},
                 {kClicksLog, orphans_gone(4)},
                 {kClicksLog, orphan_at(5)}});
  EXPECT_EQ(removed_by(p, 4), 2u);
  EXPECT_EQ(p.orphans().counts.total, 1u);
  ASSERT_EQ(p.orphans().visits.size(), 1u);
  EXPECT_EQ(p.orphans().visits[0].seq(), 5u);
  EXPECT_EQ(p.link_visits().total, 1u) << "a link's visits are not orphans";
}

TEST(AnalyticsDeletion, SnapshotCarriesTheDeletionsAndTheStateContinuesEqual) {
  std::vector<event> before{{kLinksLog, created(1, "a")},
                            {kClicksLog, click_at(1, "a", 1, kT0)},
                            {kClicksLog, visits_gone(2, "a", 1, true)},
                            {kClicksLog, click_at(3, "a", 1, kT0)},
                            {kClicksLog, orphan_at(4)},
                            {kClicksLog, orphans_gone(5)}};
  std::vector<event> after{{kClicksLog, click_at(6, "a", 1, kT0)},
                           {kClicksLog, visits_gone(7, "a", 1, true)}};
  analytics_projection live;
  apply_all(&live, before);
  std::string saved;
  ASSERT_TRUE(live.save(&saved));
  EXPECT_EQ(live.snapshot_version(), 3u);
  analytics_projection loaded;
  ASSERT_TRUE(loaded.load(saved));
  EXPECT_EQ(entries_of(loaded), entries_of(live));
  EXPECT_EQ(removed_by(loaded, 2), 1u);
  EXPECT_EQ(removed_by(loaded, 5), 1u);

  apply_all(&live, after);
  apply_all(&loaded, after);
  analytics_projection rebuilt;
  apply_all(&rebuilt, before);
  apply_all(&rebuilt, after);
  EXPECT_EQ(entries_of(loaded), entries_of(live));
  EXPECT_EQ(entries_of(rebuilt), entries_of(live));
  EXPECT_EQ(removed_by(rebuilt, 7), 2u);

  // A snapshot cut anywhere does not load.
  for (std::size_t cut = 0; cut < saved.size(); ++cut) {
    analytics_projection damaged;
    EXPECT_FALSE(damaged.load(std::string_view(saved).substr(0, cut))) << cut;
  }
}

TEST(AnalyticsDeletion, OnlyTheRecentDeletionsCountsAreKept) {
  analytics_projection p;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < kRecentDeletionsKept + 1; ++i) {
    ASSERT_TRUE(p.apply(kClicksLog, visits_gone(++seq, "a", 1, true)));
  }
  std::uint64_t n = 0;
  EXPECT_FALSE(p.recent_deletion(1, &n)) << "the oldest is forgotten";
  EXPECT_TRUE(p.recent_deletion(seq, &n));
  EXPECT_EQ(n, 0u);
  std::string saved;
  ASSERT_TRUE(p.save(&saved));
  analytics_projection loaded;
  ASSERT_TRUE(loaded.load(saved));
  EXPECT_EQ(entries_of(loaded), entries_of(p));
}

TEST(AnalyticsDeletion, AnUndecodableDeletionChangesNothing) {
  analytics_projection p;
  apply_all(&p, {{kClicksLog, click_at(1, "a", 1, kT0)}});
  envelope bad = visits_gone(2, "a", 1, true);
  bad.payload.pop_back();
  auto before = entries_of(p);
  EXPECT_FALSE(p.apply(kClicksLog, bad));
  EXPECT_EQ(entries_of(p), before);
}

}  // namespace
}  // namespace linkly

namespace linkly {
namespace {

// A redirect's max_visits reads a watched life's count from its cell: a
// deletion must bring it to zero, and later clicks count in it afresh.
TEST(AnalyticsDeletionWatch, AWatchedLifesCellFollowsADeletion) {
  analytics_projection p;
  apply_all(&p, {{kLinksLog, created(1, "a")},
                 {kClicksLog, click_at(1, "a", 1, kT0)},
                 {kClicksLog, click_at(2, "a", 1, kT0)}});
  const visit_cell* cell = p.watch("a", 1);
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(cell->visits(), 2u);
  apply_all(&p, {{kClicksLog, visits_gone(3, "a", 1, false)}});
  EXPECT_EQ(cell->visits(), 0u);
  apply_all(&p, {{kClicksLog, click_at(4, "a", 1, kT0)}});
  EXPECT_EQ(cell->visits(), 1u);
}

}  // namespace
}  // namespace linkly
