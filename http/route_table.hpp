#pragma once
// The route table: every resource linkly answers, once. Matching
// (routes.cpp), the Allow header, who may call a route (auth.cpp), what body
// it takes (admission.cpp), dispatch (router.cpp) and the codes a link may
// not take (schemas/link_rules.cpp) all read this table, so a route cannot be
// known to one of them and missing from another.
//
// Plain constexpr data with no dependencies: schemas/ reads it for the
// reserved codes without linking the HTTP library.

#include <array>
#include <cstddef>
#include <cstdint>
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
  link_visits,
  visits_overview,
  orphan_visits,
  analytics_daily,
  clicks_summary,
  clicks_stream,
  events,
  robots,
  redirect,
  metrics,
  dlq_collection,
  dlq_redrive,
  shlink_rest,  // /rest and everything under it: the Shlink API (shlink_routes.hpp)
  api_keys_collection,
  api_key_item,
  qr_code,
  dlq_item,  // last: kRouteIdCount counts up to it
};

constexpr std::size_t kRouteIdCount = static_cast<std::size_t>(route_id::dlq_item) + 1;

/// How a route takes a request body (on POST and PUT; GET, HEAD and DELETE
/// never carry one).
enum class body_kind {
  none,        // no body expected; one that comes is read (up to the small limit) and ignored
  json,        // application/json, read whole, at most max_body_bytes
  csv_stream,  // text/csv, streamed in chunks (POST /links/import), at most max_import_bytes
};

/// Methods a route answers, as bits. HEAD goes with GET.
namespace method_bit {
constexpr std::uint8_t get = 1;
constexpr std::uint8_t post = 2;
constexpr std::uint8_t put = 4;
constexpr std::uint8_t del = 8;
}  // namespace method_bit

/// public_route: answered without a token even when one is configured.
enum class route_access { public_route, needs_token };

struct route_spec {
  /// "/links/{code}/stats": literal segments, or one "{name}" standing for
  /// any one non-empty (percent-decoded) segment. The query never matters.
  std::string_view pattern;
  route_id id;
  std::uint8_t methods;
  route_access access;
  body_kind body;
  /// False only for /healthz: probes (a load balancer, Kubernetes) name the
  /// server by whatever address they reach it at, and it reveals nothing.
  bool checks_host = true;
};

namespace route_table_detail {
using m = std::uint8_t;
constexpr m kGet = method_bit::get;
constexpr m kPost = method_bit::post;
constexpr m kPut = method_bit::put;
constexpr m kDel = method_bit::del;
constexpr auto kOpen = route_access::public_route;
constexpr auto kToken = route_access::needs_token;
}  // namespace route_table_detail

/// First match wins: a literal row comes before a "{name}" row it overlaps
/// ("/links/import" before "/links/{code}"), and "/{code}" (a redirect by
/// its bare code) comes last. A route may have more than one row; its rows
/// then agree on everything but the pattern (routes_test checks).
inline constexpr std::array<route_spec, 29> kRouteTable = [] {
  using namespace route_table_detail;
  using b = body_kind;
  return std::array<route_spec, 29>{{
      {"/healthz", route_id::health, kGet, kOpen, b::none, /*checks_host=*/false},
      {"/", route_id::ui, kGet, kOpen, b::none},
      {"/ui/{asset}", route_id::ui, kGet, kOpen, b::none},
      {"/login", route_id::login, kPost, kOpen, b::none},
      {"/logout", route_id::logout, kPost, kOpen, b::none},
      {"/links", route_id::links_collection, kGet | kPost, kToken, b::json},
      {"/links/import", route_id::links_import, kPost, kToken, b::csv_stream},
      {"/links/{code}", route_id::link_item, kGet | kPut | kDel, kToken, b::json},
      {"/links/{code}/history", route_id::link_history, kGet, kToken, b::none},
      {"/links/{code}/stats", route_id::link_stats, kGet, kToken, b::none},
      {"/links/{code}/visits", route_id::link_visits, kGet | kDel, kToken, b::none},
      {"/visits", route_id::visits_overview, kGet, kToken, b::none},
      {"/visits/orphan", route_id::orphan_visits, kGet | kDel, kToken, b::none},
      {"/metrics", route_id::metrics, kGet, kToken, b::none},
      {"/analytics/daily", route_id::analytics_daily, kGet, kToken, b::none},
      {"/clicks/summary", route_id::clicks_summary, kGet, kToken, b::none},
      {"/clicks/stream", route_id::clicks_stream, kGet, kToken, b::none},
      {"/events", route_id::events, kGet, kToken, b::none},
      {"/admin/dlq", route_id::dlq_collection, kGet, kToken, b::none},
      {"/admin/dlq/redrive", route_id::dlq_redrive, kPost, kToken, b::json},
      {"/admin/dlq/{id}", route_id::dlq_item, kDel, kToken, b::none},
      // Only the row of /rest, whose rules are Shlink's: match_route sends
      // every path under it here, and admit() hands it to admit_shlink.
      {"/rest", route_id::shlink_rest, kGet | kPost | kPut | kDel, kOpen, b::json},
      {"/api-keys", route_id::api_keys_collection, kGet | kPost, kToken, b::json},
      {"/api-keys/{name}", route_id::api_key_item, kDel, kToken, b::none},
      {"/robots.txt", route_id::robots, kGet, kOpen, b::none},
      {"/s/{code}", route_id::redirect, kGet, kOpen, b::none},
      {"/s/{code}/qr-code", route_id::qr_code, kGet, kOpen, b::none},
      {"/{code}", route_id::redirect, kGet, kOpen, b::none},
      {"/{code}/qr-code", route_id::qr_code, kGet, kOpen, b::none},
  }};
}();

namespace route_table_detail {
// Row of each route id's first row (kRouteTable.size(): none), so a lookup
// by id costs an index, not a scan, on every request.
inline constexpr auto kFirstRow = [] {
  std::array<std::size_t, kRouteIdCount> out{};
  for (auto& row : out) row = kRouteTable.size();
  for (std::size_t i = kRouteTable.size(); i-- > 0;) {
    out[static_cast<std::size_t>(kRouteTable[i].id)] = i;
  }
  return out;
}();
}  // namespace route_table_detail

/// The first row of `id`, or nullptr for not_found and bad_target.
constexpr const route_spec* find_route_spec(route_id id) {
  auto index = static_cast<std::size_t>(id);
  if (index >= kRouteIdCount) return nullptr;
  std::size_t row = route_table_detail::kFirstRow[index];
  return row < kRouteTable.size() ? &kRouteTable[row] : nullptr;
}

/// The first path segment of a pattern when it is a literal ("links" for
/// "/links/{code}"), else "" ("/" and "/{code}").
constexpr std::string_view first_literal_segment(std::string_view pattern) {
  if (pattern.size() < 2 || pattern[0] != '/' || pattern[1] == '{') return {};
  std::string_view rest = pattern.substr(1);
  return rest.substr(0, rest.find('/'));
}

}  // namespace linkly
