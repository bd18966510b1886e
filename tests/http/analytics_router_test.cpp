// The analytics routes over a real projection_store: the links and clicks
// logs are written by hand, replayed into the analytics projection, and
// handle_request is called without a socket or an actor system.

#include "actors/analytics_projection.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_status.hpp"
#include "actors/projection_store.hpp"
#include "actors/read_view.hpp"
#include "http/analytics_routes.hpp"
#include "http/router.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "tests/http/metrics_samples.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

constexpr std::int64_t kJan1 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;
using pos = std::pair<std::uint64_t, std::uint64_t>;  // checkpoint, head

class AnalyticsRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = linkly::testing::make_temp_dir("linkly-analytics");
    ASSERT_FALSE(dir_.empty());
    log_options log_opts;
    log_opts.sync = false;
    ASSERT_TRUE(event_log::open(dir_ + "/links", log_opts, &links_));
    ASSERT_TRUE(event_log::open(dir_ + "/clicks", log_opts, &clicks_));
    ASSERT_TRUE(projection_store::open(dir_ + "/analytics", {},
                                       std::make_unique<analytics_projection>(), &store_));

    // Two links on Jan 1 (one of them, "gone", since deleted), one on Jan 2.
    append_link(link_created{"demo", "https://example.com/a"}, kJan1 + 10 * kHour);
    append_link(link_created{"gone", "https://example.com/b"}, kJan1 + 23 * kHour);
    append_link(link_created{"quiet", "https://example.com/c"}, kJan1 + kDay + kHour);
    append_link(link_deleted{"gone"}, kJan1 + kDay + 2 * kHour);
    append_click("demo", kJan1 + 11 * kHour, "US", "https://News.Example.com/story");
    append_click("demo", kJan1 + 12 * kHour, "US", "https://news.example.com/other");
    append_click("demo", kJan1 + kDay, "", "");
    append_click("gone", kJan1 + 23 * kHour + 1, "DE", "");
    catch_up();

    reader_ = std::make_unique<analytics_reader>(*store_, *links_, clicks_.get());
    view_.upsert({"demo", "https://example.com/a", 1, kJan1 + 10 * kHour, kJan1 + 10 * kHour});
    view_.upsert({"quiet", "https://example.com/c", 1, kJan1 + kDay + kHour, kJan1 + kDay + kHour});
    ctx_.view = &view_;
    ctx_.sources.analytics = reader_.get();
    ctx_.sources.links_log = links_.get();
  }

  void TearDown() override {
    reader_.reset();
    store_.reset();
    links_.reset();
    clicks_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void append_link(const link_event& event, std::int64_t at) {
    std::vector<envelope> batch{make_envelope(event, at)};
    append_result result;
    ASSERT_TRUE(links_->append(batch, &result));
  }

  void append_click(std::string code, std::int64_t at, std::string country, std::string referrer) {
    click_recorded click;
    click.code = std::move(code);
    click.clicked_at_ms = at;
    click.country = std::move(country);
    click.referrer = std::move(referrer);
    std::vector<envelope> batch{make_click_envelope(click)};
    append_result result;
    ASSERT_TRUE(clicks_->append(batch, &result));
  }

  // Applies both logs up to their heads, as the live projection would.
  void catch_up() {
    std::uint64_t applied = 0;
    status st = replay_projection(*store_, *links_, clicks_.get(), kToHead, kToHead, 16, &applied);
    ASSERT_TRUE(st) << st.to_string();
  }

  std::optional<http_response> answer(http::verb method, std::string target) {
    http_request req{method, target, 11};
    req.prepare_payload();
    std::optional<http_response> out;
    handle_request(req, ctx_, [&](http_response res) { out = std::move(res); });
    return out;
  }

  // The JSON body of a GET that must answer at once with `expected`.
  json::object body_of(std::string target, http::status expected = http::status::ok) {
    auto res = answer(http::verb::get, target);
    EXPECT_TRUE(res) << target;
    if (!res) return {};
    EXPECT_EQ(res->result(), expected) << target << " " << res->body();
    EXPECT_EQ((*res)[http::field::content_type], "application/json") << target;
    return json::parse(res->body()).as_object();
  }

  static std::map<std::string, std::uint64_t> counters_of(const json::value& v) {
    std::map<std::string, std::uint64_t> out;
    for (const auto& [k, n] : v.as_object()) out[std::string(k)] = n.to_number<std::uint64_t>();
    return out;
  }

  static std::pair<std::uint64_t, std::uint64_t> position(const json::object& body,
                                                          std::string_view log) {
    const auto& p = body.at("freshness").at(log);
    return {p.at("checkpoint").to_number<std::uint64_t>(), p.at("head").to_number<std::uint64_t>()};
  }

  std::string dir_;
  std::unique_ptr<event_log> links_;
  std::unique_ptr<event_log> clicks_;
  std::unique_ptr<projection_store> store_;
  std::unique_ptr<analytics_reader> reader_;
  read_view view_;
  router_context ctx_;
};

