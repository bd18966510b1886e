// GET /links through a running engine: each entry of a page carries its
// click total from the analytics store, as GET /links/{code} does.

#include "tests/http/engine_router_fixture.hpp"
#include "tests/http/worker_thread.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using testing::worker_thread;

class LinkListClicksTest : public testing::EngineRouterTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_engine("linkly-list-clicks"));
    for (const char* code : {"busy", "quiet", "some"}) {
      ASSERT_EQ(command(create_link{code, "https://example.com/"}), command_errc::ok) << code;
    }
  }

  // The answer to a GET, sent later from an actor thread, or from
  // `worker`'s thread when given; `*sent_on`: the thread that sent it.
  // Fails fatally (call it under ASSERT_NO_FATAL_FAILURE) if none comes.
  void page(std::string target, json::object* out, io_worker* worker = nullptr,
            std::thread::id* sent_on = nullptr) {
    http_request req{http::verb::get, target, 11};
    req.prepare_payload();
    auto done = std::make_shared<std::promise<std::pair<http_response, std::thread::id>>>();
    auto answer = done->get_future();
    handle_request(
        req, ctx_,
        [done](http_response r) {
          done->set_value({std::move(r), std::this_thread::get_id()});
        },
        request_info{{}, nullptr, nullptr, worker});
    // Never get() an answer that may not come: the test would hang.
    ASSERT_EQ(answer.wait_for(kDeadline), std::future_status::ready) << target;
    auto [res, thread] = answer.get();
    ASSERT_EQ(res.result(), http::status::ok) << target << " " << res.body();
    if (sent_on != nullptr) *sent_on = thread;
    *out = json::parse(res.body()).as_object();
  }
};

TEST_F(LinkListClicksTest, EachListedLinkCarriesItsClickTotal) {
  project_clicks({"busy", "some", "busy", "busy"});
  json::object body;
  ASSERT_NO_FATAL_FAILURE(page("/links", &body));
  const auto& links = body.at("links").as_array();
  ASSERT_EQ(links.size(), 3u);
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& link : links) {
    seen.emplace_back(std::string(link.at("code").as_string()), link.at("clicks").to_number<int>());
    EXPECT_FALSE(link.as_object().contains("freshness"));  // the page carries it once
  }
  EXPECT_TRUE(body.contains("freshness"));
  EXPECT_EQ(seen,
            (std::vector<std::pair<std::string, int>>{{"busy", 3}, {"quiet", 0}, {"some", 1}}));
}

TEST_F(LinkListClicksTest, TotalsFollowThePageCursor) {
  project_clicks({"busy", "some", "busy", "busy"});
  json::object first, second;
  ASSERT_NO_FATAL_FAILURE(page("/links?limit=1", &first));
  ASSERT_EQ(first.at("links").as_array().size(), 1u);
  EXPECT_EQ(first.at("links").at(0).at("clicks").to_number<int>(), 3);
  EXPECT_EQ(first.at("next").as_string(), "busy");
  ASSERT_NO_FATAL_FAILURE(page("/links?limit=2&after=busy", &second));
  ASSERT_EQ(second.at("links").as_array().size(), 2u);
  EXPECT_EQ(second.at("links").at(0).at("clicks").to_number<int>(), 0);
  EXPECT_EQ(second.at("links").at(1).at("clicks").to_number<int>(), 1);
}

// As a session calls it: the page comes back on an actor thread, and the
// totals are read on the connection's io thread it is posted to.
TEST_F(LinkListClicksTest, TotalsAreReadOnTheConnectionsIoThread) {
  project_clicks({"busy", "some", "busy", "busy"});
  worker_thread io;
  json::object body;
  std::thread::id sent_on;
  ASSERT_NO_FATAL_FAILURE(page("/links", &body, &io.worker(), &sent_on));
  EXPECT_EQ(sent_on, io.id());
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& link : body.at("links").as_array())
    seen.emplace_back(std::string(link.at("code").as_string()), link.at("clicks").to_number<int>());
  EXPECT_EQ(seen,
            (std::vector<std::pair<std::string, int>>{{"busy", 3}, {"quiet", 0}, {"some", 1}}));
}

TEST_F(LinkListClicksTest, WithoutAnalyticsEntriesHaveNoClicks) {
  json::object body;
  ASSERT_NO_FATAL_FAILURE(page("/links", &body));
  const auto& links = body.at("links").as_array();
  ASSERT_EQ(links.size(), 3u);
  // A missing "clicks" is never mistaken for 0.
  for (const auto& link : links) EXPECT_FALSE(link.as_object().contains("clicks"));
}

}  // namespace
}  // namespace linkly
