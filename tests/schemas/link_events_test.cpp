// The links-log events: their envelopes and the way back from an envelope.

#include "schemas/link_events.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace linkly {
namespace {

constexpr std::int64_t kStamp = 1700000000123;

TEST(LinkEvents, LinkCreatedRoundTripsThroughItsEnvelope) {
  envelope env = make_envelope(link_created{"demo", "https://example.com/a"}, kStamp);
  EXPECT_EQ(env.seq, 0u);
  EXPECT_EQ(env.type, event_type::link_created);
  EXPECT_EQ(env.schema_version, 2u);
  EXPECT_EQ(env.timestamp_ms, kStamp);
  EXPECT_EQ(env.key, "demo");
  EXPECT_FALSE(env.payload.empty());

  link_event decoded;
  ASSERT_TRUE(decode_link_event(env, &decoded));
  ASSERT_TRUE(std::holds_alternative<link_created>(decoded));
  EXPECT_EQ(std::get<link_created>(decoded).code, "demo");
  EXPECT_EQ(std::get<link_created>(decoded).url, "https://example.com/a");
  EXPECT_EQ(code_of(decoded), "demo");
}

TEST(LinkEvents, LinkUpdatedRoundTripsThroughItsEnvelope) {
  envelope env = make_envelope(link_updated{"promo", "http://x.org/new"}, kStamp);
  EXPECT_EQ(env.type, event_type::link_updated);
  EXPECT_EQ(env.schema_version, 2u);
  EXPECT_EQ(env.key, "promo");

  link_event decoded = link_created{"stale", "stale"};
  ASSERT_TRUE(decode_link_event(env, &decoded));
  ASSERT_TRUE(std::holds_alternative<link_updated>(decoded));
  EXPECT_EQ(std::get<link_updated>(decoded).code, "promo");
  EXPECT_EQ(std::get<link_updated>(decoded).url, "http://x.org/new");
}

TEST(LinkEvents, LinkDeletedRoundTripsThroughItsEnvelope) {
  envelope env = make_envelope(link_deleted{"gone"}, kStamp);
  EXPECT_EQ(env.type, event_type::link_deleted);
  EXPECT_EQ(env.schema_version, 1u);
  EXPECT_EQ(env.key, "gone");

  link_event decoded;
  ASSERT_TRUE(decode_link_event(env, &decoded));
  ASSERT_TRUE(std::holds_alternative<link_deleted>(decoded));
  EXPECT_EQ(std::get<link_deleted>(decoded).code, "gone");
}

TEST(LinkEvents, FieldsWithBinaryBytesSurviveTheRoundTrip) {
  const std::string code("a\0b", 3);
  const std::string url(300, '\xff');
  link_event decoded;
  ASSERT_TRUE(decode_link_event(make_envelope(link_created{code, url}, 0), &decoded));
  EXPECT_EQ(std::get<link_created>(decoded).code, code);
  EXPECT_EQ(std::get<link_created>(decoded).url, url);
}

TEST(LinkEvents, TypeNamesAreStable) {
  EXPECT_EQ(to_string(event_type::link_created), "LinkCreated");
  EXPECT_EQ(to_string(event_type::link_updated), "LinkUpdated");
  EXPECT_EQ(to_string(event_type::link_deleted), "LinkDeleted");
  EXPECT_EQ(to_string(static_cast<event_type>(99)), "Unknown");
}

TEST(LinkEvents, GarbagePayloadDoesNotDecode) {
  envelope env = make_envelope(link_created{"demo", "https://example.com"}, kStamp);
  link_event decoded;

  env.payload = "not cereal";
  EXPECT_FALSE(decode_link_event(env, &decoded));

  env.payload.clear();
  EXPECT_FALSE(decode_link_event(env, &decoded));

  // A string length far beyond the bytes that follow it.
  env.payload = std::string("\x01\x00\x00\x00", 4) + std::string(8, '\xff') + "xy";
  EXPECT_FALSE(decode_link_event(env, &decoded));
}

TEST(LinkEvents, EveryTruncationOfAPayloadFailsToDecode) {
  const envelope whole = make_envelope(link_created{"demo", "https://example.com"}, kStamp);
  for (std::size_t len = 0; len < whole.payload.size(); ++len) {
    envelope env = whole;
    env.payload.resize(len);
    link_event decoded;
    EXPECT_FALSE(decode_link_event(env, &decoded)) << "payload cut to " << len << " bytes";
  }
}

TEST(LinkEvents, PayloadOfAShorterEventUnderALongerTypeFails) {
  envelope env = make_envelope(link_deleted{"gone"}, kStamp);
  env.type = event_type::link_created;  // link_created needs a url the payload lacks
  link_event decoded;
  EXPECT_FALSE(decode_link_event(env, &decoded));
}

TEST(LinkEvents, EnvelopeTypeDecidesTheAlternative) {
  // link_created and link_updated share a layout: the envelope's type, not
  // the payload, says which event it is.
  envelope env = make_envelope(link_created{"demo", "https://example.com"}, kStamp);
  env.type = event_type::link_updated;
  link_event decoded;
  ASSERT_TRUE(decode_link_event(env, &decoded));
  EXPECT_FALSE(std::holds_alternative<link_created>(decoded));
  EXPECT_TRUE(std::holds_alternative<link_updated>(decoded));
}

TEST(LinkEvents, UnknownEventTypeDoesNotDecode) {
  envelope env = make_envelope(link_created{"demo", "https://example.com"}, kStamp);
  env.type = static_cast<event_type>(42);
  link_event decoded;
  EXPECT_FALSE(decode_link_event(env, &decoded));
  env.type = static_cast<event_type>(0);
  EXPECT_FALSE(decode_link_event(env, &decoded));
}

}  // namespace
}  // namespace linkly
