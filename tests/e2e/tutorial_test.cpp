// The original Linkly tutorial's examples, against a real `linkly serve`.

#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <algorithm>

namespace linkly::e2e {
namespace {

class TutorialTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(server_.stop().success()) << server_.output_text(); }

  // POST /links {"url":"https://example.com","code":"demo"}, asserted 201.
  void create_demo() {
    http_response res = create_link(client_, "https://example.com", "demo");
    ASSERT_EQ(res.status, 201) << res.describe();
  }

  temp_dir data_;
  server_process server_{data_.path()};
  http_client client_{server_.port()};
};

TEST_F(TutorialTest, CreateWithCustomCodeAnswers201WithCodeAndUrl) {
  http_response res = create_link(client_, "https://example.com", "demo");
  ASSERT_EQ(res.status, 201) << res.describe();
  EXPECT_NE(res.header("Content-Type").find("application/json"), std::string::npos);
  boost::json::object body = json_object(res);
  EXPECT_EQ(body["code"], "demo") << res.body;
  EXPECT_EQ(body["url"], "https://example.com") << res.body;
  ASSERT_TRUE(body["short_url"].is_string()) << res.body;
  std::string short_url(body["short_url"].get_string());
  EXPECT_TRUE(short_url.size() >= 7 && short_url.substr(short_url.size() - 7) == "/s/demo")
      << short_url;
  EXPECT_TRUE(body["created_at"].is_string()) << res.body;
}

TEST_F(TutorialTest, CreateKeepsHttpScheme) {
  http_response res = create_link(client_, "http://example.org/x");
  ASSERT_EQ(res.status, 201) << res.describe();
  EXPECT_EQ(json_object(res)["url"], "http://example.org/x") << res.body;
}

TEST_F(TutorialTest, CreateWithoutSchemeAddsHttpsAndGeneratesSixCharCode) {
  http_response res = create_link(client_, "example.com");
  ASSERT_EQ(res.status, 201) << res.describe();
  boost::json::object body = json_object(res);
  EXPECT_EQ(body["url"], "https://example.com") << res.body;
  ASSERT_TRUE(body["code"].is_string()) << res.body;
  std::string code(body["code"].get_string());
  EXPECT_EQ(code.size(), 6u) << code;
  EXPECT_TRUE(std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  })) << code;

  http_response redirect = client_.get("/s/" + code);
  EXPECT_EQ(redirect.status, 302) << redirect.describe();
  EXPECT_EQ(redirect.header("Location"), "https://example.com");
}

TEST_F(TutorialTest, RedirectAnswers302WithLocationAndNoStore) {
  create_demo();
  http_response res = client_.get("/s/demo");
  ASSERT_EQ(res.status, 302) << res.describe();
  EXPECT_EQ(res.header("Location"), "https://example.com");
  EXPECT_NE(res.header("Cache-Control").find("no-store"), std::string::npos) << res.describe();
}

TEST_F(TutorialTest, RootPathCodeRedirectsToo) {
  create_demo();
  http_response res = client_.get("/demo");
  ASSERT_EQ(res.status, 302) << res.describe();
  EXPECT_EQ(res.header("Location"), "https://example.com");
}

TEST_F(TutorialTest, HeadRedirectAnswers302WithoutBody) {
  create_demo();
  http_response res = client_.head("/s/demo");
  ASSERT_EQ(res.status, 302) << res.describe();
  EXPECT_EQ(res.header("Location"), "https://example.com");
  EXPECT_TRUE(res.body.empty()) << res.describe();
  // The connection is still usable: HEAD framing was right.
  EXPECT_EQ(client_.get("/s/demo").status, 302);
}

TEST_F(TutorialTest, UnknownCodeAnswers404LinkNotFound) {
  http_response res = client_.get("/s/missing");
  ASSERT_EQ(res.status, 404) << res.describe();
  EXPECT_EQ(res.json(), boost::json::parse(R"({"error":"link not found"})")) << res.body;
  EXPECT_NE(res.header("Content-Type").find("application/json"), std::string::npos);
}

