// The tutorial flow and the link routes end to end: a real engine, a real
// server on a free port, a Beast client.

#include "tests/http/server_fixture.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

namespace linkly::testing {
namespace {

boost::json::object json_of(const client_response& res) {
  EXPECT_EQ(res[http::field::content_type], "application/json");
  return boost::json::parse(res.body()).as_object();
}

std::string error_of(const client_response& res) {
  return std::string(json_of(res).at("error").as_string());
}

class ApiFlowTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    start_server();
  }
};

TEST_F(ApiFlowTest, TutorialFlow) {
  auto created =
      fetch(http::verb::post, "/links", R"({"url":"https://example.com/hello","code":"demo"})");
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  auto body = json_of(created);
  EXPECT_EQ(body.at("code").as_string(), "demo");
  EXPECT_EQ(body.at("url").as_string(), "https://example.com/hello");
  EXPECT_EQ(body.at("short_url").as_string(),
            "http://127.0.0.1:" + std::to_string(server_->port()) + "/s/demo");
  EXPECT_TRUE(body.contains("created_at"));
  EXPECT_EQ(created[http::field::location], "/links/demo");

  auto redirect = fetch(http::verb::get, "/s/demo");
  EXPECT_EQ(redirect.result(), http::status::found);
  EXPECT_EQ(redirect[http::field::location], "https://example.com/hello");
  EXPECT_EQ(redirect[http::field::cache_control], "private, no-store");
  EXPECT_TRUE(redirect.body().empty());

  auto missing = fetch(http::verb::get, "/s/missing");
  EXPECT_EQ(missing.result(), http::status::not_found);
  EXPECT_EQ(error_of(missing), "link not found");

  auto duplicate =
      fetch(http::verb::post, "/links", R"({"url":"https://other.example","code":"demo"})");
  EXPECT_EQ(duplicate.result(), http::status::conflict) << duplicate.body();
  EXPECT_EQ(fetch(http::verb::get, "/demo")[http::field::location], "https://example.com/hello");

  auto updated = fetch(http::verb::put, "/links/demo", R"({"url":"example.org/new"})");
  ASSERT_EQ(updated.result(), http::status::ok) << updated.body();
  auto update_body = json_of(updated);
  EXPECT_EQ(update_body.at("url").as_string(), "https://example.org/new");
  EXPECT_EQ(update_body.at("version").to_number<int>(), 2);
  EXPECT_TRUE(update_body.contains("updated_at"));
  // The redirect after an acknowledged PUT already sees the new url.
  EXPECT_EQ(fetch(http::verb::get, "/s/demo")[http::field::location], "https://example.org/new");

  auto unknown = fetch(http::verb::put, "/links/unknown", R"({"url":"https://a.example"})");
  EXPECT_EQ(unknown.result(), http::status::not_found);
}

TEST_F(ApiFlowTest, GeneratedCodeHasSixLowercaseCharacters) {
  auto created = fetch(http::verb::post, "/links", R"({"url":"https://example.com"})");
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  std::string code(json_of(created).at("code").as_string());
  EXPECT_EQ(code.size(), 6u);
  EXPECT_TRUE(std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  })) << code;
  EXPECT_EQ(fetch(http::verb::get, "/s/" + code).result(), http::status::found);
}

TEST_F(ApiFlowTest, HeadRedirectHasNoBody) {
  ASSERT_EQ(fetch(http::verb::post, "/links", R"({"url":"https://a.example","code":"h"})").result(),
            http::status::created);
  auto client = connect();
  auto head = client.request(http::verb::head, "/s/h");
  EXPECT_EQ(head.result(), http::status::found);
  EXPECT_EQ(head[http::field::location], "https://a.example");
  EXPECT_TRUE(head.body().empty());
  // The connection is still in step: no stray body bytes were sent.
  EXPECT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(ApiFlowTest, GetDeleteAndHistory) {
  ASSERT_EQ(
      fetch(http::verb::post, "/links", R"({"url":"https://a.example","code":"gone"})").result(),
      http::status::created);
  auto link = fetch(http::verb::get, "/links/gone");
  ASSERT_EQ(link.result(), http::status::ok);
  EXPECT_EQ(json_of(link).at("version").to_number<int>(), 1);

  auto deleted = fetch(http::verb::delete_, "/links/gone");
  EXPECT_EQ(deleted.result(), http::status::no_content);
  EXPECT_TRUE(deleted.body().empty());
  EXPECT_EQ(fetch(http::verb::get, "/s/gone").result(), http::status::not_found);
  EXPECT_EQ(fetch(http::verb::get, "/links/gone").result(), http::status::not_found);
  EXPECT_EQ(fetch(http::verb::delete_, "/links/gone").result(), http::status::not_found);
  EXPECT_EQ(fetch(http::verb::delete_, "/links/never").result(), http::status::not_found);

  auto history = fetch(http::verb::get, "/links/gone/history");
  ASSERT_EQ(history.result(), http::status::ok) << history.body();
  auto events = json_of(history).at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].at("type").as_string(), "LinkCreated");
  EXPECT_EQ(events[0].at("url").as_string(), "https://a.example");
  EXPECT_LT(events[0].at("seq").to_number<std::uint64_t>(),
            events[1].at("seq").to_number<std::uint64_t>());
  EXPECT_EQ(fetch(http::verb::get, "/links/never/history").result(), http::status::not_found);
}

TEST_F(ApiFlowTest, ListPagesInCodeOrder) {
  for (auto code : {"c", "a", "b"}) {
    ASSERT_EQ(fetch(http::verb::post, "/links",
                    std::string(R"({"url":"https://a.example","code":")") + code + "\"}")
                  .result(),
              http::status::created);
  }
  auto first = fetch(http::verb::get, "/links?limit=2");
  ASSERT_EQ(first.result(), http::status::ok) << first.body();
  auto page = json_of(first);
  auto links = page.at("links").as_array();
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].at("code").as_string(), "a");
  EXPECT_EQ(links[1].at("code").as_string(), "b");
  ASSERT_TRUE(page.at("next").is_string());
  auto second = json_of(
      fetch(http::verb::get, "/links?limit=2&after=" + std::string(page.at("next").as_string())));
  ASSERT_EQ(second.at("links").as_array().size(), 1u);
  EXPECT_EQ(second.at("links").as_array()[0].at("code").as_string(), "c");
  EXPECT_TRUE(second.at("next").is_null());
  EXPECT_EQ(fetch(http::verb::get, "/links?limit=0").result(), http::status::bad_request);
}

TEST_F(ApiFlowTest, ValidationErrorsAreJson400) {
  auto missing = fetch(http::verb::post, "/links", R"({"code":"x1"})");
  EXPECT_EQ(missing.result(), http::status::bad_request);
  EXPECT_EQ(error_of(missing), "missing \"url\"");
  auto bad = fetch(http::verb::post, "/links", R"js({"url":"javascript:alert(1)"})js");
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_EQ(engine_->view().size(), 0u);
}

}  // namespace
}  // namespace linkly::testing
