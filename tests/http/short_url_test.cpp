// Every answer naming a link carries the server's short_url, built from
// public_url when one is set: the web UI shows it as is, so behind a proxy
// the list links the same address as create.

#include "tests/http/server_fixture.hpp"

#include <boost/json/parse.hpp>

#include <string>

namespace linkly::testing {
namespace {

constexpr char kPublicUrl[] = "https://lnk.example";
constexpr char kShortUrl[] = "https://lnk.example/s/demo";

boost::json::object json_of(const client_response& res) {
  return boost::json::parse(res.body()).as_object();
}

class ShortUrlTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    options_.public_url = kPublicUrl;
    start_server();
    auto created =
        fetch(http::verb::post, "/links", R"({"url":"https://example.com/hello","code":"demo"})");
    ASSERT_EQ(created.result(), http::status::created) << created.body();
    created_short_url_ = std::string(json_of(created).at("short_url").as_string());
  }

  std::string created_short_url_;
};

TEST_F(ShortUrlTest, CreateAnswersThePublicShortUrl) {
  EXPECT_EQ(created_short_url_, kShortUrl);
}

TEST_F(ShortUrlTest, GetLinkCarriesTheSameShortUrl) {
  auto res = fetch(http::verb::get, "/links/demo");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(json_of(res).at("short_url").as_string(), created_short_url_);
}

TEST_F(ShortUrlTest, EveryListEntryCarriesTheSameShortUrl) {
  auto other =
      fetch(http::verb::post, "/links", R"({"url":"https://example.com/other","code":"other"})");
  ASSERT_EQ(other.result(), http::status::created) << other.body();
  auto res = fetch(http::verb::get, "/links");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  const boost::json::object body = json_of(res);
  const auto& links = body.at("links").as_array();
  ASSERT_EQ(links.size(), 2u) << res.body();
  EXPECT_EQ(links[0].at("code").as_string(), "demo");
  EXPECT_EQ(links[0].at("short_url").as_string(), created_short_url_);
  EXPECT_EQ(links[1].at("short_url").as_string(), json_of(other).at("short_url").as_string());
}

}  // namespace
}  // namespace linkly::testing
