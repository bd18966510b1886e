// Visits on a real server: bots counted apart from browsers by their
// User-Agent, the visits list (paging, newest first, date and bot filters),
// orphan visits (redirect misses), and clicks recorded in an older payload
// format still counted. Analytics follows the logs asynchronously, so each
// read polls its condition until a deadline instead of sleeping.

#include "schemas/click_events.hpp"
#include "storage/event_log.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36";
constexpr const char* kGooglebot =
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

const boost::json::array& visits_of(const boost::json::object& body) {
  return body.at("visits").as_array();
}

void click(http_client& client, const std::string& target, const header_list& headers,
           int expected = 302) {
  http_response res = client.request("GET", target, {}, headers);
  ASSERT_EQ(res.status, expected) << target << " " << res.describe();
}

TEST(VisitsTest, BotsAndBrowsersAreCountedApart) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/bots", "bots").status, 201);
  for (int i = 0; i < 3; ++i) click(client, "/s/bots", {{"User-Agent", kChrome}});
  click(client, "/s/bots", {{"User-Agent", kGooglebot}});
  click(client, "/bots", {{"User-Agent", "curl/8.5.0"}});

  http_response stats = poll(client, "/links/bots/stats", [](const boost::json::object& body) {
    return number(body, "total") == 5;
  });
  ASSERT_EQ(stats.status, 200) << stats.describe();
  auto body = json_object(stats);
  EXPECT_EQ(number(body, "total"), 5u) << stats.describe();
  EXPECT_EQ(number(body, "bots"), 2u) << stats.describe();
  EXPECT_EQ(number(body, "non_bots"), 3u) << stats.describe();

  http_response overview = client.get("/visits");
  ASSERT_EQ(overview.status, 200) << overview.describe();
  auto counts = json_object(overview);
  const auto& visits = counts.at("visits").as_object();
  EXPECT_EQ(number(visits, "total"), 5u) << overview.describe();
  EXPECT_EQ(number(visits, "bots"), 2u) << overview.describe();
  EXPECT_EQ(number(visits, "non_bots"), 3u) << overview.describe();
  EXPECT_EQ(number(counts.at("orphan_visits").as_object(), "total"), 0u) << overview.describe();

  // The list says which ones.
  http_response list = client.get("/links/bots/visits");
  ASSERT_EQ(list.status, 200) << list.describe();
  auto items = visits_of(json_object(list));
  ASSERT_EQ(items.size(), 5u) << list.describe();
  EXPECT_EQ(items[0].at("user_agent"), "curl/8.5.0");  // newest first
  EXPECT_EQ(items[0].at("potential_bot"), true);
  EXPECT_EQ(items[1].at("potential_bot"), true);
  EXPECT_EQ(items[4].at("user_agent"), kChrome);
  EXPECT_EQ(items[4].at("potential_bot"), false);
}

TEST(VisitsTest, TheVisitsListPagesNewestFirstAndFilters) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/list", "list").status, 201);
  for (int i = 0; i < 5; ++i) {
    click(client, "/s/list",
          {{"User-Agent", kChrome},
           {"Referer", "https://r" + std::to_string(i) + ".example/"},
           {"CF-IPCountry", "fr"}});
  }
  click(client, "/s/list", {{"User-Agent", kGooglebot}});

  http_response first = poll(client, "/links/list/visits?per_page=2",
                             [](const boost::json::object& b) { return number(b, "total") == 6; });
  ASSERT_EQ(first.status, 200) << first.describe();
  auto body = json_object(first);
  EXPECT_EQ(body.at("code"), "list");
  EXPECT_EQ(number(body, "page"), 1u);
  EXPECT_EQ(number(body, "per_page"), 2u);
  EXPECT_EQ(number(body, "pages"), 3u);
  ASSERT_EQ(visits_of(body).size(), 2u) << first.describe();
  const auto& newest = visits_of(body)[0].as_object();
  EXPECT_EQ(newest.at("potential_bot"), true);
  EXPECT_TRUE(newest.at("referrer").is_null()) << first.describe();
  EXPECT_EQ(visits_of(body)[1].at("referrer"), "https://r4.example/");
  EXPECT_EQ(visits_of(body)[1].at("country"), "FR");
  EXPECT_TRUE(newest.at("at").is_string());

  http_response last = client.get("/links/list/visits?per_page=2&page=3&exclude_bots=true");
  ASSERT_EQ(last.status, 200) << last.describe();
  auto tail = json_object(last);
  EXPECT_EQ(number(tail, "total"), 5u) << last.describe();
  ASSERT_EQ(visits_of(tail).size(), 1u) << last.describe();
  EXPECT_EQ(visits_of(tail)[0].at("referrer"), "https://r0.example/");
  EXPECT_EQ(visits_of(json_object(client.get("/links/list/visits?page=9"))).size(), 0u);

  // Dates: every visit is after 2000 and before 2999.
  EXPECT_EQ(
      number(json_object(client.get("/links/list/visits?since=2000-01-01T00:00:00Z")), "total"),
      6u);
  EXPECT_EQ(number(json_object(client.get("/links/list/visits?until=2000-01-01T00:00:00%2B02:00")),
                   "total"),
            0u);
  EXPECT_EQ(
      number(json_object(client.get("/links/list/visits?since=2999-01-01T00:00:00.000Z")), "total"),
      0u);

  for (const char* bad : {"per_page=0", "per_page=1001", "page=0", "page=x", "since=yesterday",
                          "until=2026-13-01T00:00:00Z", "exclude_bots=maybe",
                          "since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z"}) {
    http_response res = client.get(std::string("/links/list/visits?") + bad);
    EXPECT_EQ(res.status, 400) << bad << " " << res.describe();
    EXPECT_TRUE(error_message(res)) << res.describe();
  }
  EXPECT_EQ(client.get("/links/nosuch/visits").status, 404);
}

