// The visits lists' query: paging, RFC 3339 bounds, the bot filter.

#include "http/visit_query.hpp"

#include <gtest/gtest.h>

namespace linkly {
namespace {

TEST(VisitQuery, DefaultsAreThePlanOnes) {
  visit_query q;
  std::string error;
  ASSERT_TRUE(parse_visit_query("", &q, &error)) << error;
  EXPECT_EQ(q.page, 1u);
  EXPECT_EQ(q.per_page, kDefaultVisitsPerPage);
  EXPECT_EQ(q.filter.offset, 0u);
  EXPECT_EQ(q.filter.limit, kDefaultVisitsPerPage);
  EXPECT_FALSE(q.filter.exclude_bots);
}

TEST(VisitQuery, PageAndPerPageMakeTheOffset) {
  visit_query q;
  std::string error;
  ASSERT_TRUE(parse_visit_query("page=3&per_page=7&exclude_bots=true", &q, &error)) << error;
  EXPECT_EQ(q.filter.offset, 14u);
  EXPECT_EQ(q.filter.limit, 7u);
  EXPECT_TRUE(q.filter.exclude_bots);
}

TEST(VisitQuery, BoundsAreRfc3339InUtc) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01t01:00:00.123456+01:00"), 123);
  EXPECT_EQ(parse_rfc3339_ms("2026-12-05T12:00:00.000Z"), 1'796'472'000'000);
  EXPECT_EQ(parse_rfc3339_ms("2024-02-29T00:00:00-00:30"), 1'709'166'600'000);
  for (const char* bad : {"", "2026-12-05", "2026-12-05T12:00:00", "2026-02-30T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2026-12-05T24:00:00Z", "2026-12-05T12:00:00.Z",
                          "2026-12-05T12:00:00+2:00", "2026-12-05T12:00:00Zjunk"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad)) << bad;
  }
  visit_query q;
  std::string error;
  ASSERT_TRUE(
      parse_visit_query("since=1970-01-01T00:00:01Z&until=1970-01-01T00:00:02%2B00:00", &q, &error))
      << error;
  EXPECT_EQ(q.filter.since_ms, 1000);
  EXPECT_EQ(q.filter.until_ms, 2000);
}

TEST(VisitQuery, BadParametersSayWhich) {
  for (const char* bad :
       {"page=0", "page=-1", "page=1x", "per_page=0", "per_page=1001", "since=now", "until=2026",
        "exclude_bots=1", "since=1970-01-02T00:00:00Z&until=1970-01-01T00:00:00Z"}) {
    visit_query q;
    std::string error;
    EXPECT_FALSE(parse_visit_query(bad, &q, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace linkly
