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
