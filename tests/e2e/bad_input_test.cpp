// Malformed requests: every one gets a 4xx with a JSON {"error": "..."} body
// and changes nothing that is stored (neither the listing nor the log).

#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace linkly::e2e {
namespace {

// Starts with one stored link ("seed"); after each test checks that the
// listing and the log are exactly as they were.
class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_response res = create_link(client_, "https://example.com/seed", "seed");
    ASSERT_EQ(res.status, 201) << res.describe();
    std::string why;
    auto links = list_all_links(client_, &why);
    ASSERT_TRUE(links.has_value()) << why;
    before_ = *links;
    ASSERT_EQ(before_.size(), 1u);
  }

  void TearDown() override {
    if (HasFatalFailure()) return;
    http_client fresh(server_.port());  // the test's connection may be closed
    std::string why;
    auto after = list_all_links(fresh, &why);
    ASSERT_TRUE(after.has_value()) << why;
    EXPECT_EQ(*after, before_) << "the listing changed";
    exit_status st = server_.stop();
    EXPECT_TRUE(st.success()) << st.describe() << "\n" << server_.output_text();
    cli_result dump = run_linkly({"log", "dump", "links", "--data", data_.path()});
    ASSERT_EQ(dump.exit_code(), 0) << dump.describe();
    EXPECT_EQ(dump.out_lines().size(), 1u) << "only the seed's LinkCreated\n" << dump.out;
  }

  // Asserts a 4xx `status` with a JSON body {"error": non-empty string}.
  static void expect_error(const http_response& res, int status) {
    EXPECT_EQ(res.status, status) << res.describe();
    EXPECT_NE(res.header("Content-Type").find("application/json"), std::string::npos)
        << res.describe();
    auto message = error_message(res);
    ASSERT_TRUE(message.has_value()) << "not a JSON error body: " << res.describe();
    EXPECT_FALSE(message->empty()) << res.describe();
  }

  http_response post_links(const std::string& body) { return client_.post("/links", body); }

  temp_dir data_;
  server_process server_{data_.path()};
  http_client client_{server_.port()};
  boost::json::array before_;
};

TEST_F(BadInputTest, InvalidJsonIs400) {
  expect_error(post_links(R"({"url": "https://example.com")"), 400);
}

TEST_F(BadInputTest, JsonThatIsNotAnObjectIs400) {
  expect_error(post_links(R"(["https://example.com"])"), 400);
}

TEST_F(BadInputTest, MissingUrlIs400WithExactMessage) {
  http_response res = post_links(R"({"code":"nourl"})");
  EXPECT_EQ(res.status, 400) << res.describe();
  EXPECT_EQ(res.json(), boost::json::parse(R"({"error":"missing \"url\""})")) << res.body;
}

TEST_F(BadInputTest, EmptyUrlIs400WithMissingUrlMessage) {
  http_response res = post_links(R"({"url":"","code":"emptyurl"})");
  EXPECT_EQ(res.status, 400) << res.describe();
  EXPECT_EQ(res.json(), boost::json::parse(R"({"error":"missing \"url\""})")) << res.body;
}

TEST_F(BadInputTest, NumericUrlIs400) {
  expect_error(post_links(R"({"url":42})"), 400);
}

TEST_F(BadInputTest, JavascriptUrlIs400) {
  expect_error(post_links(R"j({"url":"javascript:alert(1)","code":"js"})j"), 400);
}

TEST_F(BadInputTest, DataUrlIs400) {
  expect_error(post_links(R"({"url":"data:text/html,x","code":"data"})"), 400);
}

TEST_F(BadInputTest, UrlWithCrLfIs400) {
  expect_error(post_links(R"({"url":"https://example.com/a\r\nSet-Cookie: x=1","code":"crlf"})"),
               400);
}

TEST_F(BadInputTest, UrlOver2048BytesIs400) {
  std::string url = "https://example.com/" + std::string(3000 - 20, 'a');
  ASSERT_EQ(url.size(), 3000u);
  expect_error(post_links(link_body(url, "long")), 400);
}

TEST_F(BadInputTest, ReservedCodeIs400) {
  expect_error(post_links(link_body("https://example.com", "links")), 400);
}

TEST_F(BadInputTest, CodeWithSpaceIs400) {
  expect_error(post_links(link_body("https://example.com", "a b")), 400);
}

TEST_F(BadInputTest, CodeOf65CharactersIs400) {
  expect_error(post_links(link_body("https://example.com", std::string(65, 'c'))), 400);
}

TEST_F(BadInputTest, NonStringCodeIs400) {
  expect_error(post_links(R"({"url":"https://example.com","code":7})"), 400);
}

TEST_F(BadInputTest, UpdateWithInvalidUrlIs400AndKeepsTheLink) {
  expect_error(client_.put("/links/seed", link_body("javascript:alert(1)")), 400);
  expect_error(client_.put("/links/seed", R"({"url":)"), 400);
  http_response redirect = client_.get("/s/seed");
  EXPECT_EQ(redirect.status, 302) << redirect.describe();
  EXPECT_EQ(redirect.header("Location"), "https://example.com/seed");
}

TEST_F(BadInputTest, BodyOver64KiBIs413) {
  std::string body = R"({"url":"https://example.com/big","code":"big","pad":")" +
                     std::string(70 * 1024, 'x') + R"("})";
  expect_error(post_links(body), 413);
}

TEST_F(BadInputTest, UnknownRouteIs404) {
  expect_error(client_.get("/links/seed/nothing"), 404);
  expect_error(client_.get("/a/b/c/d"), 404);
}

TEST_F(BadInputTest, DeleteOnHealthzIs405WithAllow) {
  http_response res = client_.del("/healthz");
  expect_error(res, 405);
  EXPECT_TRUE(res.has_header("Allow")) << res.describe();
}

TEST_F(BadInputTest, PatchOnLinksIs405WithAllow) {
  http_response res = client_.request("PATCH", "/links", link_body("https://example.com", "p"));
  expect_error(res, 405);
  EXPECT_NE(res.header("Allow").find("POST"), std::string::npos) << res.describe();
}

TEST_F(BadInputTest, GarbageRequestLineIs400NotADroppedConnection) {
  expect_error(client_.raw("THIS IS NOT HTTP\r\n\r\n"), 400);
  expect_error(client_.raw("\x01\x02\x03 / HTTP/1.1\r\nHost: x\r\n\r\n"), 400);
}

TEST_F(BadInputTest, ServerStillServesAfterBadInput) {
  expect_error(client_.raw("THIS IS NOT HTTP\r\n\r\n"), 400);
  expect_error(post_links("{"), 400);
  http_response redirect = client_.get("/s/seed");
  EXPECT_EQ(redirect.status, 302) << redirect.describe();
}

}  // namespace
}  // namespace linkly::e2e
