// GET /links/{code}?as_of=SEQ and the stats of a deleted link, through a
// running engine: answers come from link_service (link_as_of, history),
// later, on an actor thread, so each is awaited with a deadline.

#include "tests/http/engine_router_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

class AsOfRouterTest : public testing::EngineRouterTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_engine("linkly-as-of"));

    // seq 1: demo created; 2: demo updated; 3: other created; 4: demo deleted.
    ASSERT_EQ(command(create_link{"demo", "https://example.com/v1"}), command_errc::ok);
    ASSERT_EQ(command(update_link{"demo", "https://example.com/v2"}), command_errc::ok);
    ASSERT_EQ(command(create_link{"other", "https://example.com/other"}), command_errc::ok);
    ASSERT_EQ(command(delete_link{"demo"}), command_errc::ok);
    ASSERT_EQ(links_log_->highest_seq(), 4u);
  }

  // The answer to a GET, whether sent at once or later from an actor thread.
  http_response get(std::string target) {
    http_request req{http::verb::get, target, 11};
    req.prepare_payload();
    auto done = std::make_shared<std::promise<http_response>>();
    auto res = done->get_future();
    handle_request(req, ctx_, [done](http_response r) { done->set_value(std::move(r)); });
    EXPECT_EQ(res.wait_for(kDeadline), std::future_status::ready) << target;
    return res.get();
  }

  json::object body_of(std::string target, http::status expected) {
    http_response res = get(target);
    EXPECT_EQ(res.result(), expected) << target << " " << res.body();
    EXPECT_EQ(res[http::field::content_type], "application/json") << target;
    return json::parse(res.body()).as_object();
  }
};

TEST_F(AsOfRouterTest, AsOfCreationIsTheFirstVersion) {
  auto body = body_of("/links/demo?as_of=1", http::status::ok);
  EXPECT_EQ(body.at("code").as_string(), "demo");
  EXPECT_EQ(body.at("url").as_string(), "https://example.com/v1");
  EXPECT_EQ(body.at("version").to_number<int>(), 1);
  EXPECT_EQ(body.at("created_at"), body.at("updated_at"));
  EXPECT_EQ(body.at("as_of").to_number<int>(), 1);
}

TEST_F(AsOfRouterTest, AsOfAfterUpdateIsTheUpdatedVersion) {
  for (auto seq : {2, 3}) {
    auto body = body_of("/links/demo?as_of=" + std::to_string(seq), http::status::ok);
    EXPECT_EQ(body.at("url").as_string(), "https://example.com/v2") << seq;
    EXPECT_EQ(body.at("version").to_number<int>(), 2) << seq;
    EXPECT_EQ(body.at("as_of").to_number<int>(), seq);
  }
}

TEST_F(AsOfRouterTest, AsOfBeforeCreationIsNotFound) {
  auto body = body_of("/links/other?as_of=2", http::status::not_found);
  EXPECT_EQ(body.at("error").as_string(), "link not found");
  EXPECT_EQ(body_of("/links/other?as_of=3", http::status::ok).at("version").to_number<int>(), 1);
}

TEST_F(AsOfRouterTest, AsOfAfterDeletionIsNotFound) {
  auto body = body_of("/links/demo?as_of=4", http::status::not_found);
  EXPECT_EQ(body.at("error").as_string(), "link not found");
  // And the link is gone now, too.
  EXPECT_EQ(body_of("/links/demo", http::status::not_found).at("error").as_string(),
            "link not found");
}

TEST_F(AsOfRouterTest, AsOfOfUnknownCodeIsNotFound) {
  EXPECT_EQ(body_of("/links/never?as_of=4", http::status::not_found).at("error").as_string(),
            "link not found");
}

TEST_F(AsOfRouterTest, StatsOfDeletedLinkAreServed) {
  project_clicks({"demo", "demo"});  // two clicks of the deleted link
  auto body = body_of("/links/demo/stats", http::status::ok);
  EXPECT_EQ(body.at("total").to_number<int>(), 2);
  EXPECT_EQ(body.at("freshness").at("clicks").at("head").to_number<int>(), 2);
}

TEST_F(AsOfRouterTest, StatsOfCodeNeverCreatedAreNotFound) {
  project_clicks({"demo", "demo"});  // two clicks of the deleted link
  EXPECT_EQ(body_of("/links/never/stats", http::status::not_found).at("error").as_string(),
            "link not found");
  EXPECT_EQ(body_of("/links/other/stats", http::status::ok).at("total").to_number<int>(), 0);
}

}  // namespace
}  // namespace linkly
