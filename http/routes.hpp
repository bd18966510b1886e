#pragma once
// Route matching: which resource a request target names, and the query
// rules of the collection. Pure functions, no sockets, no Beast.
//
//   /healthz               health
//   /                      ui                (the web front end's page)
//   /ui/{asset}            ui                (its scripts and styles)
//   /login, /logout        login, logout     (the front end's session cookie)
//   /links                 links_collection  (?limit=&after=)
//   /links/import          links_import      (text/csv body, streamed)
//   /links/{code}          link_item         (?as_of=)
//   /links/{code}/stats    link_stats
//   /links/{code}/history  link_history      (?limit=&after=)
//   /s/{code}, /{code}     redirect
//   /metrics               metrics
//   /analytics/daily       analytics_daily
//   /clicks/summary        clicks_summary
//   /clicks/stream         clicks_stream     (?code=)
//   /events                events            (?after=)
//   /admin/dlq             dlq_collection    (?limit=&after=)
//   /admin/dlq/redrive     dlq_redrive
//   /admin/dlq/{id}        dlq_item
//
// The query string never affects which route matches ("/s/demo?x=1"
// redirects). Path segments are percent-decoded; codes are not checked here
// (a redirect to an impossible code is still the redirect route, answered
// 404 "link not found").

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace linkly {

enum class route_id {
  not_found,   // no such resource
  bad_target,  // not an origin-form target ("/path?query")
  health,
  ui,
  login,
  logout,
  links_collection,
  links_import,
  link_item,
  link_history,
  link_stats,
  analytics_daily,
  clicks_summary,
  clicks_stream,
  events,
  redirect,
  metrics,
  dlq_collection,
  dlq_redrive,
  dlq_item,
};

struct route_match {
  route_id route = route_id::not_found;
  std::string code;  // link_item, link_history, link_stats, redirect; dlq_item: the raw id;
                     // ui: the asset's name ("" for the page)
  // links_collection, link_history and dlq_collection: the raw (decoded)
  // query parameters.
  std::optional<std::string> limit;
  std::string after;
  // clicks_stream: `code` is the ?code= filter ("": every click); events:
  // `after` is ?after=.
  // link_item: the raw (decoded) as_of parameter, when given.
  std::optional<std::string> as_of;
};

/// Matches a request target such as "/s/demo?x=1".
route_match match_route(std::string_view target);

/// The methods `route` answers, as an Allow header value ("" for none).
std::string_view allowed_methods(route_id route);

constexpr std::size_t kDefaultPageLimit = 50;
constexpr std::size_t kMaxPageLimit = 1000;

/// The `limit` query parameter: absent means kDefaultPageLimit; otherwise a
/// decimal integer in 1..kMaxPageLimit. Sets `*error` (a 400 message) when
/// it is not.
bool parse_limit(const std::optional<std::string>& raw, std::size_t* out, std::string* error);

}  // namespace linkly
