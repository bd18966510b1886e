// GET /links/{code}/history through a running engine: pages, cursors and
// the parameters' validation.

#include "http/history_routes.hpp"
#include "tests/http/engine_router_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <future>
#include <memory>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

class HistoryRouterTest : public testing::EngineRouterTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_engine("linkly-history"));
    // "paged": seqs 1 (created), 2, 4, 6 (updated), 7 (deleted); 3, 5 are another link's.
    ASSERT_EQ(command(create_link{"paged", "https://example.com/0"}), command_errc::ok);
    ASSERT_EQ(command(update_link{"paged", "https://example.com/1"}), command_errc::ok);
    ASSERT_EQ(command(create_link{"other", "https://example.com/o"}), command_errc::ok);
    ASSERT_EQ(command(update_link{"paged", "https://example.com/2"}), command_errc::ok);
    ASSERT_EQ(command(update_link{"other", "https://example.com/o2"}), command_errc::ok);
    ASSERT_EQ(command(update_link{"paged", "https://example.com/3"}), command_errc::ok);
    ASSERT_EQ(command(delete_link{"paged"}), command_errc::ok);
  }

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
    return json::parse(res.body()).as_object();
  }

  static std::vector<std::uint64_t> seqs_of(const json::object& page) {
    std::vector<std::uint64_t> out;
    for (const auto& e : page.at("events").as_array()) {
      out.push_back(e.at("seq").to_number<std::uint64_t>());
    }
    return out;
  }
};

using Seqs = std::vector<std::uint64_t>;

TEST_F(HistoryRouterTest, PagesFollowTheNextCursorToTheEnd) {
  auto p1 = body_of("/links/paged/history?limit=2", http::status::ok);
  EXPECT_EQ(p1.at("code").as_string(), "paged");
  EXPECT_EQ(seqs_of(p1), (Seqs{1, 2}));
  EXPECT_EQ(p1.at("next").to_number<int>(), 2);
  auto p2 = body_of("/links/paged/history?limit=2&after=2", http::status::ok);
  EXPECT_EQ(seqs_of(p2), (Seqs{4, 6}));
  EXPECT_EQ(p2.at("next").to_number<int>(), 6);
  auto p3 = body_of("/links/paged/history?limit=2&after=6", http::status::ok);
  EXPECT_EQ(seqs_of(p3), (Seqs{7}));
  EXPECT_TRUE(p3.at("next").is_null());
  EXPECT_EQ(p3.at("events").as_array()[0].at("type").as_string(), "LinkDeleted");
}

TEST_F(HistoryRouterTest, DefaultPageHoldsTheWholeShortHistory) {
  auto page = body_of("/links/paged/history", http::status::ok);
  EXPECT_EQ(seqs_of(page), (Seqs{1, 2, 4, 6, 7}));
  EXPECT_TRUE(page.at("next").is_null());
  auto after_end = body_of("/links/paged/history?after=7", http::status::ok);
  EXPECT_TRUE(after_end.at("events").as_array().empty());
  EXPECT_TRUE(after_end.at("next").is_null());
}

TEST_F(HistoryRouterTest, BadLimitOrCursorIs400AndUnknownCodeIs404) {
  for (auto target :
       {"/links/paged/history?limit=0", "/links/paged/history?limit=1001",
        "/links/paged/history?limit=x", "/links/paged/history?after=-1",
        "/links/paged/history?after=abc", "/links/paged/history?after=99999999999999999999"}) {
    auto body = body_of(target, http::status::bad_request);
    EXPECT_TRUE(body.at("error").is_string()) << target;
  }
  body_of("/links/never/history", http::status::not_found);
}

TEST(HistoryCursor, AcceptsEmptyZeroAndSeqs) {
  std::uint64_t after = 99;
  std::string error;
  ASSERT_TRUE(parse_history_cursor("", &after, &error));
  EXPECT_EQ(after, 0u);
  ASSERT_TRUE(parse_history_cursor("0", &after, &error));
  EXPECT_EQ(after, 0u);
  ASSERT_TRUE(parse_history_cursor("18446744073709551615", &after, &error));
  EXPECT_EQ(after, 18446744073709551615u);
  EXPECT_FALSE(parse_history_cursor("1.5", &after, &error));
  EXPECT_NE(error.find("after"), std::string::npos);
}

}  // namespace
}  // namespace linkly
