// The dead-letter admin routes against a fake click_service: what each
// request asks it, and every error case.

#include "http/dlq_routes.hpp"
#include "http/router.hpp"

#include "schemas/click_events.hpp"
#include "storage/record_format.hpp"
#include "tests/http/fake_click_service.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <optional>

namespace linkly {
namespace {

namespace http = boost::beast::http;
using testing::fake_click_service;

dead_letter letter(std::uint64_t id, std::size_t clicks) {
  dead_letter e;
  e.id = id;
  e.queue = "clicks";
  e.error = "io error: disk full";
  e.attempts = 5;
  e.failed_at_ms = 1'700'000'000'000;
  std::vector<envelope> batch;
  for (std::size_t i = 0; i < clicks; ++i) {
    click_recorded c;
    c.code = "demo";
    batch.push_back(make_click_envelope(c));
  }
  e.payload = encode_batch(batch);
  return e;
}

class DlqRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clicks_.add_dead_letter(letter(2, 3));
    dead_letter junk = letter(5, 1);
    junk.payload = "not a batch";
    clicks_.add_dead_letter(junk);
    clicks_.add_dead_letter(letter(9, 1));
    ctx_.clicks = &clicks_;
  }

  http_response answer(http::verb method, std::string target, std::string body = {}) {
    http_request req{method, target, 11};
    if (method == http::verb::post || method == http::verb::put) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<http_response> out;
    handle_request(req, ctx_, [&](http_response res) { out = std::move(res); });
    EXPECT_TRUE(out) << target;
    return out ? std::move(*out) : http_response{};
  }

  static boost::json::object json_of(const http_response& res) {
    EXPECT_EQ(res[http::field::content_type], "application/json");
    return boost::json::parse(res.body()).as_object();
  }
  static std::string error_of(const http_response& res) {
    return std::string(json_of(res).at("error").as_string());
  }

  fake_click_service clicks_;
  router_context ctx_;
};

TEST_F(DlqRoutesTest, ListShowsEntriesWithClickCounts) {
  auto res = answer(http::verb::get, "/admin/dlq");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  auto body = json_of(res);
  auto& entries = body.at("entries").as_array();
  ASSERT_EQ(entries.size(), 3u);
  auto& first = entries[0].as_object();
  EXPECT_EQ(first.at("id").to_number<int>(), 2);
  EXPECT_EQ(first.at("queue").as_string(), "clicks");
  EXPECT_EQ(first.at("error").as_string(), "io error: disk full");
  EXPECT_EQ(first.at("attempts").to_number<int>(), 5);
  EXPECT_EQ(first.at("failed_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(first.at("clicks").to_number<int>(), 3);
  EXPECT_FALSE(entries[1].as_object().contains("clicks"));  // payload does not decode
  EXPECT_EQ(entries[2].as_object().at("clicks").to_number<int>(), 1);
  EXPECT_TRUE(body.at("next").is_null());
  EXPECT_EQ(clicks_.last_list(), std::make_pair(std::uint64_t{0}, std::size_t{51}));
}

TEST_F(DlqRoutesTest, ListPagesWithAfterAndLimit) {
  auto page = json_of(answer(http::verb::get, "/admin/dlq?limit=2"));
  ASSERT_EQ(page.at("entries").as_array().size(), 2u);
  EXPECT_EQ(page.at("next").to_number<int>(), 5);
  auto rest = json_of(answer(http::verb::get, "/admin/dlq?limit=2&after=5"));
  ASSERT_EQ(rest.at("entries").as_array().size(), 1u);
  EXPECT_EQ(rest.at("entries").as_array()[0].as_object().at("id").to_number<int>(), 9);
  EXPECT_TRUE(rest.at("next").is_null());
  EXPECT_EQ(clicks_.last_list(), std::make_pair(std::uint64_t{5}, std::size_t{3}));
  auto exact = json_of(answer(http::verb::get, "/admin/dlq?limit=3"));
  EXPECT_TRUE(exact.at("next").is_null());
}

TEST_F(DlqRoutesTest, ListRejectsBadQuery) {
  for (auto target : {"/admin/dlq?limit=0", "/admin/dlq?limit=x", "/admin/dlq?after=-1",
                      "/admin/dlq?after=abc", "/admin/dlq?after=99999999999999999999999"}) {
    auto res = answer(http::verb::get, target);
    EXPECT_EQ(res.result(), http::status::bad_request) << target;
    EXPECT_FALSE(error_of(res).empty());
  }
}

TEST_F(DlqRoutesTest, RedriveAllWithEmptyBodyOrEmptyObject) {
  auto res = answer(http::verb::post, "/admin/dlq/redrive");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(json_of(res).at("redriven").to_number<int>(), 3);
  clicks_.add_dead_letter(letter(11, 1));
  auto again = answer(http::verb::post, "/admin/dlq/redrive", " {} ");
  ASSERT_EQ(again.result(), http::status::ok) << again.body();
  EXPECT_EQ(json_of(again).at("redriven").to_number<int>(), 1);
  auto calls = clicks_.redrive_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], std::nullopt);
  EXPECT_EQ(calls[1], std::nullopt);
}

