// Clicks recorded by redirects, through handle_request with a fake
// click_service: which requests record one, what it holds, and when the
// answer goes in each click mode.

#include "http/click_batcher.hpp"
#include "http/click_capture.hpp"
#include "http/metrics.hpp"
#include "http/router.hpp"

#include "actors/read_view.hpp"
#include "schemas/click_events.hpp"
#include "schemas/click_fields.hpp"
#include "schemas/clock.hpp"
#include "schemas/orphan_visit.hpp"
#include "tests/http/fake_click_service.hpp"

#include <gtest/gtest.h>

#include <optional>

namespace linkly {
namespace {

namespace http = boost::beast::http;
using testing::fake_click_service;

class ClickRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    link_info demo;
    demo.code = "demo";
    demo.url = "https://example.com/landing";
    demo.version = 3;
    view_.upsert(demo);
    ctx_.view = &view_;
    ctx_.clicks = &clicks_;
    ctx_.metrics = &metrics_;
  }

  http_request request(http::verb method, std::string target) {
    http_request req{method, target, 11};
    req.set("CF-IPCountry", "FR");
    req.set("CF-IPLatitude", "48.8566");
    req.set("CF-IPLongitude", "-2.35");
    req.set(http::field::referer, "https://news.example/item");
    req.set(http::field::user_agent, "curl/8.0");
    return req;
  }

  // Sends `req`; `*calls` counts answers so far (some come later).
  std::optional<http_response> send(const http_request& req, const request_info& info = {}) {
    std::optional<http_response> out;
    handle_request(
        req, ctx_, [&](http_response res) { out = std::move(res); }, info);
    return out;
  }

  std::optional<http_response> get(std::string target, std::string_view ip = "203.0.113.77") {
    address_ = truncate_client_address(ip);
    return send(request(http::verb::get, std::move(target)), request_info{address_, nullptr});
  }

  static click_recorded decode(const envelope& env) {
    click_recorded click;
    EXPECT_TRUE(decode_click(env, &click));
    return click;
  }

  std::string address_;
  read_view view_;
  fake_click_service clicks_;
  http_metrics metrics_;
  router_context ctx_;
};

TEST_F(ClickRouterTest, GetRedirectSubmitsOneClickWithTheRequestsFields) {
  std::int64_t before = now_utc_ms();
  auto res = get("/s/demo?utm=x");
  std::int64_t after = now_utc_ms();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::found);
  // forward_query is on by default: the request's query goes along.
  EXPECT_EQ((*res)[http::field::location], "https://example.com/landing?utm=x");

  auto batches = clicks_.batches();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].size(), 1u);
  const envelope& env = batches[0][0];
  EXPECT_EQ(env.type, event_type::click_recorded);
  EXPECT_EQ(env.key, "demo");
  click_recorded click = decode(env);
  EXPECT_EQ(click.code, "demo");
  EXPECT_EQ(click.url, "https://example.com/landing");
  EXPECT_EQ(click.link_version, 3u);
  EXPECT_GE(click.clicked_at_ms, before);
  EXPECT_LE(click.clicked_at_ms, after);
  EXPECT_EQ(env.timestamp_ms, click.clicked_at_ms);
  EXPECT_EQ(click.country, "FR");
  EXPECT_EQ(click.latitude, 48.8566);
  EXPECT_EQ(click.longitude, -2.35);
  EXPECT_EQ(click.referrer, "https://news.example/item");
  EXPECT_EQ(click.user_agent, "curl/8.0");
  EXPECT_EQ(click.client_address, "203.0.113.0");
  EXPECT_TRUE(clicks_.writes().empty());
}

TEST_F(ClickRouterTest, BareCodeAndIpv6PeerAreRecordedToo) {
  ASSERT_TRUE(get("/demo", "2001:db8:abcd:12::1"));
  auto all = clicks_.submitted();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(decode(all[0]).client_address, "2001:db8:abcd::");
}

TEST_F(ClickRouterTest, MissingOrBadHeadersLeaveFieldsEmpty) {
  http_request req{http::verb::get, "/s/demo", 11};
  req.set("CF-IPLatitude", "north");
  req.set("CF-IPLongitude", "1.5x");
  ASSERT_TRUE(send(req));
  auto all = clicks_.submitted();
  ASSERT_EQ(all.size(), 1u);
  click_recorded click = decode(all[0]);
  EXPECT_EQ(click.country, "");
  EXPECT_EQ(click.latitude, std::nullopt);
  EXPECT_EQ(click.longitude, std::nullopt);
  EXPECT_EQ(click.referrer, "");
  EXPECT_EQ(click.user_agent, "");
  EXPECT_EQ(click.client_address, "");  // no peer known
}

