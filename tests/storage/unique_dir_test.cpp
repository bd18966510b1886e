// make_unique_dir: the one mkdtemp wrapper.

#include "storage/unique_dir.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <string>

namespace linkly {
namespace {

namespace fs = std::filesystem;

TEST(MakeUniqueDir, CreatesAFreshEmptyDirectoryEachCall) {
  const std::string prefix = ::testing::TempDir() + "linkly-unique-";
  const std::string first = make_unique_dir(prefix);
  const std::string second = make_unique_dir(prefix);
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  EXPECT_NE(first, second);
  EXPECT_EQ(first.substr(0, prefix.size()), prefix);
  EXPECT_EQ(first.size(), prefix.size() + 6);
  EXPECT_TRUE(fs::is_directory(first));
  EXPECT_TRUE(fs::is_empty(first));
  fs::remove_all(first);
  fs::remove_all(second);
}

TEST(MakeUniqueDir, MissingParentGivesEmptyAndErrno) {
  errno = 0;
  EXPECT_EQ(make_unique_dir(::testing::TempDir() + "linkly-no-such-parent/x/d-"), "");
  EXPECT_EQ(errno, ENOENT);
}

}  // namespace
}  // namespace linkly
