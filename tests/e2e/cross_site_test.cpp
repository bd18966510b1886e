// Cross-site writes and DNS rebinding against a real `linkly serve`: another
// site's page can neither write (a form's text/plain body is 415, a foreign
// Origin 403) nor, by pointing its own name at linkly, read (a foreign Host
// is 421). The server's own names, same-origin pages and configured names
// still work, and with a token a missing one is 401 whatever the body.

#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linkly::e2e {
namespace {

const std::string kToken = "cross-site-token-5d1e0b7a9c";
const std::string kFormBody = R"({"url":"https://evil.example/phish","code":"phish"})";

std::string port_suffix(const server_process& server) {
  return ":" + std::to_string(server.port());
}

// An error answer: the status and a JSON {"error": ...} body.
void expect_error(const http_response& res, int status) {
  EXPECT_EQ(res.status, status) << res.describe();
  EXPECT_TRUE(error_message(res).has_value()) << res.describe();
}

class CrossSiteTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(server_.stop().success()) << server_.output_text(); }

  temp_dir data_;
  server_process server_{data_.path()};
  http_client client_{server_.port()};
};

TEST_F(CrossSiteTest, TextPlainWriteIsRefusedAndStoresNothing) {
  // What an HTML form (or a no-cors fetch) on any site can send.
  auto res = client_.request("POST", "/links", kFormBody,
                             {{"Content-Type", "text/plain"}, {"Origin", "https://evil.example"}});
  // The foreign Origin is decided first (API.md's order).
  expect_error(res, 403);
  auto plain = client_.request("POST", "/links", kFormBody, {{"Content-Type", "text/plain"}});
  expect_error(plain, 415);
  auto form = client_.request("POST", "/links", "url=https://evil.example",
                              {{"Content-Type", "application/x-www-form-urlencoded"}});
  expect_error(form, 415);
  expect_error(client_.get("/links/phish"), 404);
  std::string why;
  auto all = list_all_links(client_, &why);
  ASSERT_TRUE(all) << why;
  EXPECT_TRUE(all->empty()) << all->size() << " links";
}

TEST_F(CrossSiteTest, TextPlainRedriveIsRefused) {
  auto res = client_.request("POST", "/admin/dlq/redrive", "{}", {{"Content-Type", "text/plain"}});
  expect_error(res, 415);
  auto none = client_.request("POST", "/admin/dlq/redrive", "", {{"Content-Type", "text/plain"}});
  expect_error(none, 415);
}

TEST_F(CrossSiteTest, JsonWithParametersIsAccepted) {
  auto res = client_.request("POST", "/links", link_body("https://example.com/a", "withcs"),
                             {{"Content-Type", "Application/JSON; charset=utf-8"}});
  EXPECT_EQ(res.status, 201) << res.describe();
}

TEST_F(CrossSiteTest, ForeignOriginWriteIsForbidden) {
  for (const std::string origin :
       {"https://evil.example", "null", "http://127.0.0.1.evil.example"}) {
    auto res = client_.request("POST", "/links", link_body("https://example.com", "evil"),
                               {{"Origin", origin}});
    expect_error(res, 403);
  }
  auto put = client_.request("PUT", "/links/evil", R"({"url":"https://example.com"})",
                             {{"Origin", "https://evil.example"}});
  expect_error(put, 403);
  auto del = client_.request("DELETE", "/admin/dlq/1", "", {{"Origin", "https://evil.example"}});
  expect_error(del, 403);
  expect_error(client_.get("/links/evil"), 404);
}