TEST_F(ClickRouterTest, HostileHeadersAreBoundedAtCapture) {
  http_request req{http::verb::get, "/s/demo", 11};
  req.set("CF-IPCountry", std::string(1500, 'Q'));
  req.set(http::field::referer, "https://ref.example/" + std::string(2000, 'r'));
  // A 2-byte character straddles the cut: it is left out whole.
  req.set(http::field::user_agent,
          std::string(kMaxUserAgentBytes - 1, 'u') + "\xC3\xA9" + std::string(4000, 'u'));
  ASSERT_TRUE(send(req));
  auto all = clicks_.submitted();
  ASSERT_EQ(all.size(), 1u);
  click_recorded click = decode(all[0]);
  EXPECT_EQ(click.country, "");
  EXPECT_EQ(click.referrer.size(), kMaxReferrerBytes);
  EXPECT_EQ(click.referrer.rfind("https://ref.example/rrr", 0), 0u);
  EXPECT_EQ(click.user_agent, std::string(kMaxUserAgentBytes - 1, 'u'));
}

TEST_F(ClickRouterTest, CountryIsKeptOnlyAsAnAlpha2Code) {
  for (auto [sent, kept] : {std::pair{"de", "DE"}, std::pair{"Gb", "GB"}, std::pair{"XX", ""},
                            std::pair{"T1", ""}, std::pair{"DEU", ""}}) {
    http_request req = request(http::verb::get, "/s/demo");
    req.set("CF-IPCountry", sent);
    ASSERT_TRUE(send(req));
    auto all = clicks_.submitted();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(decode(all.back()).country, kept) << sent;
  }
}

TEST(CaptureClickFields, KeepsShortValuesAsSent) {
  click_recorded click;
  click_header_values values;
  values.country = "us";
  values.latitude = "1.5";
  values.referrer = "https://news.example/item";
  values.user_agent = "Mozilla/5.0";
  capture_click_fields(values, &click);
  EXPECT_EQ(click.country, "US");
  EXPECT_EQ(click.latitude, 1.5);
  EXPECT_EQ(click.longitude, std::nullopt);
  EXPECT_EQ(click.referrer, "https://news.example/item");
  EXPECT_EQ(click.user_agent, "Mozilla/5.0");
}

TEST_F(ClickRouterTest, HeaderNamesAreConfigurable) {
  ctx_.click_headers.country = "X-Geo-Country";
  ctx_.click_headers.latitude = "X-Geo-Lat";
  ctx_.click_headers.longitude = "X-Geo-Lon";
  http_request req = request(http::verb::get, "/s/demo");  // CF-* ignored now
  req.set("x-geo-country", "JP");
  req.set("X-GEO-LAT", "35.68");
  req.set("X-Geo-Lon", "139.69");
  ASSERT_TRUE(send(req));
  auto all = clicks_.submitted();
  ASSERT_EQ(all.size(), 1u);
  click_recorded click = decode(all[0]);
  EXPECT_EQ(click.country, "JP");
  EXPECT_EQ(click.latitude, 35.68);
  EXPECT_EQ(click.longitude, 139.69);
}

TEST_F(ClickRouterTest, TheFirstOfARepeatedHeaderIsTakenAsALookupWould) {
  // A configured name may even be a standard header's.
  ctx_.click_headers.country = "Referer";
  http_request req{http::verb::get, "/s/demo", 11};
  req.insert(http::field::user_agent, "first-agent");
  req.insert(http::field::user_agent, "second-agent");
  req.insert("cf-iplatitude", "");
  req.insert("CF-IPLatitude", "10.5");
  req.insert(http::field::referer, "de");
  ASSERT_TRUE(send(req));
  auto all = clicks_.submitted();
  ASSERT_EQ(all.size(), 1u);
  click_recorded click = decode(all[0]);
  EXPECT_EQ(click.user_agent, "first-agent");
  EXPECT_EQ(click.latitude, std::nullopt);  // the first, empty, one
  EXPECT_EQ(click.referrer, "de");
  EXPECT_EQ(click.country, "DE");
}

TEST_F(ClickRouterTest, HeadAndOffRecordNothing) {
  auto head = send(request(http::verb::head, "/s/demo"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result(), http::status::found);
  ASSERT_TRUE(send(request(http::verb::head, "/s/nope")));
  clicks_.set_mode(click_mode::off);
  auto missing_off = get("/s/nope");
  ASSERT_TRUE(missing_off);
  EXPECT_EQ(missing_off->result(), http::status::not_found);
  auto off = get("/s/demo");
  ASSERT_TRUE(off);
  EXPECT_EQ(off->result(), http::status::found);
  ctx_.clicks = nullptr;
  auto none = get("/s/demo");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->result(), http::status::found);
  EXPECT_EQ(clicks_.submitted_count(), 0u);
  EXPECT_TRUE(clicks_.writes().empty());
}

