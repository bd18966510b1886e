// Token auth through handle_request, without a socket: which routes need the
// token, the 401 they answer, and the login cookie's contract (reads only,
// expiry on an injected clock, logout).

#include "http/access_control.hpp"
#include "http/auth.hpp"
#include "http/router.hpp"

#include "actors/read_view.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;

constexpr std::string_view kToken = "test-token-0123456789abcdef";

struct route_case {
  http::verb method;
  const char* target;
};

std::string describe(const route_case& c) {
  return std::string(http::to_string(c.method)) + " " + c.target;
}

// Every route that needs the token: each write, the admin routes, stats and
// analytics, the streams, the listing, history, metrics and the import.
const std::vector<route_case> kProtected = {
    {http::verb::post, "/links"},
    {http::verb::get, "/links"},
    {http::verb::head, "/links"},
    {http::verb::get, "/links?limit=5&after=a"},
    {http::verb::get, "/links/demo"},
    {http::verb::head, "/links/demo"},
    {http::verb::get, "/links/demo?as_of=1"},
    {http::verb::put, "/links/demo"},
    {http::verb::delete_, "/links/demo"},
    {http::verb::get, "/links/demo/stats"},
    {http::verb::get, "/links/demo/history"},
    {http::verb::post, "/links/import"},
    {http::verb::get, "/analytics/daily"},
    {http::verb::get, "/clicks/summary"},
    {http::verb::get, "/clicks/stream"},
    {http::verb::get, "/clicks/stream?code=demo"},
    {http::verb::get, "/events"},
    {http::verb::get, "/events?after=3"},
    {http::verb::get, "/metrics"},
    {http::verb::get, "/admin/dlq"},
    {http::verb::post, "/admin/dlq/redrive"},
    {http::verb::delete_, "/admin/dlq/1"},
    // A wrong method on a protected route is refused before it is a 405.
    {http::verb::patch, "/links"},
    {http::verb::post, "/metrics"},
};

const std::vector<route_case> kPublic = {
    {http::verb::get, "/healthz"}, {http::verb::head, "/healthz"},  {http::verb::get, "/s/demo"},
    {http::verb::head, "/s/demo"}, {http::verb::get, "/demo"},      {http::verb::get, "/s/missing"},
    {http::verb::get, "/"},        {http::verb::get, "/ui/app.js"}, {http::verb::post, "/logout"},
    {http::verb::get, "/login"},   {http::verb::get, "/no/such/x"},
};

class AuthRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    link_info demo;
    demo.code = "demo";
    demo.url = "https://example.com/landing";
    demo.version = 1;
    view_.upsert(demo);
    ctx_.view = &view_;
    ctx_.short_url_base = "http://127.0.0.1:3111";
    ctx_.access = &access_;
  }

  static access_options options() {
    access_options o;
    o.token = std::string(kToken);
    o.session_ttl = 60s;
    return o;
  }

  std::optional<http_response> answer(http::verb method, std::string target,
                                      std::vector<std::pair<http::field, std::string>> headers = {},
                                      std::string body = {}) {
    http_request req{method, target, 11};
    for (auto& [name, value] : headers) req.insert(name, value);
    bool writes = method == http::verb::post || method == http::verb::put;
    if (writes && req.find(http::field::content_type) == req.end()) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<http_response> out;
    handle_request(req, ctx_, [&](http_response res) { out = std::move(res); });
    return out;
  }

  std::optional<http_response> answer(
      const route_case& c, std::vector<std::pair<http::field, std::string>> headers = {}) {
    std::string body = c.method == http::verb::post || c.method == http::verb::put
                           ? R"({"url":"https://example.com"})"
                           : "";
    return answer(c.method, c.target, std::move(headers), std::move(body));
  }

  static std::pair<http::field, std::string> bearer(std::string_view token) {
    return {http::field::authorization, "Bearer " + std::string(token)};
  }

  static std::pair<http::field, std::string> cookie(const std::string& id) {
    return {http::field::cookie, "theme=dark; linkly_session=" + id};
  }

  // The session id of a successful POST /login.
  std::string login() {
    auto res = answer(http::verb::post, "/login", {bearer(kToken)});
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->result(), http::status::no_content);
    std::smatch m;
    std::string set_cookie((*res)[http::field::set_cookie]);
    static const std::regex kCookie(
        "linkly_session=([0-9a-f]{64}); Path=/; HttpOnly; SameSite=Strict; Max-Age=60");
    EXPECT_TRUE(std::regex_match(set_cookie, m, kCookie)) << set_cookie;
    return m.size() == 2 ? m[1].str() : std::string();
  }

  static void expect_unauthorized(const std::optional<http_response>& res, const std::string& what,
                                  bool head = false) {
    ASSERT_TRUE(res) << what;
    EXPECT_EQ(res->result(), http::status::unauthorized) << what;
    EXPECT_EQ((*res)[http::field::www_authenticate], "Bearer") << what;
    EXPECT_EQ((*res)[http::field::content_type], "application/json") << what;
    if (head) {
      EXPECT_TRUE(res->body().empty()) << what;
      return;
    }
    boost::system::error_code ec;
    auto body = boost::json::parse(res->body(), ec);
    ASSERT_FALSE(ec) << what << ": " << res->body();
    ASSERT_TRUE(body.is_object() && body.as_object().contains("error")) << res->body();
    EXPECT_TRUE(body.at("error").is_string()) << res->body();
    EXPECT_EQ(res->body().find(kToken), std::string::npos) << "the token must never be echoed";
  }

  access_control::clock::time_point now_{std::chrono::hours(1)};
  access_control access_{options(), [this] { return now_; }};
  read_view view_;
  router_context ctx_;
};