TEST_F(DlqRoutesTest, RedriveOne) {
  auto res = answer(http::verb::post, "/admin/dlq/redrive", R"({"id": 5})");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res.body(), R"({"redriven":1,"clicks":0,"remaining":0})");
  EXPECT_EQ(clicks_.redrive_calls().back(), std::optional<std::uint64_t>(5));
  EXPECT_EQ(clicks_.dead_letters().size(), 2u);
  auto missing = answer(http::verb::post, "/admin/dlq/redrive", R"({"id": 5})");
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_EQ(error_of(missing), "dead letter not found");
}

TEST_F(DlqRoutesTest, RedriveRejectsBadBodies) {
  for (auto body : {R"({"id":"5"})", R"({"id":1.5})", R"({"id":-1})", R"({"id":0})",
                    R"({"id":null})", "[1]", "not json"}) {
    auto res = answer(http::verb::post, "/admin/dlq/redrive", body);
    EXPECT_EQ(res.result(), http::status::bad_request) << body;
    EXPECT_FALSE(error_of(res).empty()) << body;
  }
  EXPECT_TRUE(clicks_.redrive_calls().empty());
}

TEST_F(DlqRoutesTest, DeleteDiscardsOne) {
  auto res = answer(http::verb::delete_, "/admin/dlq/9");
  EXPECT_EQ(res.result(), http::status::no_content);
  EXPECT_TRUE(res.body().empty());
  EXPECT_EQ(clicks_.dead_letters().size(), 2u);
  auto again = answer(http::verb::delete_, "/admin/dlq/9");
  EXPECT_EQ(again.result(), http::status::not_found);
  EXPECT_EQ(error_of(again), "dead letter not found");
}

TEST_F(DlqRoutesTest, DeleteRejectsIdsThatAreNotPositiveIntegers) {
  for (auto target : {"/admin/dlq/0", "/admin/dlq/-3", "/admin/dlq/abc", "/admin/dlq/1.0",
                      "/admin/dlq/%2B1", "/admin/dlq/18446744073709551616"}) {
    auto res = answer(http::verb::delete_, target);
    EXPECT_EQ(res.result(), http::status::bad_request) << target;
    EXPECT_FALSE(error_of(res).empty()) << target;
  }
  EXPECT_EQ(clicks_.dead_letters().size(), 3u);
}

TEST_F(DlqRoutesTest, StoreFailuresAre503) {
  clicks_.fail_store(true);
  for (auto [method, target] :
       {std::pair{http::verb::get, "/admin/dlq"}, std::pair{http::verb::post, "/admin/dlq/redrive"},
        std::pair{http::verb::delete_, "/admin/dlq/2"}}) {
    auto res = answer(method, target);
    EXPECT_EQ(res.result(), http::status::service_unavailable) << target;
    EXPECT_EQ(error_of(res), "disk on fire") << target;
  }
}

TEST_F(DlqRoutesTest, RedriveThatCannotWriteTheLogIs503WithWhatItDid) {
  clicks_.fail_log(true);
  auto res = answer(http::verb::post, "/admin/dlq/redrive");
  ASSERT_EQ(res.result(), http::status::service_unavailable) << res.body();
  EXPECT_EQ(error_of(res), "the clicks log cannot be written: disk full");
  auto body = json_of(res);
  EXPECT_EQ(body.at("redriven").to_number<int>(), 1);
  EXPECT_EQ(body.at("clicks").to_number<int>(), 2);
  EXPECT_EQ(body.at("remaining").to_number<int>(), 2);
}

TEST_F(DlqRoutesTest, WithoutClicksEveryRouteIs503) {
  ctx_.clicks = nullptr;
  for (auto [method, target] :
       {std::pair{http::verb::get, "/admin/dlq"}, std::pair{http::verb::post, "/admin/dlq/redrive"},
        std::pair{http::verb::delete_, "/admin/dlq/2"}}) {
    auto res = answer(method, target);
    EXPECT_EQ(res.result(), http::status::service_unavailable) << target;
    EXPECT_EQ(error_of(res), "clicks are off") << target;
  }
}

TEST_F(DlqRoutesTest, WrongMethodsAre405) {
  struct probe {
    http::verb method;
    const char* target;
    const char* allow;
  };
  for (auto p : {probe{http::verb::post, "/admin/dlq", "GET, HEAD"},
                 probe{http::verb::get, "/admin/dlq/redrive", "POST"},
                 probe{http::verb::delete_, "/admin/dlq/redrive", "POST"},
                 probe{http::verb::get, "/admin/dlq/2", "DELETE"}}) {
    auto res = answer(p.method, p.target);
    EXPECT_EQ(res.result(), http::status::method_not_allowed) << p.target;
    EXPECT_EQ(res[http::field::allow], p.allow) << p.target;
  }
  // One segment is a code (reserved, so never a link's): no dead-letter route.
  EXPECT_EQ(match_route("/admin").route, route_id::redirect);
  EXPECT_EQ(answer(http::verb::get, "/admin/other").result(), http::status::not_found);
}

TEST(ParseDeadLetterId, DigitsOnlyPositiveAndInRange) {
  std::uint64_t id = 0;
  EXPECT_TRUE(parse_dead_letter_id("42", &id));
  EXPECT_EQ(id, 42u);
  EXPECT_TRUE(parse_dead_letter_id("18446744073709551615", &id));
  for (auto bad : {"", "0", "+1", "-1", " 1", "1a", "18446744073709551616"}) {
    EXPECT_FALSE(parse_dead_letter_id(bad, &id)) << bad;
  }
}

}  // namespace
}  // namespace linkly
