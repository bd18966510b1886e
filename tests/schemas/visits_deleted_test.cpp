// VisitsDeleted: its payload bytes, round trips and every way a record can
// fail to be one.

#include "schemas/visits_deleted.hpp"
#include "schemas/cereal_layout.hpp"
#include "schemas/envelope.hpp"
#include "schemas/link_events.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly {
namespace {

visits_deleted link_deletion() {
  visits_deleted e;
  e.code = "abc";
  e.incarnation = 0x0102030405060708ull;
  e.unnamed_too = true;
  e.deleted_at_ms = 1'764'000'000'123;
  return e;
}

TEST(VisitsDeleted, PayloadIsVersionFlagsAndIncarnation) {
  envelope env = make_visits_deleted_envelope(link_deletion());
  EXPECT_EQ(env.type, event_type::visits_deleted);
  EXPECT_EQ(static_cast<int>(env.type), 18);  // stored in every record: never renumbered
  EXPECT_EQ(env.schema_version, 1u);
  EXPECT_EQ(env.key, "abc");
  EXPECT_EQ(env.timestamp_ms, 1'764'000'000'123);
  std::string expected;
  cereal_layout::put<std::uint32_t>(&expected, 1);
  cereal_layout::put<std::uint8_t>(&expected, 1);  // unnamed_too
  cereal_layout::put<std::uint64_t>(&expected, 0x0102030405060708ull);
  EXPECT_EQ(env.payload, expected);
}

TEST(VisitsDeleted, LinkAndOrphanDeletionsRoundTrip) {
  visits_deleted link = link_deletion();
  visits_deleted back;
  ASSERT_TRUE(decode_visits_deleted(make_visits_deleted_envelope(link), &back));
  EXPECT_EQ(back, link);

  link.unnamed_too = false;
  ASSERT_TRUE(decode_visits_deleted(make_visits_deleted_envelope(link), &back));
  EXPECT_EQ(back, link);

  visits_deleted orphans;
  orphans.orphans = true;
  orphans.deleted_at_ms = 7;
  ASSERT_TRUE(decode_visits_deleted(make_visits_deleted_envelope(orphans), &back));
  EXPECT_EQ(back, orphans);
  EXPECT_TRUE(back.code.empty());
}

TEST(VisitsDeleted, DamagedOrForeignRecordsDoNotDecode) {
  const envelope good = make_visits_deleted_envelope(link_deletion());
  visits_deleted untouched;
  untouched.code = "keep";
  auto refused = [&](const envelope& env) {
    visits_deleted out = untouched;
    bool ok = decode_visits_deleted(env, &out);
    EXPECT_EQ(out, untouched) << "changed on failure";
    return !ok;
  };
  envelope e = good;
  e.type = event_type::click_recorded;
  EXPECT_TRUE(refused(e)) << "another type";
  e = good;
  e.payload[0] = 2;
  EXPECT_TRUE(refused(e)) << "unknown version";
  e = good;
  e.payload[4] = static_cast<char>(0x04);
  EXPECT_TRUE(refused(e)) << "unknown flag";
  e = good;
  e.payload.pop_back();
  EXPECT_TRUE(refused(e)) << "cut short";
  e = good;
  e.payload.push_back('x');
  EXPECT_TRUE(refused(e)) << "trailing bytes";
  e = good;
  e.key.clear();
  EXPECT_TRUE(refused(e)) << "a link's deletion without its code";

  visits_deleted orphans;
  orphans.orphans = true;
  e = make_visits_deleted_envelope(orphans);
  e.key = "abc";
  EXPECT_TRUE(refused(e)) << "orphan visits belong to no code";
}

TEST(VisitsDeleted, IsAClicksLogEventNamedVisitsDeleted) {
  EXPECT_EQ(to_string(event_type::visits_deleted), "VisitsDeleted");
  EXPECT_TRUE(is_clicks_log_event(event_type::visits_deleted));
  EXPECT_TRUE(is_clicks_log_event(event_type::click_recorded));
  EXPECT_TRUE(is_clicks_log_event(event_type::orphan_visit));
  EXPECT_FALSE(is_clicks_log_event(event_type::link_created));
  EXPECT_FALSE(is_clicks_log_event(event_type::api_key_created));
  link_event ignored;
  EXPECT_FALSE(decode_link_event(make_visits_deleted_envelope(link_deletion()), &ignored));
}

}  // namespace
}  // namespace linkly
