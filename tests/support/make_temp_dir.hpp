#pragma once
// A fresh directory under GoogleTest's temp dir, for unit tests that open
// real stores. Header-only: the unit suites do not link tests/support/*.cpp
// (they do link linkly_storage, which has make_unique_dir).

#include "storage/unique_dir.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly::testing {

/// "" (and a test failure) if it cannot be made.
inline std::string make_temp_dir(const std::string& prefix = "linkly-test") {
  std::string dir = make_unique_dir(::testing::TempDir() + prefix + "-");
  if (dir.empty()) ADD_FAILURE() << "mkdtemp failed for " << ::testing::TempDir() << prefix;
  return dir;
}

}  // namespace linkly::testing
