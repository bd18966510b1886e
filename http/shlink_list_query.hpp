#pragma once
// GET /rest/v3/short-urls: the query (pagination, search, tags, order,
// dates) and its application to a set of links. Pure: no actors, no I/O.

#include "http/shlink_target.hpp"
#include "http/shlink_visits_summary.hpp"
#include "schemas/link_commands.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace linkly {

/// Shlink's default page size.
inline constexpr std::size_t kShlinkDefaultItemsPerPage = 10;

struct shlink_list_query {
  std::size_t page = 1;                                     // 1-based
  std::size_t items_per_page = kShlinkDefaultItemsPerPage;  // 0: all (itemsPerPage=-1)
  std::string search_term;                                  // "" none; case-insensitive
  std::vector<std::string> tags;                            // tags[]
  bool all_tags = false;                                    // tagsMode=all (default any)
  std::string order_field;  // "" (dateCreated DESC), shortCode, longUrl, dateCreated,
                            // title, visits, nonBotVisits
  bool descending = false;
  std::optional<std::int64_t> start_ms;  // dateCreated >= start
  std::optional<std::int64_t> end_ms;    // dateCreated <= end
  bool exclude_max_visits_reached = false;
  bool exclude_past_valid_until = false;

  /// Whether filtering or ordering needs every link's visits.
  bool needs_visits() const {
    return order_field == "visits" || order_field == "nonBotVisits" || exclude_max_visits_reached;
  }
};

/// Reads the query; false with `*invalid` naming the parameters at fault.
bool parse_shlink_list_query(const shlink_target& target, shlink_list_query* out,
                             std::vector<std::string>* invalid);

/// A link with its visits, as the list works on them.
struct listed_link {
  link_info link;
  shlink_visits visits;
};

/// Filters and orders `links` (visits filled when needs_visits()) at
/// `now_ms`; what remains is every match, in list order.
std::vector<listed_link> filter_and_order(std::vector<listed_link> links,
                                          const shlink_list_query& query, std::int64_t now_ms);

/// Case-insensitive (ASCII) substring test.
bool contains_folded(std::string_view haystack, std::string_view needle);

}  // namespace linkly
