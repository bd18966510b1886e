#pragma once
// Shlink's object shapes (REST API v3), as Boost.JSON objects: the ShortUrl,
// the paginator, and Shlink's date format. A list item, a get and a create
// answer for the same link all come from shlink_short_url_json, so they are
// byte-identical.

#include "http/shlink_visits_summary.hpp"
#include "schemas/link_commands.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkly {

/// Shlink's dates: ATOM, second precision, UTC ("2026-12-05T12:00:00+00:00").
std::string shlink_date(std::int64_t ms);

/// An input date as UTC ms: RFC 3339 / ISO 8601 with seconds, optional
/// fraction and "Z" or a "+HH:MM" offset ("2026-12-05T12:00:00+02:00"), or a
/// bare date ("2026-12-05", midnight UTC). nullopt when it is neither.
std::optional<std::int64_t> parse_shlink_date(std::string_view text);

/// {"total","nonBots","bots"}.
boost::json::object shlink_visits_json(const shlink_visits& visits);

/// The ShortUrl: {"shortUrl","shortCode","longUrl","dateCreated","tags",
/// "meta":{"validSince","validUntil","maxVisits"},"domain":null,"title",
/// "crawlable","forwardQuery","visitsSummary","hasRedirectRules":false},
/// in Shlink's own member order.
boost::json::object shlink_short_url_json(const link_info& link, std::string_view short_url_base,
                                          const shlink_visits& visits);

/// The paginator of a list: {"currentPage","pagesCount","itemsPerPage",
/// "itemsInCurrentPage","totalItems"}. `per_page` 0 means "all on one page"
/// (Shlink's itemsPerPage=-1). pagesCount is at least 1, as in Shlink.
boost::json::object shlink_paginator_json(std::size_t page, std::size_t per_page,
                                          std::size_t in_page, std::size_t total);

}  // namespace linkly
