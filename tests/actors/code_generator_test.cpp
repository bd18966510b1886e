// Generated codes: the right length and alphabet, distinct, and every
// character about equally likely (no modulo bias, no fixed seed).

#include "actors/code_generator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

namespace linkly {
namespace {

TEST(CodeGenerator, CodesAreWellFormedAndDistinct) {
  code_generator gen;
  std::set<std::string> seen;
  constexpr int kCodes = 20'000;
  for (int i = 0; i < kCodes; ++i) {
    std::string code = gen.next(6);
    ASSERT_EQ(code.size(), 6u);
    for (char c : code) {
      ASSERT_NE(code_generator::kAlphabet.find(c), std::string_view::npos) << code;
    }
    seen.insert(code);
  }
  // 36^6 ≈ 2.2e9 codes: a collision among 20,000 has odds of about 9%; two
  // would be about 0.4%, three or more far less.
  EXPECT_GE(seen.size(), static_cast<std::size_t>(kCodes - 2));
}

TEST(CodeGenerator, TwoGeneratorsDoNotRepeatEachOther) {
  // A fixed or clock-derived seed would make two fresh generators agree.
  code_generator a;
  code_generator b;
  int same = 0;
  for (int i = 0; i < 100; ++i) same += a.next(6) == b.next(6) ? 1 : 0;
  EXPECT_EQ(same, 0);
}

TEST(CodeGenerator, EveryCharacterIsAboutEquallyLikely) {
  code_generator gen;
  std::array<int, 36> counts{};
  constexpr int kChars = 360'000;  // 10,000 expected per character
  std::string code = gen.next(kChars);
  for (char c : code) ++counts[code_generator::kAlphabet.find(c)];
  // Sigma is about 98: ±600 is six of them. A modulo-biased draw over bytes
  // gives the first 4 characters 8/256 instead of 7/256: ~11,400 each.
  for (std::size_t i = 0; i < counts.size(); ++i) {
    EXPECT_NEAR(counts[i], 10'000, 600) << code_generator::kAlphabet[i];
  }
}

}  // namespace
}  // namespace linkly
