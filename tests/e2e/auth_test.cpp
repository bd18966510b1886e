// Tutorial chapter 7, token auth, against a real `linkly serve`: with
// LINKLY_TOKEN set, every protected route answers 401 JSON without the right
// Bearer token and works with it; redirects and /healthz stay public; the
// login cookie opens streams but never writes. Without a token the server
// says loudly that it is open; an unusable token refuses to start.

#include "tests/http/stream_test_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;
using linkly::testing::stream_test_client;

const std::string kToken = "e2e-token-7f3a9c1d5b2e8f40";

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

struct route_case {
  std::string method;
  std::string target;
  std::string body;
  std::set<int> ok;  // statuses that mean "served" with the right token
  std::string content_type = {};
};

std::string describe(const route_case& c) {
  return c.method + " " + c.target;
}

server_options with_token() {
  server_options o;
  o.env = {{"LINKLY_TOKEN", kToken}};
  return o;
}

class AuthTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(server_.stop().success()) << server_.output_text(); }

  http_response call(const route_case& c, const header_list& extra) {
    header_list headers = extra;
    if (!c.content_type.empty()) headers.emplace_back("Content-Type", c.content_type);
    return client_.request(c.method, c.target, c.body, headers);
  }

  static header_list bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  static void expect_unauthorized(const http_response& res, const std::string& what) {
    ASSERT_TRUE(res.ok()) << what << ": " << res.describe();
    EXPECT_EQ(res.status, 401) << what << ": " << res.describe();
    EXPECT_EQ(res.header("WWW-Authenticate"), "Bearer") << what;
    if (res.body.empty()) return;  // HEAD
    EXPECT_TRUE(error_message(res).has_value()) << what << ": " << res.describe();
    EXPECT_FALSE(contains(res.body, kToken)) << what;
  }

  // Every non-stream protected route, in an order where each finds what it
  // needs ("demo" exists until the last case deletes it).
  static std::vector<route_case> protected_routes() {
    return {
        {"POST", "/links", R"({"url":"https://example.com/other","code":"other"})", {201}},
        {"GET", "/links", "", {200}},
        {"HEAD", "/links", "", {200}},
        {"GET", "/links/demo", "", {200}},
        {"GET", "/links/demo?as_of=1", "", {200}},
        {"PUT", "/links/demo", R"({"url":"https://example.com/new"})", {200}},
        // Analytics is a projection: a link it has not seen yet is 404.
        {"GET", "/links/demo/stats", "", {200, 404}},
        {"GET", "/links/demo/history", "", {200}},
        {"GET", "/analytics/daily", "", {200}},
        {"GET", "/clicks/summary", "", {200}},
        {"GET", "/metrics", "", {200}},
        {"GET", "/admin/dlq", "", {200}},
        {"POST", "/admin/dlq/redrive", "", {200, 404}},
        {"DELETE", "/admin/dlq/999", "", {404}},
        {"POST", "/links/import", "code,url\nimp1,https://example.com/i\n", {200}, "text/csv"},
        {"DELETE", "/links/demo", "", {204}},
    };
  }

  void create_demo() {
    auto res =
        client_.request("POST", "/links", link_body("https://example.com", "demo"), bearer(kToken));
    ASSERT_EQ(res.status, 201) << res.describe();
  }

  // The session id from POST /login's Set-Cookie.
  std::string login() {
    auto res = client_.request("POST", "/login", "", bearer(kToken));
    EXPECT_EQ(res.status, 204) << res.describe();
    std::smatch m;
    std::string set_cookie = res.header("Set-Cookie");
    static const std::regex kCookie(
        "linkly_session=([0-9a-f]{64}); Path=/; HttpOnly; SameSite=Strict; Max-Age=3600");
    EXPECT_TRUE(std::regex_match(set_cookie, m, kCookie)) << res.describe();
    return m.size() == 2 ? m[1].str() : std::string();
  }

  temp_dir data_;
  server_process server_{data_.path(), with_token()};
  http_client client_{server_.port()};
};

TEST_F(AuthTest, UnauthenticatedCreateIs401JsonAndBearerIsAccepted) {
  auto refused = create_link(client_, "https://example.com", "demo");
  expect_unauthorized(refused, "POST /links");
  EXPECT_EQ(refused.header("Content-Type"), "application/json");
  auto wrong = client_.request("POST", "/links", link_body("https://example.com", "demo"),
                               bearer("wrong-token-0123456789"));
  expect_unauthorized(wrong, "POST /links, wrong token");
  create_demo();
  // Nothing was created by the refused attempts: the code was free.
  auto link = client_.request("GET", "/links/demo", "", bearer(kToken));
  ASSERT_EQ(link.status, 200) << link.describe();
  EXPECT_EQ(json_object(link).at("version").as_int64(), 1);
}

TEST_F(AuthTest, EveryProtectedRouteNeedsTheToken) {
  create_demo();
  for (const auto& c : protected_routes()) {
    expect_unauthorized(call(c, {}), describe(c) + " without a token");
    expect_unauthorized(call(c, bearer("not-the-token-0123456789")), describe(c) + " wrong token");
    expect_unauthorized(call(c, bearer(kToken + "0")), describe(c) + " token plus a byte");
  }
  for (const auto& c : protected_routes()) {
    auto res = call(c, bearer(kToken));
    EXPECT_TRUE(c.ok.count(res.status)) << describe(c) << ": " << res.describe();
  }
}

TEST_F(AuthTest, StreamsNeedTheTokenOrTheSessionCookie) {
  for (std::string target : {"/clicks/stream", "/events"}) {
    stream_test_client refused(server_.port());
    EXPECT_EQ(refused.open(target), 401) << target << refused.header();
    stream_test_client wrong(server_.port());
    EXPECT_EQ(wrong.open(target, {{"Authorization", "Bearer wrong-token-0123456789"}}), 401);
    stream_test_client with_token(server_.port());
    EXPECT_EQ(with_token.open(target, {{"Authorization", "Bearer " + kToken}}), 200)
        << target << with_token.header();
  }
  std::string id = login();
  ASSERT_FALSE(id.empty());
  for (std::string target : {"/clicks/stream", "/events"}) {
    stream_test_client browser(server_.port());
    EXPECT_EQ(browser.open(target, {{"Cookie", "linkly_session=" + id}}), 200)
        << target << browser.header();
  }
}

TEST_F(AuthTest, RedirectsAndHealthAreAlwaysPublic) {
  create_demo();
  EXPECT_EQ(client_.get("/healthz").status, 200);
  auto redirect = client_.get("/s/demo");
  EXPECT_EQ(redirect.status, 302) << redirect.describe();
  EXPECT_EQ(redirect.header("Location"), "https://example.com");
  EXPECT_EQ(client_.get("/demo").status, 302);
  EXPECT_EQ(client_.head("/s/demo").status, 302);
  EXPECT_EQ(client_.get("/s/missing").status, 404);
}

TEST_F(AuthTest, SessionCookieReadsButNeverWrites) {
  create_demo();
  std::string id = login();
  ASSERT_FALSE(id.empty());
  header_list cookie = {{"Cookie", "linkly_session=" + id}};
  EXPECT_EQ(client_.request("GET", "/links", "", cookie).status, 200);
  EXPECT_EQ(client_.request("GET", "/metrics", "", cookie).status, 200);
  expect_unauthorized(
      client_.request("POST", "/links", link_body("https://example.com", "viacookie"), cookie),
      "POST with the cookie");
  expect_unauthorized(
      client_.request("PUT", "/links/demo", R"({"url":"https://evil.example"})", cookie),
      "PUT with the cookie");
  expect_unauthorized(client_.request("DELETE", "/links/demo", "", cookie), "DELETE with cookie");
  auto link = client_.request("GET", "/links/demo", "", cookie);
  ASSERT_EQ(link.status, 200) << link.describe();
  EXPECT_EQ(json_object(link).at("url").as_string(), "https://example.com");

  auto out = client_.request("POST", "/logout", "", cookie);
  EXPECT_EQ(out.status, 204) << out.describe();
  EXPECT_TRUE(contains(out.header("Set-Cookie"), "Max-Age=0")) << out.describe();
  expect_unauthorized(client_.request("GET", "/links", "", cookie), "after logout");
}

TEST_F(AuthTest, LoginWithAWrongTokenIs401) {
  auto res = client_.request("POST", "/login", "", bearer("wrong-token-0123456789"));
  expect_unauthorized(res, "login");
  EXPECT_FALSE(res.has_header("Set-Cookie"));
}

TEST_F(AuthTest, StartupSaysAuthIsOnAndNeverLogsTheToken) {
  std::string out = server_.output_text();
  EXPECT_TRUE(contains(out, "auth on")) << out;
  EXPECT_FALSE(contains(out, kToken)) << out;
}

TEST(AuthStartupTest, WithoutATokenTheServerWarnsItIsOpen) {
  temp_dir data;
  server_process server(data.path());
  std::string out = server.output_text();
  EXPECT_TRUE(contains(out, "auth off: no API token is set")) << out;
  http_client client(server.port());
  EXPECT_EQ(create_link(client, "https://example.com", "demo").status, 201);
  auto login = client.post("/login", "");
  EXPECT_EQ(login.status, 204) << login.describe();
  EXPECT_FALSE(login.has_header("Set-Cookie"));
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(AuthStartupTest, ShortOrEmptyTokenRefusesToStart) {
  const cli_options base{{}, 15s};
  for (std::string token : {"short", "0123456789abcde", "", "   "}) {
    temp_dir data;
    cli_options options = base;
    options.env = {{"LINKLY_TOKEN", token}};
    cli_result res =
        run_linkly({"serve", "--data", data.path(), "--listen", "127.0.0.1:0"}, options);
    EXPECT_FALSE(res.timed_out) << res.describe();
    EXPECT_NE(res.exit_code(), 0) << '"' << token << "\"\n" << res.describe();
    EXPECT_TRUE(contains(res.out + res.err, "refusing to start")) << res.describe();
    EXPECT_FALSE(contains(res.out + res.err, "listening")) << res.describe();
  }
}

TEST(AuthStartupTest, EmptyTokenInTheConfigFileRefusesToStart) {
  temp_dir data;
  std::string path = data.path() + "/linkly.yaml";
  std::ofstream(path) << "auth:\n  token: \"\"\n";
  cli_result res = run_linkly(
      {"serve", "--config", path, "--data", data.path() + "/d", "--listen", "127.0.0.1:0"},
      cli_options{{}, 15s});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.out + res.err, "the API token is empty")) << res.describe();
}

TEST(AuthStartupTest, TokenFromTheConfigFileProtectsTheApi) {
  temp_dir data;
  std::string path = data.path() + "/linkly.yaml";
  std::ofstream(path) << "auth:\n  token: " << kToken << "\n  session_ttl_ms: 60000\n";
  server_options options;
  options.extra_args = {"--config", path};
  temp_dir store;
  server_process server(store.path(), options);
  http_client client(server.port());
  EXPECT_EQ(create_link(client, "https://example.com", "demo").status, 401);
  auto login = client.request("POST", "/login", "", {{"Authorization", "Bearer " + kToken}});
  EXPECT_EQ(login.status, 204) << login.describe();
  EXPECT_TRUE(contains(login.header("Set-Cookie"), "Max-Age=60")) << login.describe();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
