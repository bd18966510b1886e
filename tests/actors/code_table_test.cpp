// code_table: the open-addressing map analytics keeps its per-code lives in,
// checked against std::map under inserts and erases that grow it and cut
// probe runs in the middle.

#include "actors/code_table.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

namespace linkly {
namespace {

TEST(CodeTable, FindsWhatWasAddedAndNothingElse) {
  code_table<int> table;
  EXPECT_EQ(table.find("a"), nullptr);  // empty: no slots yet
  table["a"] = 1;
  table["b"] = 2;
  ++table["a"];
  ASSERT_NE(table.find("a"), nullptr);
  EXPECT_EQ(*table.find("a"), 2);
  EXPECT_EQ(*table.find("b"), 2);
  EXPECT_EQ(table.find("c"), nullptr);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_FALSE(table.erase("c"));
  EXPECT_TRUE(table.erase("a"));
  EXPECT_EQ(table.find("a"), nullptr);
  EXPECT_EQ(*table.find("b"), 2);
  table.clear();
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.find("b"), nullptr);
}

TEST(CodeTable, AgreesWithAMapUnderRandomAddsAndErases) {
  code_table<std::uint64_t> table;
  std::map<std::string, std::uint64_t> want;
  std::mt19937_64 rng(7);
  // Few distinct codes against many operations: erases land inside probe
  // runs, and the table grows through several sizes.
  for (int op = 0; op < 200'000; ++op) {
    const std::string code = "k" + std::to_string(rng() % 5'000);
    if (rng() % 3 == 0) {
      ASSERT_EQ(table.erase(code), want.erase(code) == 1) << op;
    } else {
      table[code] += op;
      want[code] += op;
    }
    if (op % 20'000 == 0) {
      ASSERT_EQ(table.size(), want.size());
      for (const auto& [c, v] : want) {
        const std::uint64_t* got = table.find(c);
        ASSERT_NE(got, nullptr) << c;
        ASSERT_EQ(*got, v) << c;
      }
    }
  }
  ASSERT_EQ(table.size(), want.size());
  std::map<std::string, std::uint64_t> seen;
  for (const auto& [c, v] : table) seen[c] = v;
  EXPECT_EQ(seen, want);
  for (int i = 0; i < 5'000; ++i) {
    const std::string code = "k" + std::to_string(i);
    EXPECT_EQ(table.find(code) != nullptr, want.count(code) == 1) << code;
  }
}

TEST(CodeTable, ReserveKeepsEveryEntry) {
  code_table<int> table;
  for (int i = 0; i < 100; ++i) table["c" + std::to_string(i)] = i;
  table.reserve(100'000);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(*table.find("c" + std::to_string(i)), i);
}

}  // namespace
}  // namespace linkly
