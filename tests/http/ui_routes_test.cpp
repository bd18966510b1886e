// The web front end's files through handle_request: the page, its script
// and style, their security and caching headers, HEAD and unknown assets.

#include "http/ui_routes.hpp"
#include "http/router.hpp"
#include "http/ui_assets.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;

class UiRoutesTest : public ::testing::Test {
 protected:
  std::optional<http_response> answer(http::verb method, std::string target,
                                      std::string if_none_match = {}) {
    http_request req{method, target, 11};
    if (!if_none_match.empty()) req.set(http::field::if_none_match, if_none_match);
    req.prepare_payload();
    std::optional<http_response> out;
    int calls = 0;
    handle_request(req, ctx_, [&](http_response res) {
      ++calls;
      out = std::move(res);
    });
    EXPECT_EQ(calls, 1) << target;
    return out;
  }

  // The policy's directives, each trimmed.
  static std::vector<std::string> csp_directives(std::string_view csp) {
    std::vector<std::string> out;
    while (!csp.empty()) {
      std::string_view part = csp.substr(0, csp.find(';'));
      csp.remove_prefix(std::min(csp.size(), part.size() + 1));
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
      if (!part.empty()) out.emplace_back(part);
    }
    return out;
  }

  static void expect_ui_headers(const http_response& res, std::string_view target) {
    // Literals, not the constant the header is built from: a weakened
    // policy must fail here.
    std::string csp(res["Content-Security-Policy"]);
    auto directives = csp_directives(csp);
    for (const char* required :
         {"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"}) {
      EXPECT_NE(std::find(directives.begin(), directives.end(), required), directives.end())
          << target << ": " << required << " missing from " << csp;
    }
    EXPECT_EQ(csp.find("unsafe-"), std::string::npos) << target << ": " << csp;
    EXPECT_EQ(res["X-Content-Type-Options"], "nosniff") << target;
    EXPECT_EQ(res["Referrer-Policy"], "no-referrer") << target;
    EXPECT_EQ(res["X-Frame-Options"], "DENY") << target;
    EXPECT_EQ(res[http::field::cache_control], "no-cache") << target;
    std::string etag(res[http::field::etag]);
    EXPECT_GE(etag.size(), 3u) << target;
    EXPECT_EQ(etag.front(), '"') << target;
    EXPECT_EQ(etag.back(), '"') << target;
  }

  router_context ctx_;
};

TEST_F(UiRoutesTest, RootIsThePageWithStrictHeaders) {
  auto res = answer(http::verb::get, "/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_EQ((*res)[http::field::content_type], "text/html; charset=utf-8");
  expect_ui_headers(*res, "/");
  EXPECT_NE(res->body().find("<!doctype html>"), std::string::npos);
  EXPECT_NE(res->body().find("src=\"/ui/app.js\""), std::string::npos);
  EXPECT_EQ((*res)[http::field::content_length], std::to_string(res->body().size()));
}

TEST_F(UiRoutesTest, PageHasNoInlineScriptOrStyle) {
  auto res = answer(http::verb::get, "/");
  ASSERT_TRUE(res);
  const std::string& page = res->body();
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_EQ(page.find("<style"), std::string::npos);
  EXPECT_EQ(page.find("style=\""), std::string::npos);
  EXPECT_EQ(page.find(" onclick="), std::string::npos);
}

TEST_F(UiRoutesTest, ScriptAndStyleHaveTheirContentTypes) {
  auto js = answer(http::verb::get, "/ui/app.js");
  ASSERT_TRUE(js);
  EXPECT_EQ(js->result(), http::status::ok);
  EXPECT_EQ((*js)[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_NE(js->body().find("EventSource"), std::string::npos);
  expect_ui_headers(*js, "/ui/app.js");

  auto css = answer(http::verb::get, "/ui/style.css");
  ASSERT_TRUE(css);
  EXPECT_EQ(css->result(), http::status::ok);
  EXPECT_EQ((*css)[http::field::content_type], "text/css; charset=utf-8");
  expect_ui_headers(*css, "/ui/style.css");
}

TEST_F(UiRoutesTest, EachFileHasItsOwnEtag) {
  auto page = answer(http::verb::get, "/");
  auto js = answer(http::verb::get, "/ui/app.js");
  ASSERT_TRUE(page && js);
  EXPECT_NE((*page)[http::field::etag], (*js)[http::field::etag]);
  // Stable between requests: the same build serves the same tag.
  EXPECT_EQ((*js)[http::field::etag], (*answer(http::verb::get, "/ui/app.js"))[http::field::etag]);
}

TEST_F(UiRoutesTest, MatchingIfNoneMatchIs304WithoutBody) {
  auto first = answer(http::verb::get, "/ui/app.js");
  ASSERT_TRUE(first);
  std::string etag((*first)[http::field::etag]);
  for (std::string header : {etag, "W/" + etag, "\"other\", " + etag, std::string("*")}) {
    auto res = answer(http::verb::get, "/ui/app.js", header);
    ASSERT_TRUE(res) << header;
    EXPECT_EQ(res->result(), http::status::not_modified) << header;
    EXPECT_TRUE(res->body().empty()) << header;
    EXPECT_EQ((*res)[http::field::etag], etag) << header;
    EXPECT_EQ((*res)[http::field::cache_control], "no-cache") << header;
  }
  auto stale = answer(http::verb::get, "/ui/app.js", "\"stale\"");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->result(), http::status::ok);
  EXPECT_EQ(stale->body(), first->body());
}

TEST_F(UiRoutesTest, UnknownAssetIsJson404) {
  for (auto target : {"/ui/nope.js", "/ui/..%2Fapp.js", "/ui/APP.JS"}) {
    auto res = answer(http::verb::get, target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result(), http::status::not_found) << target;
    EXPECT_EQ((*res)[http::field::content_type], "application/json") << target;
    EXPECT_EQ(boost::json::parse(res->body()).at("error").as_string(), "not found") << target;
  }
}

TEST_F(UiRoutesTest, HeadHasTheHeadersAndNoBody) {
  auto get = answer(http::verb::get, "/");
  auto head = answer(http::verb::head, "/");
  ASSERT_TRUE(get && head);
  EXPECT_EQ(head->result(), http::status::ok);
  EXPECT_TRUE(head->body().empty());
  EXPECT_EQ((*head)[http::field::content_length], std::to_string(get->body().size()));
  EXPECT_EQ((*head)[http::field::content_type], "text/html; charset=utf-8");
  expect_ui_headers(*head, "HEAD /");
}

TEST_F(UiRoutesTest, WritesAre405WithAllow) {
  for (auto target : {"/", "/ui/app.js"}) {
    auto res = answer(http::verb::post, target);
    ASSERT_TRUE(res) << target;
    EXPECT_EQ(res->result(), http::status::method_not_allowed) << target;
    EXPECT_EQ((*res)[http::field::allow], "GET, HEAD") << target;
  }
}

TEST(UiAssets, EveryFileIsEmbeddedWithATextContentType) {
  for (std::string_view name : {"index.html", "app.js", "style.css"}) {
    bool found = false;
    for (const embedded_file& file : ui_assets()) {
      if (file.name != name) continue;
      found = true;
      EXPECT_FALSE(file.data.empty()) << name;
      EXPECT_NE(file.content_type.find("charset=utf-8"), std::string_view::npos) << name;
    }
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace linkly
