// The bounds a click puts on what the client sends: UTF-8-safe cuts, the
// country as an alpha-2 code, host names as analytics keys them.

#include "schemas/click_fields.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly {
namespace {

TEST(CutUtf8, ShortStringsAreKeptWhole) {
  EXPECT_EQ(cut_utf8("", 4), "");
  EXPECT_EQ(cut_utf8("abcd", 4), "abcd");
  EXPECT_EQ(cut_utf8("abcdef", 4), "abcd");
  EXPECT_EQ(cut_utf8("abc", 0), "");
}

TEST(CutUtf8, ACutInsideASequenceMovesToItsStart) {
  const std::string e_acute = "\xC3\xA9";        // 2 bytes
  const std::string euro = "\xE2\x82\xAC";       // 3 bytes
  const std::string emoji = "\xF0\x9F\x98\x80";  // 4 bytes
  EXPECT_EQ(cut_utf8("a" + e_acute, 2), "a");
  EXPECT_EQ(cut_utf8("a" + e_acute + "b", 3), "a" + e_acute);
  EXPECT_EQ(cut_utf8("a" + euro, 2), "a");
  EXPECT_EQ(cut_utf8("a" + euro, 3), "a");
  EXPECT_EQ(cut_utf8("a" + emoji, 2), "a");
  EXPECT_EQ(cut_utf8("a" + emoji, 4), "a");
  EXPECT_EQ(cut_utf8("a" + emoji + "z", 5), "a" + emoji);
  EXPECT_EQ(cut_utf8(emoji, 3), "");
}

TEST(CutUtf8, BytesThatAreNotUtf8AreCutAtTheLimit) {
  // Only continuation bytes: no sequence start within 3 bytes back.
  const std::string junk(10, '\x80');
  EXPECT_EQ(cut_utf8(junk, 6).size(), 6u);
  std::string long_text(5000, 'x');
  EXPECT_EQ(cut_utf8(long_text, kMaxUserAgentBytes).size(), kMaxUserAgentBytes);
}

TEST(CountryCode, OnlyTwoAsciiLettersUpperCased) {
  EXPECT_EQ(country_code("DE"), "DE");
  EXPECT_EQ(country_code("fr"), "FR");
  EXPECT_EQ(country_code("jP"), "JP");
  for (const char* bad :
       {"", "D", "DEU", "T1", "XX", "xx", "1A", "D ", " D", "D-", "\xC3\x89", "DE\n", "D\0"}) {
    EXPECT_EQ(country_code(bad), "") << bad;
  }
  EXPECT_EQ(country_code(std::string(1500, 'A')), "");
}

TEST(IsHostName, DnsNamesOfBoundedLength) {
  for (const char* good : {"example.com", "a.b-c.d9", "localhost", "203.0.113.7", "example.com."}) {
    EXPECT_TRUE(is_host_name(good)) << good;
  }
  for (const char* bad : {"", ".", "a..b", ".a", "Example.com", "ex_ample.com", "a/b", "a%20b",
                          "\xC3\xA9.fr", "a b"}) {
    EXPECT_FALSE(is_host_name(bad)) << bad;
  }
  EXPECT_TRUE(is_host_name(std::string(63, 'a') + ".com"));
  EXPECT_FALSE(is_host_name(std::string(64, 'a') + ".com"));
  std::string longest;  // 25 labels of 9 + ".com": exactly 253 bytes
  while (longest.size() < 250) longest += std::string(9, 'a') + ".";
  longest += "com";
  EXPECT_EQ(longest.size(), kMaxReferrerHostBytes);
  EXPECT_TRUE(is_host_name(longest));
  std::string long_name;
  while (long_name.size() < 251) long_name += std::string(9, 'a') + ".";
  long_name += "com";  // > 253 bytes, every label short
  EXPECT_GT(long_name.size(), kMaxReferrerHostBytes);
  EXPECT_FALSE(is_host_name(long_name));
}

}  // namespace
}  // namespace linkly
