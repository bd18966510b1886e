#pragma once
// Every key and value of a projection store, for tests that compare a store
// with a rebuild or with itself after another run.

#include "actors/projection_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <string_view>

namespace linkly::testing {

inline std::map<std::string, std::string> store_contents(const projection_store& store) {
  std::map<std::string, std::string> out;
  EXPECT_TRUE(store.scan("", "", [&](std::string_view k, std::string_view v) {
    out.emplace(k, v);
    return true;
  }));
  return out;
}

}  // namespace linkly::testing
