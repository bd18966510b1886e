// The Shlink API through handle_request and a running engine: lists that
// read past one link_service page, visit counts from the analytics store,
// and edits that reach the link actors.

#include "actors/read_view.hpp"
#include "tests/http/engine_router_fixture.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <future>
#include <memory>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

class ShlinkRouterTest : public testing::EngineRouterTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(start_engine("linkly-shlink-router")); }

  // The answer to one /rest request (no token configured: the API is open).
  // Fails fatally (call it under ASSERT_NO_FATAL_FAILURE) if none comes.
  void call(http::verb method, std::string target, std::string body, http_response* out) {
    http_request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:3111");
    req.body() = std::move(body);
    req.prepare_payload();
    auto done = std::make_shared<std::promise<http_response>>();
    auto answer = done->get_future();
    handle_request(req, ctx_, [done](http_response r) { done->set_value(std::move(r)); });
    // Never get() an answer that may not come: the test would hang.
    ASSERT_EQ(answer.wait_for(kDeadline), std::future_status::ready) << target;
    *out = answer.get();
  }

  json::object get_json(std::string target) {
    http_response res;
    call(http::verb::get, target, "", &res);
    EXPECT_EQ(res.result(), http::status::ok) << target << " " << res.body();
    return json::parse(res.body()).as_object();
  }

  void import(std::size_t n) {
    std::vector<create_link> rows;
    for (std::size_t i = 0; i < n; ++i) {
      char code[16];
      std::snprintf(code, sizeof code, "k%04zu", i);
      rows.push_back(create_link{code, "https://example.com/" + std::string(code)});
    }
    std::promise<import_reply> done;
    auto reply = done.get_future();
    engine_->links().import_links(std::move(rows),
                                  [&done](import_reply r) { done.set_value(std::move(r)); });
    ASSERT_EQ(reply.wait_for(kDeadline), std::future_status::ready);
    ASSERT_EQ(reply.get().imported, n);
  }
};

TEST_F(ShlinkRouterTest, ListsReadEveryLinkServicePage) {
  // More links than one link_service page (kMaxPageLimit).
  constexpr std::size_t kLinks = 1205;
  ASSERT_NO_FATAL_FAILURE(import(kLinks));
  json::object body = get_json("/rest/v3/short-urls?itemsPerPage=5&orderBy=shortCode-DESC");
  const json::object& list = body.at("shortUrls").as_object();
  EXPECT_EQ(list.at("pagination").at("totalItems").to_number<std::size_t>(), kLinks);
  EXPECT_EQ(list.at("pagination").at("pagesCount").to_number<std::size_t>(),
            kLinks / 5);  // 241, exactly
  EXPECT_EQ(list.at("data").at(0).at("shortCode"), "k1204");
  json::object last = get_json("/rest/v3/short-urls?itemsPerPage=5&page=241&orderBy=shortCode-ASC");
  const json::array& data = last.at("shortUrls").at("data").as_array();
  ASSERT_EQ(data.size(), 5u);
  EXPECT_EQ(data.at(4).at("shortCode"), "k1204");
  json::object beyond = get_json("/rest/v3/short-urls?page=999");
  EXPECT_TRUE(beyond.at("shortUrls").at("data").as_array().empty());
}

TEST_F(ShlinkRouterTest, VisitsComeFromTheAnalyticsStore) {
  for (const char* code : {"busy", "quiet"}) {
    ASSERT_EQ(command(create_link{code, "https://example.com/"}), command_errc::ok);
  }
  project_clicks({"busy", "busy", "quiet", "busy"});
  json::object busy = get_json("/rest/v3/short-urls/busy");
  EXPECT_EQ(json::serialize(busy.at("visitsSummary")), R"({"total":3,"nonBots":3,"bots":0})");
  json::object list = get_json("/rest/v3/short-urls?orderBy=visits-ASC");
  const json::array& data = list.at("shortUrls").at("data").as_array();
  ASSERT_EQ(data.size(), 2u);
  EXPECT_EQ(data.at(0).at("shortCode"), "quiet");
  EXPECT_EQ(json::serialize(data.at(1)), json::serialize(busy));  // byte-identical to get
}

TEST_F(ShlinkRouterTest, EditAndDeleteReachTheLinkActors) {
  ASSERT_EQ(command(create_link{"edit-me", "https://example.com/"}), command_errc::ok);
  http_response res;
  ASSERT_NO_FATAL_FAILURE(call(http::verb::patch, "/rest/v3/short-urls/edit-me",
                               R"({"longUrl":"https://example.org/new"})", &res));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(json::parse(res.body()).at("longUrl"), "https://example.org/new");
  link_info stored;
  ASSERT_TRUE(engine_->view().find("edit-me", &stored));
  EXPECT_EQ(stored.url, "https://example.org/new");
  EXPECT_EQ(stored.version, 2u);
  // An empty edit changes nothing and answers the link.
  ASSERT_NO_FATAL_FAILURE(call(http::verb::patch, "/rest/v3/short-urls/edit-me", "{}", &res));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  ASSERT_TRUE(engine_->view().find("edit-me", &stored));
  EXPECT_EQ(stored.version, 2u);
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/rest/v3/short-urls/edit-me", "", &res));
  EXPECT_EQ(res.result(), http::status::no_content);
  EXPECT_FALSE(engine_->view().find("edit-me", &stored));
}

}  // namespace
}  // namespace linkly