TEST_F(AnalyticsRouterTest, DailyCountsLinksCreatedPerUtcDayOldestFirst) {
  auto body = body_of("/analytics/daily");
  const auto& rows = body.at("rows").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("day").as_string(), "2026-01-01");
  EXPECT_EQ(rows[0].at("count").to_number<int>(), 2);
  EXPECT_EQ(rows[1].at("day").as_string(), "2026-01-02");
  EXPECT_EQ(rows[1].at("count").to_number<int>(), 1);
  EXPECT_EQ(body.at("row_count").to_number<int>(), 2);
}

TEST_F(AnalyticsRouterTest, EveryAnalyticsAnswerSaysHowFreshItIs) {
  for (auto target : {"/analytics/daily", "/links/demo/stats", "/links/demo"}) {
    auto body = body_of(target);
    EXPECT_EQ(position(body, "links"), (pos{4, 4})) << target;
    EXPECT_EQ(position(body, "clicks"), (pos{4, 4})) << target;
  }
}

TEST_F(AnalyticsRouterTest, FreshnessShowsEventsNotYetProjected) {
  append_link(link_created{"late", "https://example.com/late"}, kJan1 + 2 * kDay);
  append_click("demo", kJan1 + 2 * kDay, "FR", "");
  append_click("demo", kJan1 + 2 * kDay, "FR", "");
  auto behind = body_of("/links/demo/stats");
  EXPECT_EQ(position(behind, "links"), (pos{4, 5}));
  EXPECT_EQ(position(behind, "clicks"), (pos{4, 6}));
  EXPECT_EQ(behind.at("total").to_number<int>(), 3);

  catch_up();
  auto caught_up = body_of("/links/demo/stats");
  EXPECT_EQ(position(caught_up, "clicks"), (pos{6, 6}));
  EXPECT_EQ(caught_up.at("total").to_number<int>(), 5);
  EXPECT_EQ(body_of("/analytics/daily").at("row_count").to_number<int>(), 3);
}

TEST_F(AnalyticsRouterTest, StatsHaveTotalAndPerDayCountryAndReferrer) {
  auto body = body_of("/links/demo/stats");
  EXPECT_EQ(body.at("code").as_string(), "demo");
  EXPECT_EQ(body.at("total").to_number<int>(), 3);
  using counts = std::map<std::string, std::uint64_t>;
  EXPECT_EQ(counters_of(body.at("by_day")), (counts{{"2026-01-01", 2}, {"2026-01-02", 1}}));
  EXPECT_EQ(counters_of(body.at("by_country")), (counts{{"US", 2}, {"unknown", 1}}));
  EXPECT_EQ(counters_of(body.at("by_referrer")), (counts{{"news.example.com", 2}, {"direct", 1}}));
}

TEST_F(AnalyticsRouterTest, StatsAreNotMarkedTruncatedWhenComplete) {
  EXPECT_FALSE(body_of("/links/demo/stats").contains("truncated"));
}

