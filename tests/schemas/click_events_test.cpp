// The clicks-log event: its envelope, the way back, and the address
// truncation applied before a click is recorded.

#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly {
namespace {

constexpr std::int64_t kClickedAt = 1700000000123;

click_recorded sample_click() {
  click_recorded c;
  c.code = "demo";
  c.clicked_at_ms = kClickedAt;
  c.link_version = 3;
  c.url = "https://example.com/landing";
  c.country = "NZ";
  c.latitude = -36.8485;
  c.longitude = 174.7633;
  c.referrer = "https://news.example.org/";
  c.user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
  c.client_address = "203.0.113.0";
  return c;
}

// Version 3 round-trips every shape of click, and is what the envelope says.
TEST(ClickEvents, CompactPayloadRoundTrips) {
  click_recorded full = sample_click();
  full.incarnation = 42;
  click_recorded bare;  // empty strings, no coordinates, incarnation 0
  click_recorded half = sample_click();
  half.potential_bot = true;
  half.incarnation = std::uint64_t{1} << 62;  // a number of many LEB128 bytes
  half.latitude.reset();
  half.referrer = std::string(300, 'r');       // a length past one LEB128 byte
  half.user_agent = std::string(20'000, 'u');  // past two
  half.link_version = 0xfffffffe;
  half.clicked_at_ms = -1;
  for (const click_recorded& c : {full, bare, half}) {
    envelope env = make_click_envelope(c);
    EXPECT_EQ(env.schema_version, kClickPayloadVersion);
    click_recorded back;
    ASSERT_TRUE(decode_click(env, &back));
    EXPECT_EQ(back, c);
  }
}

// A reused payload buffer (a written click's) is filled in place: its old
// bytes gone, its memory kept, the click the same as from a new one.
TEST(ClickEvents, APayloadBufferIsReusedInPlace) {
  const click_recorded c = sample_click();
  std::string buffer(600, 'o');  // a longer click's payload, left over
  const char* memory = buffer.data();
  envelope env = make_click_envelope(c.code, c.clicked_at_ms, view_of(c), std::move(buffer));
  EXPECT_EQ(env.payload.data(), memory);
  EXPECT_EQ(env.payload, make_click_envelope(c).payload);
  click_recorded back;
  ASSERT_TRUE(decode_click(env, &back));
  EXPECT_EQ(back, c);
}

// Clicks logs written before version 2 hold cereal's layout: still read,
// long fields included.
TEST(ClickEvents, Version1PayloadsStillDecode) {
  click_recorded old = sample_click();
  old.country = std::string(1500, 'c');  // as sent, before capture bounded it
  old.referrer = std::string(2000, 'r');
  old.user_agent = std::string(4000, 'u');
  envelope env;
  env.type = event_type::click_recorded;
  env.schema_version = 1;
  env.timestamp_ms = old.clicked_at_ms;
  env.key = old.code;
  env.payload = encode_payload(old);  // cereal, CEREAL_CLASS_VERSION 1
  ASSERT_EQ(env.payload.substr(0, 4), std::string("\x01\0\0\0", 4));
  click_recorded back;
  ASSERT_TRUE(decode_click(env, &back));
  EXPECT_EQ(back, old);
  // Every cut of it is refused too.
  for (std::size_t n = 0; n < 120; ++n) {
    envelope cut = env;
    cut.payload.resize(n);
    EXPECT_FALSE(decode_click(cut, &back)) << n;
  }
}

// A version 2 payload: version 3's without the incarnation, and no bot bit.
envelope as_version2(const click_recorded& c) {
  click_recorded plain = c;
  plain.potential_bot = false;
  plain.incarnation = 0;
  envelope env = make_click_envelope(plain);
  env.schema_version = 2;
  env.payload[0] = 2;
  env.payload.erase(9, 1);  // the incarnation's one byte
  return env;
}

// Clicks written before version 3 still decode: incarnation 0 (the code's
// first) and potential_bot judged from their user agent.
TEST(ClickEvents, Version2PayloadsDecodeWithTheBotRuleAndNoIncarnation) {
  click_recorded browser = sample_click();
  click_recorded back;
  ASSERT_TRUE(decode_click(as_version2(browser), &back));
  EXPECT_EQ(back, browser);
  EXPECT_FALSE(back.potential_bot);
  EXPECT_EQ(back.incarnation, 0u);

  click_recorded crawler = sample_click();
  crawler.user_agent = "Mozilla/5.0 (compatible; Googlebot/2.1)";
  ASSERT_TRUE(decode_click(as_version2(crawler), &back));
  EXPECT_TRUE(back.potential_bot);
  EXPECT_EQ(back.user_agent, crawler.user_agent);

  // Bit 2 meant nothing in version 2: refused there.
  envelope flags = as_version2(browser);
  flags.payload[8] = 4;
  EXPECT_FALSE(decode_click(flags, &back));
}

TEST(ClickEvents, Version1PayloadsJudgeTheirUserAgent) {
  click_recorded old = sample_click();
  old.user_agent = "curl/8.5.0";
  envelope env;
  env.type = event_type::click_recorded;
  env.schema_version = 1;
  env.timestamp_ms = old.clicked_at_ms;
  env.key = old.code;
  env.payload = encode_payload(old);
  click_recorded back;
  ASSERT_TRUE(decode_click(env, &back));
  EXPECT_TRUE(back.potential_bot);
  EXPECT_EQ(back.incarnation, 0u);
}

TEST(ClickEvents, CompactPayloadIsSmallAndLeavesTheEnvelopesFieldsOut) {
  const click_recorded c = sample_click();
  const std::size_t fields = c.url.size() + c.country.size() + c.referrer.size() +
                             c.user_agent.size() + c.client_address.size();
  // version, link_version, flags, incarnation 0, two doubles, five 1-byte lengths.
  EXPECT_EQ(encode_click(c).size(), 4 + 4 + 1 + 1 + 16 + 5 + fields);
  EXPECT_LT(encode_click(c).size() + 40, encode_payload(c).size());
}

TEST(ClickEvents, NewerOrCorruptPayloadsAreRefused) {
  envelope env = make_click_envelope(sample_click());
  click_recorded out;
  envelope newer = env;
  newer.payload[0] = 4;  // version 4
  EXPECT_FALSE(decode_click(newer, &out));
  envelope trailing = env;
  trailing.payload += "x";
  EXPECT_FALSE(decode_click(trailing, &out));
  envelope flags = env;
  flags.payload[8] = 8;  // an unknown "has" bit
  EXPECT_FALSE(decode_click(flags, &out));
  envelope huge = make_click_envelope(click_recorded{});
  // The url's length as 2^63: refused, not allocated.
  huge.payload = huge.payload.substr(0, 10) + std::string(9, '\xff') + std::string(1, '\x7f');
  EXPECT_FALSE(decode_click(huge, &out));
}

// Every cut of a payload is refused, as cereal refuses it, never half read.
TEST(ClickEvents, TruncatedPayloadsDoNotDecode) {
  envelope env = make_click_envelope(sample_click());
  const std::string whole = env.payload;
  for (std::size_t n = 0; n < whole.size(); ++n) {
    env.payload = whole.substr(0, n);
    click_recorded out = sample_click();
    out.code = "untouched";
    EXPECT_FALSE(decode_click(env, &out)) << "cut at " << n;
    EXPECT_EQ(out.code, "untouched");
  }
}

TEST(ClickEvents, EnvelopeCarriesTypeVersionTimestampAndCode) {
  const envelope env = make_click_envelope(sample_click());
  EXPECT_EQ(env.seq, 0u);
  EXPECT_EQ(env.type, event_type::click_recorded);
  EXPECT_EQ(static_cast<int>(env.type), 16);  // stored in every record: never renumber
  EXPECT_EQ(env.schema_version, 3u);
  EXPECT_EQ(env.timestamp_ms, kClickedAt);
  EXPECT_EQ(env.key, "demo");
  EXPECT_EQ(to_string(env.type), "ClickRecorded");
}

TEST(ClickEvents, RoundTripsWithLocation) {
  const click_recorded click = sample_click();
  click_recorded decoded;
  ASSERT_TRUE(decode_click(make_click_envelope(click), &decoded));
  EXPECT_EQ(decoded, click);
  ASSERT_TRUE(decoded.latitude.has_value());
  EXPECT_DOUBLE_EQ(*decoded.latitude, -36.8485);
  EXPECT_DOUBLE_EQ(*decoded.longitude, 174.7633);
}

TEST(ClickEvents, RoundTripsWithoutLocationOrOptionalHeaders) {
  click_recorded click;
  click.code = "bare";
  click.clicked_at_ms = kClickedAt;
  click.url = "http://x.org/";
  // Decode into a click that has a location: absence must come back as absence.
  click_recorded decoded = sample_click();
  ASSERT_TRUE(decode_click(make_click_envelope(click), &decoded));
  EXPECT_EQ(decoded, click);
  EXPECT_FALSE(decoded.latitude.has_value());
  EXPECT_FALSE(decoded.longitude.has_value());
  EXPECT_TRUE(decoded.country.empty());
}

TEST(ClickEvents, LatitudeWithoutLongitudeStaysThatWay) {
  click_recorded click = sample_click();
  click.longitude.reset();
  click_recorded decoded;
  ASSERT_TRUE(decode_click(make_click_envelope(click), &decoded));
  EXPECT_EQ(decoded.latitude, click.latitude);
  EXPECT_FALSE(decoded.longitude.has_value());
}

TEST(ClickEvents, LinkEventDoesNotDecodeAsAClick) {
  const envelope env = make_envelope(link_created{"demo", "https://example.com"}, kClickedAt);
  click_recorded decoded = sample_click();
  EXPECT_FALSE(decode_click(env, &decoded));
  EXPECT_EQ(decoded, sample_click());  // untouched
}

TEST(ClickEvents, ClickDoesNotDecodeAsALinkEvent) {
  link_event decoded;
  EXPECT_FALSE(decode_link_event(make_click_envelope(sample_click()), &decoded));
}

// The in-place decode reads what the whole one does, as views of the
// payload, for versions 2 and 3; an older payload is left to the whole one.
TEST(ClickEvents, InPlaceDecodeViewsThePayloadOfVersions2And3) {
  click_recorded c = sample_click();
  c.incarnation = 42;
  c.potential_bot = true;
  for (const envelope& env : {make_click_envelope(c), as_version2(c)}) {
    click_recorded whole;
    ASSERT_TRUE(decode_click(env, &whole));
    click_view view;
    ASSERT_TRUE(decode_click(env, &view)) << env.schema_version;
    EXPECT_EQ(view.url, whole.url);
    EXPECT_EQ(view.country, whole.country);
    EXPECT_EQ(view.referrer, whole.referrer);
    EXPECT_EQ(view.user_agent, whole.user_agent);
    EXPECT_EQ(view.client_address, whole.client_address);
    EXPECT_EQ(view.latitude, whole.latitude);
    EXPECT_EQ(view.longitude, whole.longitude);
    EXPECT_EQ(view.link_version, whole.link_version);
    EXPECT_EQ(view.potential_bot, whole.potential_bot);
    EXPECT_EQ(view.incarnation, whole.incarnation);
    // Views into the envelope's own bytes: nothing was copied.
    EXPECT_GE(view.url.data(), env.payload.data());
    EXPECT_LE(view.url.data() + view.url.size(), env.payload.data() + env.payload.size());
    for (std::size_t len = 0; len < env.payload.size(); ++len) {
      envelope cut = env;
      cut.payload.resize(len);
      EXPECT_FALSE(decode_click(cut, &view)) << len;
    }
  }
  envelope v1;
  v1.type = event_type::click_recorded;
  v1.schema_version = 1;
  v1.key = c.code;
  v1.payload = encode_payload(c);
  click_view view;
  EXPECT_FALSE(decode_click(v1, &view));
  envelope link = make_envelope(link_created{"demo", "https://example.com/"}, 1);
  EXPECT_FALSE(decode_click(link, &view));
}

TEST(ClickEvents, EveryTruncationOfAPayloadFailsToDecode) {
  const envelope whole = make_click_envelope(sample_click());
  for (std::size_t len = 0; len < whole.payload.size(); ++len) {
    envelope env = whole;
    env.payload.resize(len);
    click_recorded decoded = sample_click();
    EXPECT_FALSE(decode_click(env, &decoded)) << "payload cut to " << len << " bytes";
    EXPECT_EQ(decoded, sample_click()) << "payload cut to " << len << " bytes";
  }
}

TEST(ClientAddress, Ipv4KeepsItsSlash24) {
  EXPECT_EQ(truncate_client_address("203.0.113.77"), "203.0.113.0");
  EXPECT_EQ(truncate_client_address("10.1.2.0"), "10.1.2.0");
  EXPECT_EQ(truncate_client_address("255.255.255.255"), "255.255.255.0");
}

TEST(ClientAddress, Ipv6KeepsItsSlash48) {
  EXPECT_EQ(truncate_client_address("2001:db8:abcd:12::1"), "2001:db8:abcd::");
  EXPECT_EQ(truncate_client_address("2001:0db8:abcd:0012:0000:0000:0000:0001"), "2001:db8:abcd::");
  EXPECT_EQ(truncate_client_address("2001:db8:0:ffff::1"), "2001:db8::");  // canonical form
  EXPECT_EQ(truncate_client_address("::1"), "::");
}

TEST(ClientAddress, Ipv6ZoneIsDropped) {
  EXPECT_EQ(truncate_client_address("fe80:1:2:3::1%1"), "fe80:1:2::");
}

TEST(ClientAddress, Ipv4MappedIpv6IsTruncatedAsIpv4) {
  EXPECT_EQ(truncate_client_address("::ffff:192.0.2.9"), "192.0.2.0");
  EXPECT_EQ(truncate_client_address("::ffff:c000:0209"), "192.0.2.0");
}

TEST(ClientAddress, UnparsableInputGivesEmpty) {
  EXPECT_EQ(truncate_client_address("garbage"), "");
  EXPECT_EQ(truncate_client_address(""), "");
  EXPECT_EQ(truncate_client_address("203.0.113"), "");
  EXPECT_EQ(truncate_client_address("203.0.113.256"), "");
  EXPECT_EQ(truncate_client_address(" 203.0.113.7"), "");
  EXPECT_EQ(truncate_client_address("203.0.113.7:443"), "");
  EXPECT_EQ(truncate_client_address("[2001:db8::1]"), "");
  EXPECT_EQ(truncate_client_address(std::string("1.2.3.4\0junk", 12)), "");
}

}  // namespace
}  // namespace linkly