TEST_F(TutorialTest, TakenCodeAnswers409AndKeepsTheOriginal) {
  create_demo();
  http_response res = create_link(client_, "https://evil.example/overwrite", "demo");
  EXPECT_EQ(res.status, 409) << res.describe();
  EXPECT_TRUE(error_message(res).has_value()) << res.body;

  http_response redirect = client_.get("/s/demo");
  EXPECT_EQ(redirect.status, 302) << redirect.describe();
  EXPECT_EQ(redirect.header("Location"), "https://example.com");
}

TEST_F(TutorialTest, UpdateChangesTheRedirectAtOnce) {
  create_demo();
  http_response res = client_.put("/links/demo", link_body("https://iii.dev/updated"));
  ASSERT_EQ(res.status, 200) << res.describe();
  boost::json::object body = json_object(res);
  EXPECT_EQ(body["code"], "demo") << res.body;
  EXPECT_EQ(body["url"], "https://iii.dev/updated") << res.body;
  EXPECT_EQ(body["version"], 2) << res.body;

  http_response redirect = client_.get("/s/demo");
  EXPECT_EQ(redirect.status, 302) << redirect.describe();
  EXPECT_EQ(redirect.header("Location"), "https://iii.dev/updated");
}

TEST_F(TutorialTest, UpdateOfUnknownCodeAnswers404) {
  http_response res = client_.put("/links/nope", link_body("https://iii.dev/updated"));
  EXPECT_EQ(res.status, 404) << res.describe();
  EXPECT_TRUE(error_message(res).has_value()) << res.body;
  EXPECT_EQ(client_.get("/s/nope").status, 404);
}

TEST_F(TutorialTest, GetLinkShowsVersionAfterUpdate) {
  create_demo();
  http_response first = client_.get("/links/demo");
  ASSERT_EQ(first.status, 200) << first.describe();
  EXPECT_EQ(json_object(first)["version"], 1) << first.body;

  ASSERT_EQ(client_.put("/links/demo", link_body("https://iii.dev/updated")).status, 200);
  http_response res = client_.get("/links/demo");
  ASSERT_EQ(res.status, 200) << res.describe();
  boost::json::object body = json_object(res);
  EXPECT_EQ(body["code"], "demo") << res.body;
  EXPECT_EQ(body["url"], "https://iii.dev/updated") << res.body;
  EXPECT_EQ(body["version"], 2) << res.body;
  EXPECT_TRUE(body["created_at"].is_string()) << res.body;
  EXPECT_TRUE(body["updated_at"].is_string()) << res.body;
}

TEST_F(TutorialTest, DeleteStopsTheRedirect) {
  create_demo();
  http_response res = client_.del("/links/demo");
  ASSERT_EQ(res.status, 204) << res.describe();
  EXPECT_TRUE(res.body.empty()) << res.describe();

  http_response redirect = client_.get("/s/demo");
  EXPECT_EQ(redirect.status, 404) << redirect.describe();
  EXPECT_EQ(redirect.json(), boost::json::parse(R"({"error":"link not found"})")) << redirect.body;
  EXPECT_EQ(client_.get("/demo").status, 404);
}

TEST_F(TutorialTest, HistoryListsCreateUpdateAndDeleteInOrder) {
  create_demo();
  ASSERT_EQ(client_.put("/links/demo", link_body("https://iii.dev/updated")).status, 200);
  ASSERT_EQ(client_.del("/links/demo").status, 204);

  http_response res = client_.get("/links/demo/history");
  ASSERT_EQ(res.status, 200) << res.describe();
  boost::json::object body = json_object(res);
  ASSERT_TRUE(body["events"].is_array()) << res.body;
  const boost::json::array& events = body["events"].get_array();
  ASSERT_EQ(events.size(), 3u) << res.body;
  const char* types[] = {"LinkCreated", "LinkUpdated", "LinkDeleted"};
  std::int64_t previous_seq = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const boost::json::object& event = events[i].as_object();
    EXPECT_EQ(event.at("type"), types[i]) << res.body;
    ASSERT_TRUE(event.contains("seq") && event.at("seq").is_number()) << res.body;
    auto seq = event.at("seq").to_number<std::int64_t>();
    EXPECT_GT(seq, previous_seq) << res.body;
    previous_seq = seq;
  }
  EXPECT_EQ(events[0].as_object().at("url"), "https://example.com") << res.body;
  EXPECT_EQ(events[1].as_object().at("url"), "https://iii.dev/updated") << res.body;
}

}  // namespace
}  // namespace linkly::e2e
