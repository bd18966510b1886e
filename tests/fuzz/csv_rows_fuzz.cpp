// The import's CSV line splitter, fed the input in pieces whose sizes the
// input chooses (its first byte), against the same bytes split whole: the
// lines must not depend on how the stream was cut, and none may exceed the
// line limit. A small limit makes the "too long" path reachable.

#include "http/csv_rows.hpp"
#include "http/header_text.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Small, so that fuzzing reaches overlong lines without huge inputs.
constexpr std::size_t kFuzzMaxLineBytes = 64;

struct line {
  std::uint64_t number;
  std::string text;
  bool too_long;
  bool operator==(const line&) const = default;
};

std::vector<line> split(std::string_view bytes, std::size_t piece) {
  linkly::line_splitter splitter(kFuzzMaxLineBytes);
  std::vector<line> lines;
  auto collect = [&](const linkly::csv_line& l) {
    FUZZ_CHECK(l.text.size() <= kFuzzMaxLineBytes);
    lines.push_back({l.number, std::string(l.text), l.too_long});
  };
  while (!bytes.empty()) {
    std::size_t n = piece < bytes.size() ? piece : bytes.size();
    splitter.feed(bytes.substr(0, n), collect);
    bytes.remove_prefix(n);
  }
  splitter.finish(collect);
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] % 17 + 1;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::vector<line> whole = split(bytes, bytes.size() + 1);
  const std::vector<line> pieces = split(bytes, piece);
  FUZZ_CHECK(whole == pieces);
  for (std::size_t i = 0; i < whole.size(); ++i) FUZZ_CHECK(whole[i].number == i + 1);

  for (const line& l : whole) {
    std::string_view code, url;
    if (linkly::split_row(l.text, &code, &url)) {
      FUZZ_CHECK(code.find(',') == std::string_view::npos);
      FUZZ_CHECK(code == linkly::trim_blanks(code) && url == linkly::trim_blanks(url));
    } else {
      FUZZ_CHECK(l.text.find(',') == std::string::npos);
    }
  }
  return 0;
}
