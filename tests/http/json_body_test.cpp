// POST/PUT body validation: every 400 message of API.md, without a socket.

#include "http/json_body.hpp"

#include "schemas/link_rules.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly {
namespace {

struct create_result {
  bool ok = false;
  create_link cmd;
  std::string error;
};

create_result create_body(std::string_view body) {
  create_result r;
  r.ok = parse_create_body(body, &r.cmd, &r.error);
  return r;
}

TEST(CreateBody, UrlAndCustomCodeAreAccepted) {
  auto r = create_body(R"({"url":"https://example.com/a?b=c","code":"demo"})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.cmd.url, "https://example.com/a?b=c");
  EXPECT_EQ(r.cmd.code, "demo");
}

TEST(CreateBody, UrlWithoutSchemeGetsHttps) {
  auto r = create_body(R"({"url":"example.com/x"})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.cmd.url, "https://example.com/x");
  EXPECT_TRUE(r.cmd.code.empty());
}

TEST(CreateBody, AbsentNullOrEmptyCodeAsksForGeneratedOne) {
  for (auto body : {R"({"url":"https://a.example"})", R"({"url":"https://a.example","code":null})",
                    R"({"url":"https://a.example","code":""})"}) {
    auto r = create_body(body);
    ASSERT_TRUE(r.ok) << body << ": " << r.error;
    EXPECT_TRUE(r.cmd.code.empty()) << body;
  }
}

TEST(CreateBody, MissingNullOrEmptyUrlIsMissingUrl) {
  for (auto body : {R"({})", R"({"url":null})", R"({"url":""})", R"({"code":"demo"})"}) {
    auto r = create_body(body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_EQ(r.error, "missing \"url\"") << body;
  }
}

TEST(CreateBody, NonStringUrlIsRefused) {
  for (auto body : {R"({"url":42})", R"({"url":["https://a.example"]})", R"({"url":true})"}) {
    auto r = create_body(body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_EQ(r.error, "\"url\" must be a string") << body;
  }
}

TEST(CreateBody, InvalidJsonIsRefused) {
  for (auto body : {"", "{", "url=https://a.example", R"({"url":"https://a.example",})"}) {
    auto r = create_body(body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_EQ(r.error, "request body is not valid JSON") << body;
  }
}

TEST(CreateBody, NonObjectJsonIsRefused) {
  for (auto body : {R"("https://a.example")", "[]", "null", "42"}) {
    auto r = create_body(body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_EQ(r.error, "request body must be a JSON object") << body;
  }
}

TEST(CreateBody, ForeignSchemesAreRefused) {
  for (auto body : {R"js({"url":"javascript:alert(1)"})js", R"({"url":"data:text/html,hi"})",
                    R"({"url":"ftp://example.com/file"})"}) {
    auto r = create_body(body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_NE(r.error.find("invalid url"), std::string::npos) << body << ": " << r.error;
  }
}

TEST(CreateBody, ControlCharactersInUrlAreRefused) {
  // JSON escapes decode to real CR/LF/TAB bytes: header injection attempts.
  for (auto body : {R"({"url":"https://a.example/\r\nSet-Cookie: x=1"})",
                    R"({"url":"https://a.example/\n"})", R"({"url":"https://a.example/ x"})"}) {
    auto r = create_body(body);
    EXPECT_FALSE(r.ok) << body;
    EXPECT_NE(r.error.find("invalid url"), std::string::npos) << body << ": " << r.error;
  }
}

TEST(CreateBody, OverLongUrlIsRefused) {
  std::string url = "https://a.example/" + std::string(kMaxUrlBytes, 'x');
  auto r = create_body(R"({"url":")" + url + R"("})");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("longer than"), std::string::npos) << r.error;
}

TEST(CreateBody, NonStringCodeIsRefused) {
  auto r = create_body(R"({"url":"https://a.example","code":7})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "\"code\" must be a string");
}

TEST(CreateBody, BadCodeSyntaxIsRefused) {
  for (auto code : {"has space", "a/b", "dot.dot", "\u00e9t\u00e9"}) {
    auto r = create_body(std::string(R"({"url":"https://a.example","code":")") + code + "\"}");
    EXPECT_FALSE(r.ok) << code;
    EXPECT_NE(r.error.find("invalid code"), std::string::npos) << code << ": " << r.error;
  }
  auto r = create_body(R"({"url":"https://a.example","code":")" +
                       std::string(kMaxCodeBytes + 1, 'a') + "\"}");
  EXPECT_FALSE(r.ok);
}

TEST(CreateBody, ReservedCodeIsRefused) {
  for (auto code : {"links", "s", "healthz", "Admin"}) {
    auto r = create_body(std::string(R"({"url":"https://a.example","code":")") + code + "\"}");
    EXPECT_FALSE(r.ok) << code;
    EXPECT_NE(r.error.find("reserved"), std::string::npos) << code << ": " << r.error;
  }
}

TEST(CreateBody, UrlErrorComesBeforeCodeError) {
  auto r = create_body(R"({"code":"links"})");
  EXPECT_EQ(r.error, "missing \"url\"");
}

TEST(UpdateBody, UrlIsNormalised) {
  std::string url, error;
  ASSERT_TRUE(parse_update_body(R"({"url":"example.org"})", &url, &error)) << error;
  EXPECT_EQ(url, "https://example.org");
}

TEST(UpdateBody, SameUrlRulesAsCreate) {
  std::string url, error;
  EXPECT_FALSE(parse_update_body(R"({})", &url, &error));
  EXPECT_EQ(error, "missing \"url\"");
  EXPECT_FALSE(parse_update_body(R"({"url":1})", &url, &error));
  EXPECT_EQ(error, "\"url\" must be a string");
  EXPECT_FALSE(parse_update_body("nope", &url, &error));
  EXPECT_EQ(error, "request body is not valid JSON");
  EXPECT_FALSE(parse_update_body(R"js({"url":"javascript:alert(1)"})js", &url, &error));
}

}  // namespace
}  // namespace linkly
