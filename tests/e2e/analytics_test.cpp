// The tutorial's chapter 4 on a real server: links created per day, click
// totals and stats, and a link as it was at a point of the links log. The
// analytics projection follows the logs asynchronously, so each read polls
// its condition until a deadline instead of sleeping a guessed time.

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <ctime>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

const header_list kClickHeaders = {{"CF-IPCountry", "DE"}, {"Referer", "https://ref.example/x"}};

std::string utc_today() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[11];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Links counted for `days` in a /analytics/daily body.
std::uint64_t created_on(const boost::json::object& body, const std::set<std::string>& days) {
  const boost::json::value* rows = body.if_contains("rows");
  if (rows == nullptr || !rows->is_array()) return 0;
  std::uint64_t n = 0;
  for (const auto& row : rows->as_array()) {
    if (row.is_object() && days.count(std::string(row.at("day").as_string()))) {
      n += number(row.as_object(), "count");
    }
  }
  return n;
}

// The links log's checkpoint == head in an answer's "freshness".
bool links_caught_up(const boost::json::object& body) {
  const boost::json::value* f = body.if_contains("freshness");
  if (f == nullptr || !f->is_object() || !f->as_object().contains("links")) return false;
  const auto& links = f->as_object().at("links").as_object();
  return number(links, "checkpoint") == number(links, "head");
}

// The seq of the `index`-th event of a link's history.
std::uint64_t history_seq(http_client& client, const std::string& code, std::size_t index) {
  http_response res = client.get("/links/" + code + "/history");
  EXPECT_EQ(res.status, 200) << res.describe();
  auto body = json_object(res);
  const auto* events = body.if_contains("events");
  if (events == nullptr || !events->is_array() || events->as_array().size() <= index) {
    ADD_FAILURE() << "no event " << index << " in " << res.describe();
    return 0;
  }
  return number(events->as_array()[index].as_object(), "seq");
}

TEST(AnalyticsTest, DailyCountsTheLinksCreatedToday) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  std::set<std::string> days{utc_today()};
  for (int i = 0; i < 5; ++i) {
    http_response res = create_link(client, "https://example.com/" + std::to_string(i));
    ASSERT_EQ(res.status, 201) << res.describe();
  }
  days.insert(utc_today());  // a run across midnight counts both days

  // The route reads its freshness before its rows: the count can be ahead
  // of the checkpoint it reports, so both are awaited.
  http_response res = poll(client, "/analytics/daily", [&](const boost::json::object& body) {
    return created_on(body, days) == 5 && links_caught_up(body);
  });
  ASSERT_EQ(res.status, 200) << res.describe();
  auto body = json_object(res);
  EXPECT_EQ(created_on(body, days), 5u) << res.describe();
  // A fresh data dir: only the days these links were created on.
  EXPECT_EQ(number(body, "row_count"), body.at("rows").as_array().size());
  EXPECT_GE(number(body, "row_count"), 1u);
  EXPECT_LE(number(body, "row_count"), days.size());
  EXPECT_TRUE(links_caught_up(body)) << res.describe();
  EXPECT_EQ(res.header("content-type"), "application/json");
}

TEST(AnalyticsTest, RedirectsShowUpAsClicksAndStats) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://iii.dev/chapter4", "ch4").status, 201);
  std::set<std::string> days{utc_today()};
  for (int i = 0; i < 3; ++i) {
    http_response res = client.request("GET", "/s/ch4", {}, kClickHeaders);
    ASSERT_EQ(res.status, 302) << res.describe();
  }

  http_response link = poll(client, "/links/ch4", [](const boost::json::object& body) {
    return number(body, "clicks") == 3;
  });
  ASSERT_EQ(link.status, 200) << link.describe();
  EXPECT_EQ(number(json_object(link), "clicks"), 3u) << link.describe();

  http_response stats = client.get("/links/ch4/stats");
  ASSERT_EQ(stats.status, 200) << stats.describe();
  auto body = json_object(stats);
  EXPECT_EQ(body.at("code"), "ch4");
  EXPECT_EQ(number(body, "total"), 3u) << stats.describe();
  EXPECT_EQ(number(body.at("by_country").as_object(), "DE"), 3u) << stats.describe();
  EXPECT_EQ(number(body.at("by_referrer").as_object(), "ref.example"), 3u) << stats.describe();
  days.insert(utc_today());
  std::uint64_t by_day = 0;
  for (const auto& [day, n] : body.at("by_day").as_object()) {
    EXPECT_TRUE(days.count(std::string(day))) << day;
    by_day += n.to_number<std::uint64_t>();
  }
  EXPECT_EQ(by_day, 3u) << stats.describe();
  const auto& clicks = body.at("freshness").at("clicks").as_object();
  EXPECT_EQ(number(clicks, "checkpoint"), number(clicks, "head")) << stats.describe();

  EXPECT_EQ(client.get("/links/nope/stats").status, 404);
}

TEST(AnalyticsTest, AsOfShowsTheLinkAtAPointOfTheLog) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/v1", "asof").status, 201);
  ASSERT_EQ(client.put("/links/asof", link_body("https://example.com/v2")).status, 200);
  ASSERT_EQ(create_link(client, "https://example.com/later", "later").status, 201);
  ASSERT_EQ(client.del("/links/asof").status, 204);
  std::uint64_t created = history_seq(client, "asof", 0);
  std::uint64_t updated = history_seq(client, "asof", 1);
  std::uint64_t deleted = history_seq(client, "asof", 2);
  std::uint64_t later = history_seq(client, "later", 0);
  ASSERT_TRUE(created < updated && updated < later && later < deleted);

  http_response v1 = client.get("/links/asof?as_of=" + std::to_string(created));
  ASSERT_EQ(v1.status, 200) << v1.describe();
  auto first = json_object(v1);
  EXPECT_EQ(first.at("url"), "https://example.com/v1");
  EXPECT_EQ(number(first, "version"), 1u);
  EXPECT_EQ(number(first, "as_of"), created);

  http_response v2 = client.get("/links/asof?as_of=" + std::to_string(later));
  ASSERT_EQ(v2.status, 200) << v2.describe();
  EXPECT_EQ(json_object(v2).at("url"), "https://example.com/v2");
  EXPECT_EQ(number(json_object(v2), "version"), 2u);

  EXPECT_EQ(client.get("/links/later?as_of=" + std::to_string(updated)).status, 404);
  EXPECT_EQ(client.get("/links/asof?as_of=" + std::to_string(deleted)).status, 404);
  for (auto bad : {"0", "abc", ""}) {
    http_response res = client.get(std::string("/links/later?as_of=") + bad);
    EXPECT_EQ(res.status, 400) << bad << " " << res.describe();
    EXPECT_TRUE(error_message(res)) << res.describe();
  }
  // A deleted link keeps its stats.
  EXPECT_EQ(client.get("/links/asof/stats").status, 200);
}

}  // namespace
}  // namespace linkly::e2e