// Referrers come from request headers, so a client can make them many: each
// map is cut at kMaxStatsEntries and the answer says so.
// Referrer hosts are capped per link below the limit (analytics_projection.hpp);
// days are what can still outgrow it.
TEST_F(AnalyticsRouterTest, StatsWithTooManyDaysAreTruncated) {
  constexpr std::int64_t kDayMs = 86'400'000;
  std::vector<envelope> batch;
  for (std::size_t i = 0; i <= kMaxStatsEntries; ++i) {
    click_recorded click;
    click.code = "many";
    click.clicked_at_ms = kJan1 + kHour + static_cast<std::int64_t>(i) * kDayMs;
    click.country = "US";
    click.referrer = "https://r" + std::to_string(i) + ".example.com/";
    batch.push_back(make_click_envelope(click));
  }
  append_result result;
  ASSERT_TRUE(clicks_->append(batch, &result));
  catch_up();
  auto body = body_of("/links/many/stats");
  EXPECT_EQ(body.at("total").to_number<std::size_t>(), kMaxStatsEntries + 1);
  EXPECT_EQ(body.at("by_day").as_object().size(), kMaxStatsEntries);
  EXPECT_EQ(counters_of(body.at("by_country")),
            (std::map<std::string, std::uint64_t>{{"US", kMaxStatsEntries + 1}}));
  // 256 hosts, then "other" for the rest.
  const auto referrers = counters_of(body.at("by_referrer"));
  EXPECT_EQ(referrers.size(), kMaxReferrerHostsPerLink + 1);
  EXPECT_EQ(referrers.at("other"), kMaxStatsEntries + 1 - kMaxReferrerHostsPerLink);
  ASSERT_TRUE(body.contains("truncated")) << json::serialize(body);
  EXPECT_EQ(body.at("truncated"), json::value(true));
}

TEST_F(AnalyticsRouterTest, StatsOfLiveLinkWithoutClicksAreZero) {
  auto body = body_of("/links/quiet/stats");
  EXPECT_EQ(body.at("total").to_number<int>(), 0);
  EXPECT_TRUE(body.at("by_day").as_object().empty());
  EXPECT_TRUE(body.at("by_country").as_object().empty());
  EXPECT_TRUE(body.at("by_referrer").as_object().empty());
}

TEST_F(AnalyticsRouterTest, StatsOfUnknownCodeAreLinkNotFound) {
  for (auto target : {"/links/never/stats", "/links/bad.code/stats"}) {
    auto body = body_of(target, http::status::not_found);
    EXPECT_EQ(body.at("error").as_string(), "link not found") << target;
  }
}

// Without link_service a link that is no longer live is known by its clicks.
TEST_F(AnalyticsRouterTest, StatsOfDeletedLinkKeepItsClicks) {
  auto body = body_of("/links/gone/stats");
  EXPECT_EQ(body.at("total").to_number<int>(), 1);
  EXPECT_EQ(counters_of(body.at("by_country")), (std::map<std::string, std::uint64_t>{{"DE", 1}}));
}

TEST_F(AnalyticsRouterTest, LinkCarriesItsClickTotal) {
  auto demo = body_of("/links/demo");
  EXPECT_EQ(demo.at("code").as_string(), "demo");
  EXPECT_EQ(demo.at("clicks").to_number<int>(), 3);
  EXPECT_EQ(demo.at("version").to_number<int>(), 1);
  EXPECT_EQ(body_of("/links/quiet").at("clicks").to_number<int>(), 0);
}

TEST_F(AnalyticsRouterTest, WithoutAnalyticsLinkHasNoClicksAndRoutesAre503) {
  ctx_.sources.analytics = nullptr;
  auto link = body_of("/links/demo");
  EXPECT_FALSE(link.contains("clicks"));
  EXPECT_FALSE(link.contains("freshness"));
  for (auto target : {"/analytics/daily", "/links/demo/stats"}) {
    auto body = body_of(target, http::status::service_unavailable);
    EXPECT_EQ(body.at("error").as_string(), "analytics are unavailable") << target;
  }
}

TEST_F(AnalyticsRouterTest, WrongMethodIs405WithAllow) {
  for (auto target : {"/analytics/daily", "/links/demo/stats"}) {
    for (auto method : {http::verb::post, http::verb::put, http::verb::delete_}) {
      auto res = answer(method, target);
      ASSERT_TRUE(res) << target;
      EXPECT_EQ(res->result(), http::status::method_not_allowed) << target;
      EXPECT_EQ((*res)[http::field::allow], "GET, HEAD") << target;
      EXPECT_EQ(json::parse(res->body()).at("error").as_string(), "method not allowed");
    }
  }
}

