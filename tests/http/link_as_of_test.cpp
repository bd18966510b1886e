// The as_of fold, the as_of parameter and the analytics routes' matching,
// without a socket.

#include "http/link_as_of.hpp"
#include "http/analytics_routes.hpp"
#include "http/routes.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace linkly {
namespace {

// created @1 (t=100), updated @4 (t=400), deleted @7 (t=700), created again @9.
std::vector<link_history_entry> demo_history() {
  return {{1, "LinkCreated", 100, "https://a.example"},
          {4, "LinkUpdated", 400, "https://b.example"},
          {7, "LinkDeleted", 700, ""},
          {9, "LinkCreated", 900, "https://c.example"}};
}

TEST(LinkAsOf, BeforeCreationThereIsNoLink) {
  link_info link;
  EXPECT_FALSE(link_as_of("demo", {{3, "LinkCreated", 100, "https://a.example"}}, 2, &link));
  EXPECT_FALSE(link_as_of("demo", {}, 5, &link));
}

TEST(LinkAsOf, CreationIsVersionOneWithBothTimes) {
  link_info link;
  ASSERT_TRUE(link_as_of("demo", demo_history(), 1, &link));
  EXPECT_EQ(link.code, "demo");
  EXPECT_EQ(link.url, "https://a.example");
  EXPECT_EQ(link.version, 1u);
  EXPECT_EQ(link.created_at_ms, 100);
  EXPECT_EQ(link.updated_at_ms, 100);
  // Seqs between events of this link belong to other links: same answer.
  ASSERT_TRUE(link_as_of("demo", demo_history(), 3, &link));
  EXPECT_EQ(link.version, 1u);
}

TEST(LinkAsOf, UpdateBumpsVersionAndKeepsCreationTime) {
  link_info link;
  ASSERT_TRUE(link_as_of("demo", demo_history(), 4, &link));
  EXPECT_EQ(link.url, "https://b.example");
  EXPECT_EQ(link.version, 2u);
  EXPECT_EQ(link.created_at_ms, 100);
  EXPECT_EQ(link.updated_at_ms, 400);
}

TEST(LinkAsOf, DeletedLinkIsGoneUntilCreatedAgain) {
  link_info link;
  EXPECT_FALSE(link_as_of("demo", demo_history(), 7, &link));
  EXPECT_FALSE(link_as_of("demo", demo_history(), 8, &link));
  ASSERT_TRUE(link_as_of("demo", demo_history(), 9, &link));
  EXPECT_EQ(link.url, "https://c.example");
  EXPECT_EQ(link.version, 1u);
  EXPECT_EQ(link.created_at_ms, 900);
}

TEST(ParseAsOf, AcceptsPositiveIntegersOnly) {
  std::uint64_t seq = 0;
  std::string error;
  ASSERT_TRUE(parse_as_of("42", &seq, &error));
  EXPECT_EQ(seq, 42u);
  ASSERT_TRUE(parse_as_of("18446744073709551615", &seq, &error));
  EXPECT_EQ(seq, 18446744073709551615u);
  for (const char* bad : {"", "0", "-1", "+1", "1.5", "abc", "1e3", " 1", "18446744073709551616"}) {
    error.clear();
    EXPECT_FALSE(parse_as_of(bad, &seq, &error)) << bad;
    EXPECT_NE(error.find("as_of"), std::string::npos) << bad;
  }
}

TEST(MatchRoute, AnalyticsRoutes) {
  EXPECT_EQ(match_route("/analytics/daily").route, route_id::analytics_daily);
  EXPECT_EQ(match_route("/analytics/daily?x=1").route, route_id::analytics_daily);
  EXPECT_EQ(match_route("/analytics/weekly").route, route_id::not_found);
  EXPECT_EQ(match_route("/analytics/daily/x").route, route_id::not_found);
  auto stats = match_route("/links/demo/stats");
  EXPECT_EQ(stats.route, route_id::link_stats);
  EXPECT_EQ(stats.code, "demo");
  EXPECT_EQ(allowed_methods(route_id::link_stats), "GET, HEAD");
  EXPECT_EQ(allowed_methods(route_id::analytics_daily), "GET, HEAD");
}

TEST(MatchRoute, AsOfIsReadForALinkOnly) {
  auto plain = match_route("/links/demo");
  EXPECT_FALSE(plain.as_of);
  auto at = match_route("/links/demo?as_of=12&as_of=13");
  EXPECT_EQ(at.route, route_id::link_item);
  ASSERT_TRUE(at.as_of);
  EXPECT_EQ(*at.as_of, "12");  // the first one wins
  auto empty = match_route("/links/demo?as_of");
  ASSERT_TRUE(empty.as_of);
  EXPECT_EQ(*empty.as_of, "");
  EXPECT_FALSE(match_route("/links/demo/stats?as_of=3").as_of);
}

}  // namespace
}  // namespace linkly
