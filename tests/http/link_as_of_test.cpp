// The as_of parameter and the analytics routes' matching, without a
// socket (the as_of answer itself: tests/actors/link_history_test.cpp).

#include "http/analytics_routes.hpp"
#include "http/routes.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace linkly {
namespace {

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
