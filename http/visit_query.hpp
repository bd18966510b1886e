#pragma once
// The query of the visits lists (API.md "Visits"):
//   ?page=1&per_page=20&since=RFC3339&until=RFC3339&exclude_bots=false

#include "actors/analytics_projection.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkly {

/// Visits on one page when the client does not say.
inline constexpr std::size_t kDefaultVisitsPerPage = 20;
/// The most a page holds: each visit of a page is one point read of the
/// clicks log, so a page stays a few milliseconds of reads.
inline constexpr std::size_t kMaxVisitsPerPage = 1000;

struct visit_query {
  std::uint64_t page = 1;  // 1-based
  std::size_t per_page = kDefaultVisitsPerPage;
  visit_filter filter;  // offset and limit set from page and per_page
};

/// Parses `raw_query` (the target's query, still percent-encoded, without
/// '?'). False with `*error` set (a 400 message) for a bad parameter.
bool parse_visit_query(std::string_view raw_query, visit_query* out, std::string* error);

}  // namespace linkly
