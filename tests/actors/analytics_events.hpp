#pragma once
// Events and readings shared by the analytics projection's tests: links-log
// events at a given seq, and the projection's entries and per-life counts.

#include "actors/analytics_projection.hpp"
#include "schemas/envelope.hpp"
#include "schemas/link_events.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly::analytics_test {

/// A time in December 2025 the tests' clicks count from (UTC ms).
inline constexpr std::int64_t kT0 = 1'764'000'000'000;

/// An event of one log, as a projection is handed it.
using event = std::pair<std::string_view, envelope>;

inline envelope numbered(std::uint64_t seq, envelope env) {
  env.seq = seq;
  return env;
}

inline envelope created(std::uint64_t seq, const std::string& code) {
  return numbered(seq, make_envelope(link_created{code, "https://example.com/" + code}, 1));
}

inline envelope deleted(std::uint64_t seq, const std::string& code) {
  return numbered(seq, make_envelope(link_deleted{code}, 1));
}

inline void apply_all(analytics_projection* p, const std::vector<event>& events) {
  for (const auto& [log, env] : events) ASSERT_TRUE(p->apply(log, env)) << env.seq;
}

inline std::map<std::string, std::string> entries_of(const analytics_projection& p) {
  std::map<std::string, std::string> out;
  p.for_each_entry([&](std::string_view k, std::string_view v) { out.emplace(k, v); });
  return out;
}

/// Visits of `code`'s incarnation `inc`, over the lives that hold them.
inline visit_counts counts(const analytics_projection& p, const std::string& code,
                           std::uint64_t inc) {
  visit_counts out;
  for (const link_clicks* c : p.lives(code, inc)) {
    out.total += c->total;
    out.bots += c->bots;
  }
  return out;
}

}  // namespace linkly::analytics_test
