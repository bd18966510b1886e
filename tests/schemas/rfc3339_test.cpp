// RFC 3339 times as every route reads them.

#include "schemas/rfc3339.hpp"

#include "schemas/clock.hpp"

#include <gtest/gtest.h>

namespace linkly {
namespace {

TEST(Rfc3339, UtcOffsetsAndFractionsAreReadToTheMillisecond) {
  std::int64_t ms = 0;
  ASSERT_TRUE(parse_rfc3339_ms("1970-01-01T00:00:00Z", &ms));
  EXPECT_EQ(ms, 0);
  ASSERT_TRUE(parse_rfc3339_ms("2026-12-05T12:00:00.000Z", &ms));
  EXPECT_EQ(format_utc_ms(ms), "2026-12-05T12:00:00.000Z");
  ASSERT_TRUE(parse_rfc3339_ms("2026-12-05T13:30:00.25+01:30", &ms));
  EXPECT_EQ(format_utc_ms(ms), "2026-12-05T12:00:00.250Z");
  ASSERT_TRUE(parse_rfc3339_ms("2026-12-05t11:00:00.1239-01:00", &ms));
  EXPECT_EQ(format_utc_ms(ms), "2026-12-05T12:00:00.123Z");
  ASSERT_TRUE(parse_rfc3339_ms("2024-02-29T00:00:00Z", &ms));  // a leap day
  ASSERT_TRUE(parse_rfc3339_ms("1969-12-31T23:59:59Z", &ms));
  EXPECT_EQ(ms, -1000);
}

TEST(Rfc3339, AnythingElseIsRefused) {
  std::int64_t ms = 0;
  for (const char* bad :
       {"", "2026-12-05", "2026-12-05T12:00Z", "2026-12-05T12:00:00", "2026-12-05T12:00:00+0100",
        "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-12-05T24:00:00Z",
        "2026-12-05T12:00:00.Z", "2026-12-05T12:00:00Zjunk", "0000-01-01T00:00:00Z",
        "2026-12-05T12:00:00+24:00", " 2026-12-05T12:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad, &ms)) << bad;
  }
}

}  // namespace
}  // namespace linkly
