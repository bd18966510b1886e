// Analytics per life of a link: clicks keyed by code + incarnation, older
// clicks (no incarnation) joined to the code's first life, bots apart, the
// visit index, and a state that does not depend on how the two logs'
// events interleave.

#include "actors/analytics_projection.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "schemas/orphan_visit.hpp"
#include "tests/actors/analytics_events.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace linkly {
namespace {

using namespace analytics_test;

envelope click_at(std::uint64_t seq, const std::string& code, std::uint64_t incarnation, bool bot) {
  click_recorded c;
  c.code = code;
  c.clicked_at_ms = kT0 + static_cast<std::int64_t>(seq) * 1000;
  c.user_agent = bot ? "curl/8.5.0" : "Mozilla/5.0 (X11; Linux x86_64)";
  c.potential_bot = bot;
  c.incarnation = incarnation;
  envelope env = make_click_envelope(c);
  env.seq = seq;
  return env;
}

// "a" created at links seq 1; two clicks before the upgrade (no
// incarnation), one after (incarnation 1); deleted at 3, created again at
// 4, clicked twice in its second life.
std::vector<event> links_events() {
  return {{kLinksLog, created(1, "a")},
          {kLinksLog, created(2, "b")},
          {kLinksLog, deleted(3, "a")},
          {kLinksLog, created(4, "a")}};
}
std::vector<event> click_events() {
  return {{kClicksLog, click_at(1, "a", 0, false)}, {kClicksLog, click_at(2, "a", 0, true)},
          {kClicksLog, click_at(3, "a", 1, false)}, {kClicksLog, click_at(4, "b", 2, false)},
          {kClicksLog, click_at(5, "a", 4, true)},  {kClicksLog, click_at(6, "a", 4, false)}};
}

TEST(AnalyticsLives, ARecreatedCodeStartsFromZeroAndOldClicksJoinTheFirstLife) {
  analytics_projection p;
  apply_all(&p, links_events());
  apply_all(&p, click_events());
  visit_counts first = counts(p, "a", 1);
  EXPECT_EQ(first.total, 3u);
  EXPECT_EQ(first.bots, 1u);
  visit_counts second = counts(p, "a", 4);
  EXPECT_EQ(second.total, 2u);
  EXPECT_EQ(second.bots, 1u);
  EXPECT_EQ(counts(p, "a", kLatestIncarnation).total, 2u);
  EXPECT_EQ(counts(p, "b", kLatestIncarnation).total, 1u);
  EXPECT_EQ(counts(p, "b", 2).total, 1u);
  EXPECT_EQ(counts(p, "zzz", 1).total, 0u);
  EXPECT_EQ(p.link_visits().total, 6u);
  EXPECT_EQ(p.link_visits().bots, 2u);

  // The first life's visit index holds both its lives' seqs.
  std::vector<std::uint64_t> seqs;
  for (const link_clicks* c : p.lives("a", 1)) {
    for (const visit_ref& v : c->visits) seqs.push_back(v.seq());
  }
  std::sort(seqs.begin(), seqs.end());
  EXPECT_EQ(seqs, (std::vector<std::uint64_t>{1, 2, 3}));
}

// Live, links and clicks interleave as they arrive; a rebuild reads one log
// after the other. Both give the same state.
// Created again and not clicked since: the latest life is the new one, at
// zero, however many clicks the old one had.
TEST(AnalyticsLives, TheLatestLifeOfACodeCreatedAgainStartsAtZero) {
  analytics_projection p;
  apply_all(&p, {{kLinksLog, created(1, "a")},
                 {kClicksLog, click_at(1, "a", 0, false)},
                 {kClicksLog, click_at(2, "a", 1, false)}});
  EXPECT_EQ(counts(p, "a", kLatestIncarnation).total, 2u);  // first life: both kinds
  apply_all(&p, {{kLinksLog, deleted(2, "a")}});
  EXPECT_EQ(counts(p, "a", kLatestIncarnation).total, 2u);  // deleted: its last life
  apply_all(&p, {{kLinksLog, created(3, "a")}});
  EXPECT_EQ(counts(p, "a", kLatestIncarnation).total, 0u);
  EXPECT_EQ(counts(p, "a", 1).total, 2u);
}

TEST(AnalyticsLives, TheStateDoesNotDependOnHowTheLogsInterleave) {
  analytics_projection links_first;
  apply_all(&links_first, links_events());
  apply_all(&links_first, click_events());
  analytics_projection clicks_first;
  apply_all(&clicks_first, click_events());
  apply_all(&clicks_first, links_events());
  EXPECT_EQ(entries_of(links_first), entries_of(clicks_first));
  EXPECT_EQ(counts(clicks_first, "a", 1).total, 3u);
  EXPECT_EQ(entries_of(links_first).at("tot/a"), "5");
  EXPECT_EQ(entries_of(links_first).at("ltot/a@4"), "2");
  EXPECT_EQ(entries_of(links_first).at("del/a"), "3 4");
}

TEST(AnalyticsLives, ASnapshotKeepsLivesBotsVisitsAndOrphans) {
  analytics_projection p;
  apply_all(&p, links_events());
  apply_all(&p, click_events());
  orphan_visit miss;
  miss.visited_at_ms = kT0 - 5;  // a clock step back: a negative time delta
  miss.kind = orphan_kind::regular_404;
  miss.visited_url = "/favicon.ico";
  miss.potential_bot = true;
  envelope orphan = make_orphan_envelope(miss);
  orphan.seq = 7;
  ASSERT_TRUE(p.apply(kClicksLog, orphan));
  EXPECT_EQ(p.orphans().counts.total, 1u);
  ASSERT_EQ(p.orphans().visits.size(), 1u);
  EXPECT_TRUE(p.orphans().visits[0].regular_404());
  EXPECT_TRUE(p.orphans().visits[0].potential_bot());
  EXPECT_EQ(p.orphans().visits[0].seq(), 7u);

  std::string saved;
  ASSERT_TRUE(p.save(&saved));
  analytics_projection back;
  ASSERT_TRUE(back.load(saved));
  EXPECT_EQ(entries_of(back), entries_of(p));
  EXPECT_EQ(back.link_visits().total, 6u);
  EXPECT_EQ(back.orphans().visits[0].at_ms, kT0 - 5);
  // Every cut of it is refused.
  for (std::size_t n = 0; n < saved.size(); ++n) {
    analytics_projection cut;
    EXPECT_FALSE(cut.load(saved.substr(0, n))) << n;
  }
}

TEST(AnalyticsLives, AnUndecodableOrphanVisitIsRefused) {
  analytics_projection p;
  envelope bad = make_orphan_envelope(orphan_visit{});
  bad.payload.pop_back();
  EXPECT_FALSE(p.apply(kClicksLog, bad));
  EXPECT_EQ(p.orphans().counts.total, 0u);
}

}  // namespace
}  // namespace linkly
