// handle_request without a socket or an actor system: redirects and reads
// come from a read_view filled by hand; command routes are checked up to
// the point where they would ask link_service (validation, 404, 405).

#include "http/router.hpp"

#include "actors/read_view.hpp"
#include "http/redirect.hpp"
#include "http/robots.hpp"
#include "schemas/clock.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <optional>

namespace linkly {
namespace {

namespace http = boost::beast::http;

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    link_info demo;
    demo.code = "demo";
    demo.url = "https://example.com/landing";
    demo.version = 2;
    demo.created_at_ms = 1'700'000'000'000;
    demo.updated_at_ms = 1'700'000'001'500;
    view_.upsert(demo);
    ctx_.view = &view_;
    ctx_.short_url_base = "http://127.0.0.1:3111";
  }

  // The response, when handle_request answered before returning.
  std::optional<http_response> answer(http::verb method, std::string target,
                                      std::string body = {}) {
    http_request req{method, target, 11};
    if (method == http::verb::post || method == http::verb::put) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<http_response> out;
    int calls = 0;
    handle_request(req, ctx_, [&](http_response res) {
      ++calls;
      out = std::move(res);
    });
    EXPECT_LE(calls, 1);
    return out;
  }

  static std::string error_of(const http_response& res) {
    EXPECT_EQ(res[http::field::content_type], "application/json");
    auto value = boost::json::parse(res.body());
    return std::string(value.at("error").as_string());
  }

  read_view view_;
  router_context ctx_;
};

// A link with attributes, put in the view as a table would hold it.
link_info with_attrs(std::string code, std::string url, link_attributes attrs) {
  link_info link;
  link.code = std::move(code);
  link.url = std::move(url);
  link.version = 1;
  link.attrs = std::move(attrs);
  return link;
}

TEST_F(RouterTest, QueryIsForwardedBeforeTheFragmentUnlessTurnedOff) {
  view_.upsert(with_attrs("frag", "https://example.com/p?a=1#top", {}));
  link_attributes off;
  off.forward_query = false;
  off.title = "kept apart";
  view_.upsert(with_attrs("off", "https://example.com/p", off));
  auto res = answer(http::verb::get, "/s/frag?b=2");
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[http::field::location], "https://example.com/p?a=1&b=2#top");
  res = answer(http::verb::get, "/s/off?b=2");
  ASSERT_TRUE(res);
  EXPECT_EQ((*res)[http::field::location], "https://example.com/p");
  EXPECT_EQ(with_query("https://x.org/?", "q=1"), "https://x.org/?q=1");
  EXPECT_EQ(with_query("https://x.org/p", "q=1"), "https://x.org/p?q=1");
  EXPECT_EQ(query_of("/s/x"), "");
  EXPECT_EQ(query_of("/s/x?"), "");
  EXPECT_EQ(query_of("/s/x?a=b?c"), "a=b?c");
}

TEST_F(RouterTest, LinkOutsideItsWindowIs404OrTheConfiguredRedirect) {
  const std::int64_t now = now_utc_ms();
  link_attributes expired;
  expired.valid_until_ms = now - 60'000;
  link_attributes early;
  early.valid_since_ms = now + 3'600'000;
  link_attributes open;
  open.valid_since_ms = now - 60'000;
  open.valid_until_ms = now + 3'600'000;
  view_.upsert(with_attrs("expired", "https://example.com/e", expired));
  view_.upsert(with_attrs("early", "https://example.com/e", early));
  view_.upsert(with_attrs("open", "https://example.com/o", open));
  for (auto target : {"/s/expired", "/early"}) {
    auto res = answer(http::verb::get, target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result(), http::status::not_found) << target;
    EXPECT_EQ(error_of(*res), "link not found") << target;
  }
  auto res = answer(http::verb::get, "/s/open");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::found);
  ctx_.unavailable_redirect_url = "https://example.com/sorry";
  res = answer(http::verb::get, "/s/expired");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::found);
  EXPECT_EQ((*res)[http::field::location], "https://example.com/sorry");
}

TEST_F(RouterTest, RedirectAnswers302WithLocationAndNoCache) {
  const std::pair<const char*, const char*> cases[] = {
      {"/s/demo", "https://example.com/landing"},
      {"/demo", "https://example.com/landing"},
      {"/s/demo?x=1", "https://example.com/landing?x=1"},  // forward_query: on by default
      {"/demo?utm=a&b", "https://example.com/landing?utm=a&b"},
  };
  for (auto [target, location] : cases) {
    auto res = answer(http::verb::get, target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result(), http::status::found) << target;
    EXPECT_EQ((*res)[http::field::location], location) << target;
    EXPECT_EQ((*res)[http::field::cache_control], "private, no-store") << target;
    EXPECT_TRUE(res->body().empty()) << target;
    EXPECT_EQ((*res)[http::field::content_length], "0") << target;
  }
}

