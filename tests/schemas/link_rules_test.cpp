// The input rules every front door shares: urls, custom codes, and how time
// is shown.

#include "schemas/link_rules.hpp"
#include "schemas/clock.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly {
namespace {

// The normalised url, or "REFUSED: <error>" so a failure shows why.
std::string normalize(std::string_view input) {
  std::string out = "untouched";
  std::string error;
  if (!normalize_url(input, &out, &error)) {
    EXPECT_EQ(out, "untouched") << "a refused url must leave *out alone";
    EXPECT_FALSE(error.empty());
    return "REFUSED: " + error;
  }
  EXPECT_TRUE(error.empty()) << error;
  return out;
}

bool refused(std::string_view input) {
  return normalize(input).rfind("REFUSED: ", 0) == 0;
}

TEST(NormalizeUrl, HttpAndHttpsUrlsAreKeptAsIs) {
  EXPECT_EQ(normalize("https://example.com"), "https://example.com");
  EXPECT_EQ(normalize("http://x.org/a"), "http://x.org/a");
  EXPECT_EQ(normalize("HTTPS://Example.com"), "HTTPS://Example.com");
  EXPECT_EQ(normalize("https://example.com:8443/p?q=1"), "https://example.com:8443/p?q=1");
}

TEST(NormalizeUrl, FragmentsAreKept) {
  EXPECT_EQ(normalize("https://example.com/page#section"), "https://example.com/page#section");
  EXPECT_EQ(normalize("https://example.com:8443/p?q=1#f"), "https://example.com:8443/p?q=1#f");
  EXPECT_EQ(normalize("example.com/#/app/route"), "https://example.com/#/app/route");
}

TEST(NormalizeUrl, MissingSchemeBecomesHttps) {
  EXPECT_EQ(normalize("example.com"), "https://example.com");
  EXPECT_EQ(normalize("localhost:8080/x"), "https://localhost:8080/x");
  EXPECT_EQ(normalize("example.com:80/x"), "https://example.com:80/x");
  EXPECT_EQ(normalize("www.example.com/a?b=c"), "https://www.example.com/a?b=c");
}

TEST(NormalizeUrl, OtherSchemesAreRefused) {
  EXPECT_TRUE(refused("javascript:alert(1)"));
  EXPECT_TRUE(refused("JavaScript:alert(1)"));
  EXPECT_TRUE(refused("data:text/html,hi"));
  EXPECT_TRUE(refused("mailto:a@b.c"));
  EXPECT_TRUE(refused("ftp://x.org"));
  EXPECT_TRUE(refused("file:///etc/passwd"));
  EXPECT_EQ(normalize("javascript:alert(1)"),
            "REFUSED: invalid url: only http and https urls are allowed");
}

TEST(NormalizeUrl, WhitespaceAndControlCharactersAreRefused) {
  EXPECT_TRUE(refused("https://example.com/a\r\nSet-Cookie: x"));
  EXPECT_TRUE(refused("https://example.com/\n"));
  EXPECT_TRUE(refused("https://example.com/\r"));
  EXPECT_TRUE(refused("https://example.com/a b"));
  EXPECT_TRUE(refused("https://example.com/\tb"));
  EXPECT_TRUE(refused(" https://example.com"));
  EXPECT_TRUE(refused(std::string("https://example.com/\0", 21)));
  EXPECT_TRUE(refused("https://example.com/\x7f"));
  for (int c = 0x01; c <= 0x1f; ++c) {
    std::string url = "https://example.com/" + std::string(1, static_cast<char>(c));
    EXPECT_TRUE(refused(url)) << "control character " << c;
  }
}

TEST(NormalizeUrl, UrlsUpToTheLimitAreAcceptedAndLongerOnesRefused) {
  const std::string prefix = "https://example.com/";
  const std::string at_limit = prefix + std::string(kMaxUrlBytes - prefix.size(), 'a');
  ASSERT_EQ(at_limit.size(), kMaxUrlBytes);
  EXPECT_EQ(normalize(at_limit), at_limit);

  const std::string over = at_limit + "a";
  EXPECT_EQ(normalize(over), "REFUSED: invalid url: longer than 2048 bytes");
  EXPECT_TRUE(refused(prefix + std::string(100000, 'a')));
}

TEST(NormalizeUrl, LimitAppliesToTheNormalisedUrl) {
  // "https://" is added first, so a bare host that fits only without it fails.
  const std::string bare = "example.com/" + std::string(kMaxUrlBytes - 12, 'a');
  ASSERT_EQ(bare.size(), kMaxUrlBytes);
  EXPECT_TRUE(refused(bare));
}

TEST(NormalizeUrl, UrlsWithoutHostAreRefused) {
  EXPECT_TRUE(refused("https://"));
  EXPECT_TRUE(refused("http://"));
  EXPECT_TRUE(refused("https:///path"));
  EXPECT_TRUE(refused("https://:80/"));
  EXPECT_TRUE(refused(""));
  EXPECT_EQ(normalize("https://"), "REFUSED: invalid url: it has no host");
}

TEST(NormalizeUrl, MalformedUrlsAreRefused) {
  EXPECT_TRUE(refused("https://exa mple.com"));
  EXPECT_TRUE(refused("https://example.com/<script>"));
  EXPECT_TRUE(refused("https://[::1"));
}

std::string code_error(std::string_view code) {
  std::string error;
  if (validate_custom_code(code, &error)) return "";
  EXPECT_FALSE(error.empty());
  return error.empty() ? "refused without a message" : error;
}

TEST(ValidateCustomCode, AcceptsCodesOfAllowedCharacters) {
  EXPECT_EQ(code_error("demo"), "");
  EXPECT_EQ(code_error("a"), "");
  EXPECT_EQ(code_error(std::string(kMaxCodeBytes, 'x')), "");
  EXPECT_EQ(code_error("A_b-9"), "");
  EXPECT_EQ(code_error("linksx"), "") << "only whole reserved words are refused";
}

TEST(ValidateCustomCode, RefusesBadLengthsAndCharacters) {
  EXPECT_NE(code_error(""), "");
  EXPECT_NE(code_error(std::string(kMaxCodeBytes + 1, 'x')), "");
  EXPECT_NE(code_error("a b"), "");
  EXPECT_NE(code_error("a/b"), "");
  EXPECT_NE(code_error("a.b"), "");
  EXPECT_NE(code_error("a%20"), "");
  EXPECT_NE(code_error("\xc3\xbc"), "");  // "ü" in UTF-8
  EXPECT_NE(code_error(std::string("a\0b", 3)), "");
  EXPECT_EQ(code_error("a/b"), "invalid code: use 1-64 characters from A-Z, a-z, 0-9, '_' and '-'");
}

TEST(ValidateCustomCode, RefusesReservedWordsInAnyCase) {
  for (const char* word : {"links", "LINKS", "Links", "s", "S", "healthz", "admin", "api",
                           "metrics", "events", "favicon"}) {
    EXPECT_NE(code_error(word), "") << word;
  }
  EXPECT_EQ(code_error("admin"), "invalid code: \"admin\" is reserved");
}

TEST(IsCodeSyntax, AcceptsReservedWordsButNotBadSyntax) {
  EXPECT_TRUE(is_code_syntax("links"));
  EXPECT_TRUE(is_code_syntax(std::string(kMaxCodeBytes, '-')));
  EXPECT_FALSE(is_code_syntax(""));
  EXPECT_FALSE(is_code_syntax(std::string(kMaxCodeBytes + 1, 'a')));
  EXPECT_FALSE(is_code_syntax("a?b"));
}

TEST(FormatUtcMs, FormatsTheEpoch) {
  EXPECT_EQ(format_utc_ms(0), "1970-01-01T00:00:00.000Z");
}

TEST(FormatUtcMs, FormatsKnownTimestamps) {
  EXPECT_EQ(format_utc_ms(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(format_utc_ms(951782400999), "2000-02-29T00:00:00.999Z");
  EXPECT_EQ(format_utc_ms(4102444799001), "2099-12-31T23:59:59.001Z");
}

TEST(FormatUtcMs, FormatsTimesBeforeTheEpoch) {
  EXPECT_EQ(format_utc_ms(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_utc_ms(-1000), "1969-12-31T23:59:59.000Z");
  EXPECT_EQ(format_utc_ms(-1001), "1969-12-31T23:59:58.999Z");
}

TEST(NowUtcMs, IsAfter2020) {
  EXPECT_GT(now_utc_ms(), 1577836800000);
}

// What normalize_url accepts passes is_safe_location; what a store could hold
// if damaged does not.
TEST(SafeLocation, NormalisedUrlsPassAndDamagedOnesDoNot) {
  for (const char* input : {"example.com", "https://example.com/a?b=c#d", "http://h:8080/x"}) {
    std::string url;
    std::string error;
    ASSERT_TRUE(normalize_url(input, &url, &error)) << input;
    EXPECT_TRUE(is_safe_location(url)) << url;
  }
  EXPECT_FALSE(is_safe_location("https://example.com/\r\nX-Injected: 1"));
  EXPECT_FALSE(is_safe_location("https://example.com/\t"));
  EXPECT_FALSE(is_safe_location(std::string("https://e.com/\0", 15)));
  EXPECT_FALSE(is_safe_location("javascript:alert(1)"));
  EXPECT_FALSE(is_safe_location("ftp://example.com/"));
  EXPECT_FALSE(is_safe_location(""));
  EXPECT_FALSE(is_safe_location("https://example.com/" + std::string(kMaxUrlBytes, 'a')));
}

}  // namespace
}  // namespace linkly