TEST_F(AuthRouterTest, EveryProtectedRouteRefusesAMissingToken) {
  for (const auto& c : kProtected) {
    expect_unauthorized(answer(c), describe(c), c.method == http::verb::head);
  }
}

TEST_F(AuthRouterTest, EveryProtectedRouteRefusesAWrongToken) {
  std::vector<std::pair<http::field, std::string>> wrong[] = {
      {bearer("not-the-token-0123456789")},
      {bearer(std::string(kToken) + "x")},
      {bearer(std::string(kToken).substr(0, kToken.size() - 1))},
      {{http::field::authorization, "Basic " + std::string(kToken)}},
      {{http::field::authorization, std::string(kToken)}},
      {{http::field::authorization, "Bearer"}},
      {{http::field::authorization, "Bearer "}},
  };
  for (const auto& c : kProtected) {
    for (const auto& headers : wrong) {
      expect_unauthorized(answer(c, headers), describe(c) + " with " + headers[0].second,
                          c.method == http::verb::head);
    }
  }
}

TEST_F(AuthRouterTest, EveryProtectedRouteAcceptsTheRightToken) {
  for (const auto& c : kProtected) {
    auto res = answer(c, {bearer(kToken)});
    ASSERT_TRUE(res) << describe(c);
    EXPECT_NE(res->result(), http::status::unauthorized) << describe(c) << ": " << res->body();
  }
  // The scheme is case-insensitive; surrounding blanks are not part of the token.
  auto res = answer(http::verb::get, "/metrics",
                    {{http::field::authorization, "bearer   " + std::string(kToken) + " "}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
}

TEST_F(AuthRouterTest, PublicRoutesNeedNoToken) {
  for (const auto& c : kPublic) {
    auto res = answer(c);
    ASSERT_TRUE(res) << describe(c);
    EXPECT_NE(res->result(), http::status::unauthorized) << describe(c) << ": " << res->body();
  }
  auto redirect = answer(http::verb::get, "/s/demo");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->result(), http::status::found);
  auto health = answer(http::verb::get, "/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->result(), http::status::ok);
}

TEST_F(AuthRouterTest, TokenInTheUrlIsNotAccepted) {
  std::string t(kToken);
  for (std::string target : {"/metrics?token=" + t, "/metrics?access_token=" + t,
                             "/links?auth=" + t, "/clicks/stream?token=" + t}) {
    expect_unauthorized(answer(http::verb::get, target), target);
  }
}

TEST_F(AuthRouterTest, LoginWithTheTokenSetsAShortLivedSessionCookie) {
  auto res = answer(http::verb::post, "/login", {bearer(kToken)});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::no_content);
  EXPECT_EQ((*res)[http::field::cache_control], "no-store");
  std::string set_cookie((*res)[http::field::set_cookie]);
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Max-Age=60"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "plain http: " << set_cookie;
  EXPECT_EQ(set_cookie.find(kToken), std::string::npos) << "the cookie is not the token";
  EXPECT_EQ(access_.session_count(), 1u);
  EXPECT_NE(login(), login()) << "each login opens its own session";
}

TEST_F(AuthRouterTest, LoginBehindHttpsMarksTheCookieSecure) {
  ctx_.short_url_base = "https://lnk.example";
  auto res = answer(http::verb::post, "/login", {bearer(kToken)});
  ASSERT_TRUE(res);
  EXPECT_NE((*res)[http::field::set_cookie].find("; Secure"), std::string::npos);
}

TEST_F(AuthRouterTest, LoginWithoutOrWithAWrongTokenIs401AndOpensNoSession) {
  expect_unauthorized(answer(http::verb::post, "/login"), "no token");
  expect_unauthorized(answer(http::verb::post, "/login", {bearer("wrong-token-0123456789")}),
                      "wrong token");
  std::string id = login();
  expect_unauthorized(answer(http::verb::post, "/login", {cookie(id)}), "a cookie is no login");
  EXPECT_EQ(access_.session_count(), 1u);
  auto get = answer(http::verb::get, "/login", {bearer(kToken)});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->result(), http::status::method_not_allowed);
}