TEST_F(RouterTest, HeadRedirectHasSameHeadersAndNoBody) {
  auto res = answer(http::verb::head, "/s/demo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::found);
  EXPECT_EQ((*res)[http::field::location], "https://example.com/landing");
  EXPECT_TRUE(res->body().empty());
}

TEST_F(RouterTest, UnknownOrImpossibleCodeIsLinkNotFound) {
  for (auto target : {"/s/missing", "/missing", "/s/bad.code", "/s/a%2Fb", "/s"}) {
    auto res = answer(http::verb::get, target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result(), http::status::not_found) << target;
    EXPECT_EQ(error_of(*res), "link not found") << target;
  }
}

TEST_F(RouterTest, DeletedLinkStopsRedirecting) {
  view_.erase("demo");
  auto res = answer(http::verb::get, "/s/demo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::not_found);
  EXPECT_EQ(error_of(*res), "link not found");
}

TEST_F(RouterTest, HeadOfMissingLinkKeepsContentLengthWithoutBody) {
  auto get = answer(http::verb::get, "/s/missing");
  auto head = answer(http::verb::head, "/s/missing");
  ASSERT_TRUE(get && head);
  EXPECT_EQ(head->result(), http::status::not_found);
  EXPECT_TRUE(head->body().empty());
  EXPECT_EQ((*head)[http::field::content_length], std::to_string(get->body().size()));
}

TEST_F(RouterTest, UnknownPathIsNotFound) {
  // "/" is the web front end's page (ui_routes_test.cpp).
  for (auto target : {"/a/b", "/links/demo/nope", "/s/a/b", "/ui/a/b"}) {
    auto res = answer(http::verb::get, target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result(), http::status::not_found) << target;
    EXPECT_EQ(error_of(*res), "not found") << target;
  }
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  struct probe {
    http::verb method;
    const char* target;
    const char* allow;
  };
  for (auto p : {probe{http::verb::post, "/s/demo", "GET, HEAD"},
                 probe{http::verb::delete_, "/demo", "GET, HEAD"},
                 probe{http::verb::put, "/links", "GET, HEAD, POST"},
                 probe{http::verb::post, "/links/demo", "GET, HEAD, PUT, DELETE"},
                 probe{http::verb::delete_, "/links/demo/history", "GET, HEAD"},
                 probe{http::verb::post, "/healthz", "GET, HEAD"}}) {
    auto res = answer(p.method, p.target);
    ASSERT_TRUE(res) << p.target;
    EXPECT_EQ(res->result(), http::status::method_not_allowed) << p.target;
    EXPECT_EQ((*res)[http::field::allow], p.allow) << p.target;
    EXPECT_EQ(error_of(*res), "method not allowed") << p.target;
  }
}

// The dispatch knows every method of every kRouteTable row: none falls
// through to "route without a handler" (500) or a 405.
TEST_F(RouterTest, EveryRowOfTheTableHasAHandler) {
  const std::pair<std::uint8_t, http::verb> methods[] = {{method_bit::get, http::verb::get},
                                                         {method_bit::get, http::verb::head},
                                                         {method_bit::post, http::verb::post},
                                                         {method_bit::put, http::verb::put},
                                                         {method_bit::del, http::verb::delete_}};
  for (const route_spec& spec : kRouteTable) {
    std::string target;
    for (std::size_t i = 0; i < spec.pattern.size(); ++i) {
      if (spec.pattern[i] != '{') {
        target += spec.pattern[i];
        continue;
      }
      target += "demo";
      i = spec.pattern.find('}', i);
    }
    for (auto [bit, verb] : methods) {
      if ((spec.methods & bit) == 0) continue;
      std::string what = std::string(http::to_string(verb)) + " " + target;
      if (spec.body == body_kind::csv_stream) continue;  // the session streams it
      auto res = answer(verb, target, spec.body == body_kind::json ? "{}" : "");
      if (!res) continue;  // answered later (an actor) or opened a stream
      EXPECT_NE(res->result(), http::status::internal_server_error) << what;
      EXPECT_NE(res->result(), http::status::method_not_allowed) << what;
    }
  }
}

TEST_F(RouterTest, TextPlainToAJsonRouteIs415) {
  http_request req{http::verb::post, "/links", 11};
  req.set(http::field::content_type, "text/plain");
  req.body() = R"({"url":"https://a.example"})";
  req.prepare_payload();
  std::optional<http_response> out;
  handle_request(req, ctx_, [&](http_response res) { out = std::move(res); });
  ASSERT_TRUE(out);
  EXPECT_EQ(out->result(), http::status::unsupported_media_type);
  EXPECT_EQ(error_of(*out), "expected Content-Type: application/json");
}

TEST_F(RouterTest, AdmissionFromTheSessionIsNotDecidedAgain) {
  http_request req{http::verb::get, "/links/demo", 11};
  req.set(http::field::host, "evil.example");  // would be 421
  admission admitted;
  admitted.route = route_id::link_item;
  admitted.match.route = route_id::link_item;
  admitted.match.code = "demo";
  request_info info;
  info.admitted = &admitted;
  std::optional<http_response> out;
  handle_request(
      req, ctx_, [&](http_response res) { out = std::move(res); }, info);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->result(), http::status::ok);
}

TEST_F(RouterTest, HealthzIsOk) {
  auto res = answer(http::verb::get, "/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_EQ(res->body(), R"({"status":"ok"})");
}

TEST_F(RouterTest, GetLinkReadsTheView) {
  auto res = answer(http::verb::get, "/links/demo");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  auto body = boost::json::parse(res->body()).as_object();
  EXPECT_EQ(body.at("code").as_string(), "demo");
  EXPECT_EQ(body.at("url").as_string(), "https://example.com/landing");
  EXPECT_EQ(body.at("version").to_number<int>(), 2);
  EXPECT_EQ(body.at("created_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(body.at("updated_at").as_string(), "2023-11-14T22:13:21.500Z");
  auto missing = answer(http::verb::get, "/links/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->result(), http::status::not_found);
  EXPECT_EQ(error_of(*missing), "link not found");
}

TEST_F(RouterTest, CreateValidationErrorsAnswerAt400) {
  struct probe {
    const char* body;
    const char* error;
  };
  for (auto p : {probe{"{}", "missing \"url\""}, probe{R"({"url":""})", "missing \"url\""},
                 probe{R"({"url":5})", "\"url\" must be a string"},
                 probe{"not json", "request body is not valid JSON"}}) {
    auto res = answer(http::verb::post, "/links", p.body);
    ASSERT_TRUE(res) << p.body;
    EXPECT_EQ(res->result(), http::status::bad_request) << p.body;
    EXPECT_EQ(error_of(*res), p.error) << p.body;
  }
  auto js = answer(http::verb::post, "/links", R"js({"url":"javascript:alert(1)"})js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->result(), http::status::bad_request);
  auto reserved = answer(http::verb::post, "/links", R"({"url":"a.example","code":"links"})");
  ASSERT_TRUE(reserved);
  EXPECT_EQ(reserved->result(), http::status::bad_request);
  EXPECT_NE(error_of(*reserved).find("reserved"), std::string::npos);
}

TEST_F(RouterTest, UpdateChecksCodeThenBody) {
  auto bad_code = answer(http::verb::put, "/links/bad.code", R"({"url":"a.example"})");
  ASSERT_TRUE(bad_code);
  EXPECT_EQ(bad_code->result(), http::status::not_found);
  auto bad_body = answer(http::verb::put, "/links/demo", R"({"url":null})");
  ASSERT_TRUE(bad_body);
  EXPECT_EQ(bad_body->result(), http::status::bad_request);
  EXPECT_EQ(error_of(*bad_body), "missing \"url\"");
}

TEST_F(RouterTest, ListRejectsBadLimitBeforeAskingTheActors) {
  for (auto target : {"/links?limit=0", "/links?limit=abc", "/links?limit=1001", "/links?limit="}) {
    auto res = answer(http::verb::get, target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result(), http::status::bad_request) << target;
    EXPECT_NE(error_of(*res).find("invalid limit"), std::string::npos) << target;
  }
}

TEST_F(RouterTest, CommandsWithoutLinkServiceAreUnavailable) {
  auto res = answer(http::verb::post, "/links", R"({"url":"https://a.example"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::service_unavailable);
  auto list = answer(http::verb::get, "/links");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->result(), http::status::service_unavailable);
}

TEST_F(RouterTest, DeleteOfImpossibleCodeIsNotFound) {
  auto res = answer(http::verb::delete_, "/links/no.such");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::not_found);
  EXPECT_EQ(error_of(*res), "link not found");
}

TEST_F(RouterTest, MalformedTargetIsBadRequest) {
  auto res = answer(http::verb::get, "*");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::bad_request);
}

TEST(Robots, AllowsEachCrawlableLinkThenDisallowsTheRest) {
  EXPECT_EQ(robots_txt({}), "User-agent: *\nDisallow: /\n");
  EXPECT_EQ(robots_txt({"a", "b-2"}),
            "User-agent: *\nAllow: /s/a\nAllow: /a\nAllow: /s/b-2\nAllow: /b-2\nDisallow: /\n");
}

}  // namespace
}  // namespace linkly
