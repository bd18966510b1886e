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
  update_link cmd;
  std::string error;
  ASSERT_TRUE(parse_update_body(R"({"url":"example.org"})", &cmd, &error)) << error;
  EXPECT_EQ(cmd.url, "https://example.org");
  EXPECT_TRUE(cmd.patch.empty());
}

TEST(UpdateBody, SameUrlRulesAsCreate) {
  update_link cmd;
  std::string error;
  EXPECT_FALSE(parse_update_body(R"({})", &cmd, &error));
  EXPECT_EQ(error, "nothing to change: give \"url\" or a link attribute");
  EXPECT_FALSE(parse_update_body(R"({"url":1})", &cmd, &error));
  EXPECT_EQ(error, "\"url\" must be a string");
  EXPECT_FALSE(parse_update_body(R"({"url":null,"title":"x"})", &cmd, &error));
  EXPECT_EQ(error, "missing \"url\"");
  EXPECT_FALSE(parse_update_body("nope", &cmd, &error));
  EXPECT_EQ(error, "request body is not valid JSON");
  EXPECT_FALSE(parse_update_body(R"js({"url":"javascript:alert(1)"})js", &cmd, &error));
}

TEST(UpdateBody, IsAPatchAbsentUnchangedNullCleared) {
  update_link cmd;
  std::string error;
  ASSERT_TRUE(parse_update_body(
      R"({"title":null,"tags":["b","a","b"],"max_visits":5,"valid_until":null,"crawlable":true})",
      &cmd, &error))
      << error;
  EXPECT_EQ(cmd.url, "");
  EXPECT_EQ(cmd.patch.title, std::optional<std::string>(""));
  EXPECT_EQ(cmd.patch.tags, (std::optional<std::vector<std::string>>({"a", "b"})));
  EXPECT_EQ(cmd.patch.max_visits, std::optional<std::optional<std::uint32_t>>(5u));
  ASSERT_TRUE(cmd.patch.valid_until_ms.has_value());
  EXPECT_FALSE(cmd.patch.valid_until_ms->has_value());
  EXPECT_FALSE(cmd.patch.valid_since_ms.has_value());
  EXPECT_EQ(cmd.patch.crawlable, std::optional<bool>(true));
  EXPECT_FALSE(cmd.patch.forward_query.has_value());
}

TEST(CreateBody, AttributesAreReadAndDefaulted) {
  auto r = create_body(
      R"({"url":"example.org","title":"T","tags":["x"],"valid_since":"2026-12-05T13:00:00+01:00",)"
      R"("valid_until":"2026-12-06T00:00:00.5Z","max_visits":3,"forward_query":false})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.cmd.attrs.title, "T");
  EXPECT_EQ(r.cmd.attrs.tags, (std::vector<std::string>{"x"}));
  EXPECT_EQ(r.cmd.attrs.valid_since_ms, std::optional<std::int64_t>(1'796'472'000'000));
  EXPECT_EQ(r.cmd.attrs.valid_until_ms, std::optional<std::int64_t>(1'796'515'200'500));
  EXPECT_EQ(r.cmd.attrs.max_visits, std::optional<std::uint32_t>(3));
  EXPECT_FALSE(r.cmd.attrs.forward_query);
  EXPECT_FALSE(r.cmd.attrs.crawlable);
  auto plain = create_body(R"({"url":"example.org"})");
  ASSERT_TRUE(plain.ok);
  EXPECT_EQ(plain.cmd.attrs, link_attributes{});
}

TEST(CreateBody, EveryBadAttributeIsRefusedNamingItsField) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("title":5)", "\"title\""},
      {R"("title":"a\u0001b")", "\"title\""},
      {R"("tags":"x")", "\"tags\""},
      {R"("tags":[1])", "\"tags\""},
      {R"("tags":[""])", "\"tags\""},
      {R"("tags":[" x"])", "\"tags\""},
      {R"("valid_since":"tomorrow")", "\"valid_since\""},
      {R"("valid_since":"2026-02-30T00:00:00Z")", "\"valid_since\""},
      {R"("valid_until":12)", "\"valid_until\""},
      {R"("valid_until":"2026-12-05T12:00:00")", "\"valid_until\""},
      {R"("max_visits":0)", "\"max_visits\""},
      {R"("max_visits":-1)", "\"max_visits\""},
      {R"("max_visits":1.5)", "\"max_visits\""},
      {R"("max_visits":"3")", "\"max_visits\""},
      {R"("max_visits":99999999999)", "\"max_visits\""},
      {R"("forward_query":"yes")", "\"forward_query\""},
      {R"("crawlable":null)", "\"crawlable\""},
      {R"("valid_since":"2026-12-06T00:00:00Z","valid_until":"2026-12-05T00:00:00Z")",
       "valid_since"},
  };
  for (const auto& [field, named] : cases) {
    SCOPED_TRACE(field);
    auto r = create_body(std::string(R"({"url":"example.org",)") + field + "}");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find(named), std::string::npos) << r.error;
  }
  std::string many = R"({"url":"example.org","tags":[)";
  for (std::size_t i = 0; i <= kMaxTags; ++i)
    many += (i ? ",\"t" : "\"t") + std::to_string(i) + "\"";
  auto r = create_body(many + "]}");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("\"tags\""), std::string::npos) << r.error;
}

}  // namespace
}  // namespace linkly