TEST_F(AuthRouterTest, SessionCookieWorksForReads) {
  std::string id = login();
  ASSERT_FALSE(id.empty());
  for (const auto& c : kProtected) {
    if (c.method != http::verb::get && c.method != http::verb::head) continue;
    auto res = answer(c, {cookie(id)});
    ASSERT_TRUE(res) << describe(c);
    EXPECT_NE(res->result(), http::status::unauthorized) << describe(c) << ": " << res->body();
  }
  auto metrics = answer(http::verb::get, "/metrics", {cookie(id)});
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->result(), http::status::ok);
}

TEST_F(AuthRouterTest, SessionCookieNeverAuthorizesAWrite) {
  std::string id = login();
  ASSERT_FALSE(id.empty());
  for (const auto& c : kProtected) {
    if (c.method == http::verb::get || c.method == http::verb::head) continue;
    expect_unauthorized(answer(c, {cookie(id)}), describe(c) + " with the cookie");
  }
  // The session is still good for reads afterwards.
  auto res = answer(http::verb::get, "/metrics", {cookie(id)});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
}

TEST_F(AuthRouterTest, AWrongBearerTokenIsRefusedEvenWithALiveCookie) {
  std::string id = login();
  expect_unauthorized(
      answer(http::verb::get, "/metrics", {cookie(id), bearer("wrong-0123456789ab")}),
      "wrong bearer + cookie");
}

TEST_F(AuthRouterTest, ExpiredOrUnknownCookieIsRefused) {
  std::string id = login();
  now_ += 59'999ms;
  auto res = answer(http::verb::get, "/metrics", {cookie(id)});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  now_ += 1ms;
  expect_unauthorized(answer(http::verb::get, "/metrics", {cookie(id)}), "expired");
  EXPECT_EQ(access_.session_count(), 0u);
  expect_unauthorized(answer(http::verb::get, "/metrics", {cookie(std::string(64, 'a'))}),
                      "unknown");
  expect_unauthorized(answer(http::verb::get, "/metrics", {cookie(std::string(kToken))}),
                      "the token as a cookie");
}

TEST_F(AuthRouterTest, LogoutEndsTheSessionAndClearsTheCookie) {
  std::string id = login();
  std::string other = login();
  auto res = answer(http::verb::post, "/logout", {cookie(id)});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::no_content);
  std::string set_cookie((*res)[http::field::set_cookie]);
  EXPECT_EQ(set_cookie.rfind("linkly_session=;", 0), 0u) << set_cookie;
  EXPECT_NE(set_cookie.find("Max-Age=0"), std::string::npos) << set_cookie;
  expect_unauthorized(answer(http::verb::get, "/metrics", {cookie(id)}), "after logout");
  auto still = answer(http::verb::get, "/metrics", {cookie(other)});
  ASSERT_TRUE(still);
  EXPECT_EQ(still->result(), http::status::ok) << "another session is untouched";
  // Logging out again, or without a cookie, is harmless.
  auto again = answer(http::verb::post, "/logout", {cookie(id)});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->result(), http::status::no_content);
}

TEST_F(AuthRouterTest, CheckAccessReadsOnlyTheHeaders) {
  // As the session calls it for a streamed import, before the body.
  http::fields headers;
  auto denied = check_access(route_id::links_import, http::verb::post, headers, ctx_);
  expect_unauthorized(denied, "import without a token");
  headers.set(http::field::authorization, "Bearer " + std::string(kToken));
  EXPECT_FALSE(check_access(route_id::links_import, http::verb::post, headers, ctx_));
  http::fields with_cookie;
  with_cookie.set(http::field::cookie, "linkly_session=" + login());
  expect_unauthorized(check_access(route_id::links_import, http::verb::post, with_cookie, ctx_),
                      "import with only the cookie");
}

class OpenRouterTest : public AuthRouterTest {
 protected:
  void SetUp() override {
    AuthRouterTest::SetUp();
    ctx_.access = &open_;
  }
  access_control open_{access_options{}};
};

TEST_F(OpenRouterTest, WithoutATokenEveryRouteIsOpen) {
  for (const auto& c : kProtected) {
    auto res = answer(c);
    ASSERT_TRUE(res) << describe(c);
    EXPECT_NE(res->result(), http::status::unauthorized) << describe(c);
  }
  ctx_.access = nullptr;
  for (const auto& c : kProtected) {
    auto res = answer(c);
    ASSERT_TRUE(res) << describe(c);
    EXPECT_NE(res->result(), http::status::unauthorized) << describe(c);
  }
}

TEST_F(OpenRouterTest, LoginAnswers204WithoutACookie) {
  for (access_control* access : {&open_, static_cast<access_control*>(nullptr)}) {
    ctx_.access = access;
    auto res = answer(http::verb::post, "/login");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::no_content);
    EXPECT_EQ(res->count(http::field::set_cookie), 0u);
    auto out = answer(http::verb::post, "/logout");
    ASSERT_TRUE(out);
    EXPECT_EQ(out->result(), http::status::no_content);
  }
}

}  // namespace
}  // namespace linkly