// A miss is no click: it records one orphan visit, of the kind its path says.
TEST_F(ClickRouterTest, MissesRecordOrphanVisits) {
  auto missing = get("/s/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->result(), http::status::not_found);
  auto bad = get("/s/bad.code");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->result(), http::status::not_found);
  auto recorded = clicks_.submitted();
  ASSERT_EQ(recorded.size(), 2u);
  orphan_visit first;
  orphan_visit second;
  ASSERT_TRUE(decode_orphan_visit(recorded[0], &first));
  ASSERT_TRUE(decode_orphan_visit(recorded[1], &second));
  EXPECT_EQ(first.kind, orphan_kind::invalid_short_url);
  EXPECT_EQ(first.visited_url, "/s/nope");
  EXPECT_EQ(second.kind, orphan_kind::regular_404);
  EXPECT_EQ(second.visited_url, "/s/bad.code");
  click_recorded not_a_click;
  EXPECT_FALSE(decode_click(recorded[0], &not_a_click));
}

TEST_F(ClickRouterTest, OtherRoutesRecordNothing) {
  ASSERT_TRUE(get("/links/demo"));
  ASSERT_TRUE(get("/healthz"));
  ASSERT_TRUE(get("/metrics"));
  EXPECT_EQ(clicks_.submitted_count(), 0u);
}

TEST_F(ClickRouterTest, InlineModeAnswersOnlyAfterTheWrite) {
  clicks_.set_mode(click_mode::inline_write);
  int answers = 0;
  std::optional<http_response> out;
  handle_request(request(http::verb::get, "/s/demo"), ctx_, [&](http_response res) {
    ++answers;
    out = std::move(res);
  });
  EXPECT_EQ(answers, 0);
  auto writes = clicks_.writes();
  ASSERT_EQ(writes.size(), 1u);
  ASSERT_EQ(writes[0].size(), 1u);
  EXPECT_EQ(decode(writes[0][0]).code, "demo");
  EXPECT_EQ(metrics_.redirects.load(), 0u);
  ASSERT_TRUE(clicks_.complete_write(true));
  EXPECT_EQ(answers, 1);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->result(), http::status::found);
  EXPECT_EQ((*out)[http::field::location], "https://example.com/landing");
  EXPECT_EQ(metrics_.redirects.load(), 1u);
  EXPECT_EQ(clicks_.submitted_count(), 0u);
}

TEST_F(ClickRouterTest, InlineWriteFailureStillRedirects) {
  clicks_.set_mode(click_mode::inline_write);
  std::optional<http_response> out;
  handle_request(request(http::verb::get, "/demo"), ctx_,
                 [&](http_response res) { out = std::move(res); });
  EXPECT_FALSE(out);
  ASSERT_TRUE(clicks_.complete_write(false));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->result(), http::status::found);
}

TEST_F(ClickRouterTest, QueuedClicksGoThroughTheBatcher) {
  boost::asio::io_context io;
  click_batcher batcher(io, clicks_, {/*max_clicks=*/64, std::chrono::microseconds(1'000)});
  for (int i = 0; i < 3; ++i) {
    auto res = send(request(http::verb::get, "/s/demo"), request_info{"198.51.100.0", &batcher});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::found);  // answered before any submit
  }
  EXPECT_EQ(clicks_.submitted_count(), 0u);
  EXPECT_EQ(batcher.pending(), 3u);
  io.run_for(std::chrono::seconds(2));  // the batch timer fires
  auto batches = clicks_.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].size(), 3u);
  EXPECT_EQ(decode(batches[0][0]).client_address, "198.51.100.0");
}

TEST_F(ClickRouterTest, RedirectsAreCounted) {
  ASSERT_TRUE(get("/s/demo"));
  ASSERT_TRUE(send(request(http::verb::head, "/demo")));
  ASSERT_TRUE(get("/s/missing"));
  clicks_.set_mode(click_mode::off);
  ASSERT_TRUE(get("/demo"));
  EXPECT_EQ(metrics_.redirects.load(), 3u);
}

TEST(ParseCoordinate, AcceptsOnlyWholeFiniteNumbers) {
  EXPECT_EQ(parse_coordinate("48.8566"), 48.8566);
  EXPECT_EQ(parse_coordinate("-122.4"), -122.4);
  EXPECT_EQ(parse_coordinate("0"), 0.0);
  EXPECT_EQ(parse_coordinate("1e1"), 10.0);
  for (auto bad : {"", "abc", "1.5x", " 1", "1 ", "nan", "inf", "1,5", "--1"}) {
    EXPECT_EQ(parse_coordinate(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace linkly