TEST_F(CrossSiteTest, SameOriginWritesWork) {
  int n = 0;
  for (const std::string& origin :
       std::vector<std::string>{"http://127.0.0.1" + port_suffix(server_),
                                "http://localhost" + port_suffix(server_), "http://[::1]:9"}) {
    std::string code = "same" + std::to_string(++n);
    auto res = client_.request("POST", "/links", link_body("https://example.com", code),
                               {{"Origin", origin}});
    EXPECT_EQ(res.status, 201) << origin << "\n" << res.describe();
  }
  // A foreign Origin on a read is the browser's business (no CORS headers).
  auto read = client_.request("GET", "/links", "", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(read.status, 200) << read.describe();
}

TEST_F(CrossSiteTest, RebindingHostIsMisdirected) {
  ASSERT_EQ(create_link(client_, "https://example.com/secret", "secret").status, 201);
  for (const std::string target : {"/links", "/links/secret", "/metrics", "/s/secret", "/secret"}) {
    auto res =
        client_.request("GET", target, "", {{"Host", "attacker.example" + port_suffix(server_)}});
    expect_error(res, 421);
    EXPECT_EQ(res.body.find("example.com/secret"), std::string::npos) << res.describe();
    EXPECT_FALSE(res.has_header("location")) << res.describe();
  }
  // Health probes name the server by whatever address reaches it.
  auto health = client_.request("GET", "/healthz", "", {{"Host", "10.1.2.3:8080"}});
  EXPECT_EQ(health.status, 200) << health.describe();
}

TEST_F(CrossSiteTest, AllowedHostsStillWork) {
  for (const std::string& host : std::vector<std::string>{
           "127.0.0.1" + port_suffix(server_), "LOCALHOST" + port_suffix(server_), "localhost",
           "[::1]" + port_suffix(server_)}) {
    auto res = client_.request("GET", "/links", "", {{"Host", host}});
    EXPECT_EQ(res.status, 200) << host << "\n" << res.describe();
  }
}

TEST(CrossSiteConfigTest, ConfiguredHostsAndPublicUrlAreAllowed) {
  temp_dir data;
  server_options options;
  options.env = {{"LINKLY_HTTP_ALLOWED_HOSTS", "lnk.internal, Proxy.Example:8443"},
                 {"LINKLY_PUBLIC_URL", "https://short.example"}};
  server_process server(data.path(), options);
  http_client client(server.port());
  for (const std::string host : {"lnk.internal", "proxy.example:1", "short.example"}) {
    auto res = client.request("GET", "/links", "", {{"Host", host}});
    EXPECT_EQ(res.status, 200) << host << "\n" << res.describe();
  }
  auto write = client.request("POST", "/links", link_body("https://example.com", "viaproxy"),
                              {{"Host", "short.example"}, {"Origin", "https://short.example"}});
  EXPECT_EQ(write.status, 201) << write.describe();
  expect_error(client.request("GET", "/links", "", {{"Host", "other.example"}}), 421);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(CrossSiteConfigTest, AnyHostStillChecksOrigin) {
  temp_dir data;
  server_options options;
  options.extra_args = {"--http-allowed-hosts", "*"};
  server_process server(data.path(), options);
  http_client client(server.port());
  auto read = client.request("GET", "/links", "", {{"Host", "rewritten.internal:81"}});
  EXPECT_EQ(read.status, 200) << read.describe();
  // Same origin as the Host the request names: a page of this server.
  auto own =
      client.request("POST", "/links", link_body("https://example.com", "own"),
                     {{"Host", "rewritten.internal:81"}, {"Origin", "http://rewritten.internal"}});
  EXPECT_EQ(own.status, 201) << own.describe();
  auto foreign =
      client.request("POST", "/links", link_body("https://example.com", "foreign"),
                     {{"Host", "rewritten.internal:81"}, {"Origin", "https://evil.example"}});
  expect_error(foreign, 403);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(CrossSiteTokenTest, MissingTokenIs401WhateverTheBody) {
  temp_dir data;
  server_options options;
  options.env = {{"LINKLY_TOKEN", kToken}};
  server_process server(data.path(), options);
  http_client client(server.port());
  for (const std::string type : {"text/plain", "application/json", "text/csv"}) {
    auto res = client.request("POST", "/links", kFormBody, {{"Content-Type", type}});
    expect_error(res, 401);
    EXPECT_EQ(res.header("www-authenticate"), "Bearer") << res.describe();
  }
  auto redrive = client.request("POST", "/admin/dlq/redrive", "", {{"Content-Type", "text/plain"}});
  expect_error(redrive, 401);
  // With the token, the content type still matters.
  auto typed =
      client.request("POST", "/links", kFormBody,
                     {{"Content-Type", "text/plain"}, {"Authorization", "Bearer " + kToken}});
  expect_error(typed, 415);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