TEST_F(AnalyticsRouterTest, HeadAnswersLikeGetWithoutBody) {
  for (auto target : {"/analytics/daily", "/links/demo/stats"}) {
    auto get = answer(http::verb::get, target);
    auto head = answer(http::verb::head, target);
    ASSERT_TRUE(get && head) << target;
    EXPECT_EQ(head->result(), http::status::ok) << target;
    EXPECT_TRUE(head->body().empty()) << target;
    EXPECT_EQ((*head)[http::field::content_length], std::to_string(get->body().size())) << target;
  }
}

TEST_F(AnalyticsRouterTest, InvalidAsOfIs400) {
  for (auto target : {"/links/demo?as_of=0", "/links/demo?as_of=abc", "/links/demo?as_of=",
                      "/links/demo?as_of=-2", "/links/demo?as_of=99999999999999999999"}) {
    auto body = body_of(target, http::status::bad_request);
    EXPECT_NE(std::string(body.at("error").as_string()).find("as_of"), std::string::npos) << target;
  }
}

TEST_F(AnalyticsRouterTest, AsOfBeyondTheHeadIs400) {
  auto body = body_of("/links/demo?as_of=5", http::status::bad_request);
  EXPECT_EQ(body.at("error").as_string(), "invalid as_of: beyond the links log head 4");
}

TEST_F(AnalyticsRouterTest, AsOfWithoutLinkServiceIs503) {
  auto body = body_of("/links/demo?as_of=1", http::status::service_unavailable);
  EXPECT_TRUE(body.contains("error"));
}

using linkly::testing::samples_of;

TEST_F(AnalyticsRouterTest, MetricsHaveEachProjectionsProgress) {
  ctx_.sources.projections = [] {
    projection_status analytics{
        "analytics", {{"links", 7, 9}, {"clicks", 40, 40}}, 47, 2, 1, 3, "io error: disk full"};
    projection_status cache{"cache", {{"links", 9, 9}}, 9, 0, 0, 0, ""};
    return std::vector<projection_status>{analytics, cache};
  };
  auto res = answer(http::verb::get, "/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  auto samples = samples_of(res->body());
  const std::map<std::string, double> expected = {
      {R"(linkly_projection_checkpoint{projection="analytics",log="links"})", 7},
      {R"(linkly_projection_checkpoint{projection="analytics",log="clicks"})", 40},
      {R"(linkly_projection_checkpoint{projection="cache",log="links"})", 9},
      {R"(linkly_projection_lag_events{projection="analytics",log="links"})", 2},
      {R"(linkly_projection_lag_events{projection="analytics",log="clicks"})", 0},
      {R"(linkly_projection_lag_events{projection="cache",log="links"})", 0},
      {R"(linkly_projection_applied_total{projection="analytics"})", 47},
      {R"(linkly_projection_retries_total{projection="analytics"})", 2},
      {R"(linkly_projection_parked_total{projection="analytics"})", 1},
      {R"(linkly_projection_store_errors_total{projection="analytics"})", 3},
      {R"(linkly_projection_applied_total{projection="cache"})", 9},
      {R"(linkly_projection_store_ok{projection="analytics"})", 0},
      {R"(linkly_projection_store_ok{projection="cache"})", 1},
  };
  for (const auto& [name, value] : expected) {
    ASSERT_TRUE(samples.count(name)) << name << "\n" << res->body();
    EXPECT_EQ(samples[name], value) << name;
  }
  EXPECT_NE(res->body().find("# TYPE linkly_projection_lag_events gauge"), std::string::npos);
  // What the dead-letter store holds: it falls with a redrive or discard.
  EXPECT_NE(res->body().find("# TYPE linkly_projection_parked_total gauge"), std::string::npos);
  EXPECT_NE(res->body().find("# TYPE linkly_projection_store_ok gauge"), std::string::npos);
}

TEST_F(AnalyticsRouterTest, MetricsWithoutProjectionsHaveNoProjectionLines) {
  auto res = answer(http::verb::get, "/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body().find("linkly_projection_"), std::string::npos);
}

}  // namespace
}  // namespace linkly
