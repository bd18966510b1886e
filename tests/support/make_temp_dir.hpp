#pragma once
// A fresh directory under GoogleTest's temp dir, for unit tests that open
// real stores. Header-only: the unit suites do not link tests/support/*.cpp.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace linkly::testing {

/// "" (and a test failure) if it cannot be made.
inline std::string make_temp_dir(const std::string& prefix = "linkly-test") {
  std::string pattern = ::testing::TempDir() + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
    return {};
  }
  return buf.data();
}

}  // namespace linkly::testing
