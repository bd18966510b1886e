// The incremental line splitter must give the same lines wherever the
// stream is cut, and bound what it holds for an endless line.

#include "http/csv_rows.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linkly {
namespace {

struct seen_line {
  std::uint64_t number;
  std::string text;
  bool too_long;
  bool operator==(const seen_line& o) const {
    return number == o.number && text == o.text && too_long == o.too_long;
  }
};

std::ostream& operator<<(std::ostream& os, const seen_line& l) {
  return os << l.number << ":\"" << l.text << "\"" << (l.too_long ? "(too long)" : "");
}

// Feeds `input` in pieces cut at `cuts` (ascending offsets).
std::vector<seen_line> split(std::string_view input, const std::vector<std::size_t>& cuts,
                             std::size_t max_line = kMaxCsvLineBytes) {
  std::vector<seen_line> out;
  auto collect = [&](const csv_line& l) {
    out.push_back({l.number, std::string(l.text), l.too_long});
  };
  line_splitter splitter(max_line);
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    splitter.feed(input.substr(from, cut - from), collect);
    from = cut;
  }
  splitter.feed(input.substr(from), collect);
  splitter.finish(collect);
  return out;
}

TEST(LineSplitter, SplitsOnLfAndCrLf) {
  auto lines = split("code,url\r\na,b\nc,d\r\n", {});
  std::vector<seen_line> expected{{1, "code,url", false}, {2, "a,b", false}, {3, "c,d", false}};
  EXPECT_EQ(lines, expected);
}

TEST(LineSplitter, LastLineWithoutNewlineIsKept) {
  std::vector<seen_line> expected{{1, "h", false}, {2, "a,b", false}};
  EXPECT_EQ(split("h\na,b", {}), expected);
  EXPECT_EQ(split("h\na,b\r", {}), expected);
}

TEST(LineSplitter, EmptyLinesAreCountedAndNoTrailingEmptyLine) {
  std::vector<seen_line> expected{{1, "h", false}, {2, "", false}, {3, "x", false}};
  EXPECT_EQ(split("h\n\r\nx\n", {}), expected);
  EXPECT_TRUE(split("", {}).empty());
}

TEST(LineSplitter, EveryCutPointGivesTheSameLines) {
  const std::string input = "code,url\r\nmylink,https://iii.dev\n\r\n x , y \r\nlast,z";
  const auto whole = split(input, {});
  ASSERT_EQ(whole.size(), 5u);
  for (std::size_t i = 0; i <= input.size(); ++i) {
    EXPECT_EQ(split(input, {i}), whole) << "cut at " << i;
    for (std::size_t j = i; j <= input.size(); ++j) {
      ASSERT_EQ(split(input, {i, j}), whole) << "cuts at " << i << ", " << j;
    }
  }
}

TEST(LineSplitter, ByteByByteGivesTheSameLines) {
  const std::string input = "a\r\nbb\r\n\r\nccc\n";
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < input.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(split(input, cuts), split(input, {}));
}

TEST(LineSplitter, OverlongLineIsTruncatedAndFlaggedWhereverCut) {
  const std::string input = "h\n" + std::string(20, 'x') + "\r\nok\n" + std::string(10, 'y') +
                            "\r\n" + std::string(11, 'z');
  std::vector<seen_line> expected{{1, "h", false},
                                  {2, std::string(10, 'x'), true},
                                  {3, "ok", false},
                                  {4, std::string(10, 'y'), false},
                                  {5, std::string(10, 'z'), true}};
  for (std::size_t i = 0; i <= input.size(); ++i) {
    EXPECT_EQ(split(input, {i}, 10), expected) << "cut at " << i;
  }
}

TEST(SplitRow, SplitsOnFirstCommaAndTrims) {
  std::string_view code, url;
  ASSERT_TRUE(split_row("  demo \t, https://x.example/a,b  ", &code, &url));
  EXPECT_EQ(code, "demo");
  EXPECT_EQ(url, "https://x.example/a,b");
  ASSERT_TRUE(split_row(",example.com", &code, &url));
  EXPECT_EQ(code, "");
  EXPECT_EQ(url, "example.com");
  EXPECT_FALSE(split_row("no comma here", &code, &url));
}

}  // namespace
}  // namespace linkly
