#pragma once
// Every entry of a projection's state, for tests that compare a store with
// a rebuild or with itself after another run.

#include "actors/projection.hpp"
#include "actors/projection_store.hpp"

#include <map>
#include <string>
#include <string_view>

namespace linkly::testing {

/// The entries of `proj`, key to value (projection::for_each_entry).
inline std::map<std::string, std::string> projection_contents(const projection& proj) {
  std::map<std::string, std::string> out;
  proj.for_each_entry([&](std::string_view k, std::string_view v) { out.emplace(k, v); });
  return out;
}

/// The entries of the state `store` holds, read under its read lock.
inline std::map<std::string, std::string> store_contents(const projection_store& store) {
  return store.read([](const projection& p) { return projection_contents(p); });
}

}  // namespace linkly::testing
