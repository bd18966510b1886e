// The query of Shlink's visits lists: defaults (every visit, capped a page),
// paging, dates, the bot switch, the orphan type, and what is refused.

#include "http/shlink_visit_query.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linkly {
namespace {

using strings = std::vector<std::string>;

struct parsed {
  bool ok = false;
  shlink_visit_query query;
  strings invalid;
};

parsed parse(std::string_view text, bool orphans = false) {
  shlink_target target;
  EXPECT_TRUE(parse_shlink_target(text, &target)) << text;
  parsed out;
  out.ok = parse_shlink_visit_query(target, orphans, &out.query, &out.invalid);
  return out;
}

TEST(ShlinkVisitQuery, WithoutParametersAskForEveryVisitCappedToAPage) {
  parsed p = parse("/rest/v3/visits/orphan");
  ASSERT_TRUE(p.ok);
  EXPECT_TRUE(p.query.all);
  EXPECT_EQ(p.query.page, 1u);
  EXPECT_EQ(p.query.filter.offset, 0u);
  EXPECT_EQ(p.query.filter.limit, kShlinkMaxVisitsPerPage);
  EXPECT_FALSE(p.query.filter.exclude_bots);
  EXPECT_EQ(p.query.filter.regular_404, kAnyOrphanKind);
  EXPECT_TRUE(parse("/rest/v3/visits/orphan?itemsPerPage=-1").query.all);
}

TEST(ShlinkVisitQuery, PagesAreOffsets) {
  parsed p = parse("/rest/v3/visits/orphan?page=3&itemsPerPage=20");
  ASSERT_TRUE(p.ok);
  EXPECT_FALSE(p.query.all);
  EXPECT_EQ(p.query.filter.offset, 40u);
  EXPECT_EQ(p.query.filter.limit, 20u);
  // Beyond the cap: cut to it, the offset counted in pages of the cap.
  parsed big = parse("/rest/v3/visits/orphan?page=2&itemsPerPage=99999");
  ASSERT_TRUE(big.ok);
  EXPECT_EQ(big.query.per_page, kShlinkMaxVisitsPerPage);
  EXPECT_EQ(big.query.filter.offset, kShlinkMaxVisitsPerPage);
}

TEST(ShlinkVisitQuery, DatesAreInclusiveBoundsAndEmptyIsNone) {
  parsed p = parse("/rest/v3/visits/orphan?startDate=2026-12-01&endDate=2026-12-05T12:00:00Z");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.query.filter.since_ms, 1'796'083'200'000);
  EXPECT_EQ(p.query.filter.until_ms, 1'796'472'000'000);
  parsed none = parse("/rest/v3/visits/orphan?startDate=&endDate=");
  ASSERT_TRUE(none.ok);
  EXPECT_EQ(none.query.filter.since_ms, visit_filter{}.since_ms);
  EXPECT_EQ(none.query.filter.until_ms, visit_filter{}.until_ms);
}

TEST(ShlinkVisitQuery, ExcludeBotsWhenPresentUnlessFalse) {
  EXPECT_TRUE(parse("/rest/v3/visits/orphan?excludeBots=true").query.filter.exclude_bots);
  EXPECT_TRUE(parse("/rest/v3/visits/orphan?excludeBots").query.filter.exclude_bots);
  EXPECT_FALSE(parse("/rest/v3/visits/orphan?excludeBots=false").query.filter.exclude_bots);
  EXPECT_FALSE(parse("/rest/v3/visits/orphan?excludeBots=0").query.filter.exclude_bots);
}

TEST(ShlinkVisitQuery, OrphanTypeOnlyOnTheOrphanList) {
  EXPECT_EQ(parse("/rest/v3/visits/orphan?type=regular_404", true).query.filter.regular_404, 1);
  EXPECT_EQ(parse("/rest/v3/visits/orphan?type=invalid_short_url", true).query.filter.regular_404,
            0);
  parsed base = parse("/rest/v3/visits/orphan?type=base_url", true);
  ASSERT_TRUE(base.ok);
  EXPECT_TRUE(matches_nothing(base.query));
  parsed other = parse("/rest/v3/visits/non-orphan?type=lost", false);
  ASSERT_TRUE(other.ok);
  EXPECT_EQ(other.query.filter.regular_404, kAnyOrphanKind);
  EXPECT_FALSE(matches_nothing(other.query));
}

TEST(ShlinkVisitQuery, BadParametersAreNamed) {
  parsed p = parse(
      "/rest/v3/visits/orphan?page=0&itemsPerPage=many&startDate=soon&endDate=2026-13-01&type=x",
      true);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.invalid, (strings{"page", "itemsPerPage", "startDate", "endDate", "type"}));
  parsed reversed = parse("/rest/v3/visits/orphan?startDate=2026-12-02&endDate=2026-12-01");
  EXPECT_FALSE(reversed.ok);
  EXPECT_EQ(reversed.invalid, strings{"startDate"});
}

}  // namespace
}  // namespace linkly
