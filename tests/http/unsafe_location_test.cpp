// A stored url that fails the url rules again at the redirect (a damaged or
// tampered store) is answered 500 JSON: nothing of it reaches the head.

#include "http/location.hpp"
#include "http/router.hpp"

#include "actors/read_view.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>

namespace linkly {
namespace {

namespace http = boost::beast::http;

std::optional<http_response> redirect_to(const std::string& stored_url, http::verb method) {
  read_view view;
  link_info link;
  link.code = "bad";
  link.url = stored_url;
  link.version = 1;
  view.upsert(link);
  router_context ctx;
  ctx.view = &view;
  http_request req{method, "/s/bad", 11};
  req.prepare_payload();
  std::optional<http_response> out;
  handle_request(req, ctx, [&](http_response res) { out = std::move(res); });
  return out;
}

TEST(UnsafeLocation, StoredUrlWithControlBytesIs500JsonWithoutLocation) {
  for (std::string url :
       {std::string("https://example.com/\r\nSet-Cookie: a=b"), std::string("https://e.com/\n"),
        std::string("https://e.com/\x7f"), std::string("https://e.com/a b"),
        std::string("https://e.com/\0x", 16), std::string("javascript:alert(1)"),
        std::string("data:text/html,x"), std::string("//example.com/"), std::string()}) {
    auto res = redirect_to(url, http::verb::get);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::internal_server_error) << url;
    EXPECT_EQ((*res)[http::field::location], "") << url;
    EXPECT_EQ((*res)[http::field::content_type], "application/json") << url;
    auto body = boost::json::parse(res->body());
    EXPECT_TRUE(body.at("error").is_string()) << url;
    EXPECT_EQ(res->body().find("Set-Cookie"), std::string::npos) << url;
  }
}

TEST(UnsafeLocation, GoodStoredUrlsStillRedirect) {
  for (std::string url :
       {"https://example.com/landing?a=b#c", "http://127.0.0.1:8080/x", "HTTPS://EXAMPLE.COM/"}) {
    auto res = redirect_to(url, http::verb::get);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::found) << url;
    EXPECT_EQ((*res)[http::field::location], url);
  }
}

TEST(UnsafeLocation, HeadOfABadLinkIs500Too) {
  auto res = redirect_to("https://example.com/\r\nX: y", http::verb::head);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::internal_server_error);
  EXPECT_EQ((*res)[http::field::location], "");
}

TEST(UnsafeLocation, LocationResponseChecksOnlyWhatItIsGiven) {
  EXPECT_EQ(location_response("ok", "https://example.com/").result(), http::status::found);
  EXPECT_EQ(location_response("bad", "https://example.com/\r\n").result(),
            http::status::internal_server_error);
}

}  // namespace
}  // namespace linkly
