// header_text: optional whitespace and media types in header values.

#include "http/header_text.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace linkly {
namespace {

struct trim_case {
  std::string_view in;
  std::string_view out;
};

TEST(TrimBlanks, RemovesOnlyLeadingAndTrailingSpacesAndTabs) {
  constexpr trim_case kCases[] = {
      {" \t a b \t ", "a b"},      // inner blanks stay
      {"ab", "ab"},                // nothing to remove
      {"\r\n a \r", "\r\n a \r"},  // CR and LF are not blanks
      {" \t\t ", ""},              // all blank
      {"", ""},
  };
  for (const trim_case& c : kCases) EXPECT_EQ(trim_blanks(c.in), c.out) << '"' << c.in << '"';
}

struct media_case {
  std::string_view content_type;
  std::string_view media;
  bool matches;
};

TEST(HasMediaType, IgnoresCaseParametersAndBlanksButNotOtherTypes) {
  constexpr media_case kCases[] = {
      {"application/json", "application/json", true},
      {" Application/JSON ; charset=utf-8", "application/json", true},
      {"text/csv;header=present", "text/csv", true},
      {"application/json-patch+json", "application/json", false},
      {"text/plain", "text/csv", false},
      {"", "text/csv", false},
  };
  for (const media_case& c : kCases) {
    EXPECT_EQ(has_media_type(c.content_type, c.media), c.matches) << c.content_type;
  }
}

}  // namespace
}  // namespace linkly
