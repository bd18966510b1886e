#pragma once
// Route matching: which resource a request target names, and the query
// rules of the collections. Pure functions, no sockets, no Beast. The routes
// themselves are the rows of kRouteTable (route_table.hpp); the queries read
// here are:
//
//   /links                 ?limit=&after=&tag= (tag repeatable)
//   /links/{code}          ?as_of=
//   /links/{code}/history  ?limit=&after=
//   /clicks/stream         ?code=
//   /events                ?after=
//   /admin/dlq             ?limit=&after=
//   /s/{code}/qr-code      ?format=&size=&margin=&error_correction= (http/qr_routes.hpp)
//
// The query string never affects which route matches ("/s/demo?x=1"
// redirects). Path segments are percent-decoded; codes are not checked here
// (a redirect to an impossible code is still the redirect route, answered
// 404 "link not found").

#include "http/route_table.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

struct route_match {
  route_id route = route_id::not_found;
  std::string code;  // link_item, link_history, link_stats, redirect; dlq_item: the raw id;
                     // ui: the asset's name ("" for the page)
  // links_collection, link_history and dlq_collection: the raw (decoded)
  // query parameters.
  std::optional<std::string> limit;
  std::string after;
  std::vector<std::string> tags;  // links_collection: every ?tag=, in order
  // clicks_stream: `code` is the ?code= filter ("": every click); events:
  // `after` is ?after=.
  // link_item: the raw (decoded) as_of parameter, when given.
  std::optional<std::string> as_of;
  // qr_code, link_visits, orphan_visits: the query string as sent (still
  // percent-encoded, without '?'), read by its route. api_key_item: `code`
  // is the key's name.
  std::string query;
};

/// Matches a request target such as "/s/demo?x=1".
route_match match_route(std::string_view target);

/// The methods `route` answers, as an Allow header value ("" for none).
std::string_view allowed_methods(route_id route);

/// Whether `route` answers `method`, a method_bit (HEAD counts as GET; 0, a
/// method no route answers such as OPTIONS, never).
bool route_allows(route_id route, std::uint8_t method);

constexpr std::size_t kDefaultPageLimit = 50;
constexpr std::size_t kMaxPageLimit = 1000;

/// The `limit` query parameter: absent means kDefaultPageLimit; otherwise a
/// decimal integer in 1..kMaxPageLimit. Sets `*error` (a 400 message) when
/// it is not.
bool parse_limit(const std::optional<std::string>& raw, std::size_t* out, std::string* error);

}  // namespace linkly