TEST(VisitsTest, RedirectMissesAreOrphanVisits) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  click(client, "/s/nosuch", {{"User-Agent", kChrome}}, 404);
  click(client, "/favicon.ico", {{"User-Agent", kGooglebot}}, 404);

  http_response res = poll(client, "/visits/orphan",
                           [](const boost::json::object& b) { return number(b, "total") == 2; });
  ASSERT_EQ(res.status, 200) << res.describe();
  auto items = visits_of(json_object(res));
  ASSERT_EQ(items.size(), 2u) << res.describe();
  EXPECT_EQ(items[0].at("visited_url"), "/favicon.ico");
  EXPECT_EQ(items[0].at("type"), "regular_404");
  EXPECT_EQ(items[0].at("potential_bot"), true);
  EXPECT_EQ(items[1].at("visited_url"), "/s/nosuch");
  EXPECT_EQ(items[1].at("type"), "invalid_short_url");
  EXPECT_EQ(items[1].at("potential_bot"), false);

  auto overview = json_object(client.get("/visits"));
  EXPECT_EQ(number(overview.at("orphan_visits").as_object(), "total"), 2u);
  EXPECT_EQ(number(overview.at("orphan_visits").as_object(), "bots"), 1u);
  EXPECT_EQ(number(overview.at("visits").as_object(), "total"), 0u);
  auto bots_out = json_object(client.get("/visits/orphan?exclude_bots=true"));
  EXPECT_EQ(number(bots_out, "total"), 1u);
}

// A clicks log written before clicks carried a bot flag and an incarnation
// (payload version 2): those clicks count for the link, bots judged by
// their User-Agent.
TEST(VisitsTest, ClicksOfTheOlderFormatAreStillCounted) {
  temp_dir data;
  {
    server_process server(data.path());
    http_client client(server.port());
    ASSERT_EQ(create_link(client, "https://example.com/old", "old").status, 201);
    click(client, "/s/old", {{"User-Agent", kChrome}});  // creates the clicks log
    ASSERT_EQ(server.stop().code, 0);
  }
  {
    log_options options;
    options.create_if_missing = false;
    std::unique_ptr<event_log> log;
    ASSERT_TRUE(event_log::open(data.path() + "/clicks", options, &log));
    std::vector<envelope> old;
    for (const char* ua : {kChrome, "python-requests/2.31.0"}) {
      click_recorded c;
      c.code = "old";
      c.clicked_at_ms = 1'764'000'000'000;
      c.link_version = 1;
      c.url = "https://example.com/old";
      c.user_agent = ua;
      envelope env = make_click_envelope(c);  // version 3, incarnation 0, no bot bit
      env.schema_version = 2;
      env.payload[0] = 2;
      env.payload.erase(9, 1);  // version 2 has no incarnation
      old.push_back(std::move(env));
    }
    append_result appended;
    ASSERT_TRUE(log->append(old, &appended));
  }
  server_process server(data.path());
  http_client client(server.port());
  http_response stats = poll(client, "/links/old/stats", [](const boost::json::object& body) {
    return number(body, "total") == 3;
  });
  ASSERT_EQ(stats.status, 200) << stats.describe();
  auto body = json_object(stats);
  EXPECT_EQ(number(body, "total"), 3u) << stats.describe();
  EXPECT_EQ(number(body, "bots"), 1u) << stats.describe();
  EXPECT_EQ(number(json_object(client.get("/links/old")), "clicks"), 3u);
  auto list = json_object(client.get("/links/old/visits"));
  ASSERT_EQ(visits_of(list).size(), 3u);
  EXPECT_EQ(visits_of(list)[0].at("user_agent"), "python-requests/2.31.0");
  EXPECT_EQ(visits_of(list)[0].at("potential_bot"), true);
}

}  // namespace
}  // namespace linkly::e2e
