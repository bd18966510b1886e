#pragma once
// The analytics routes (API.md), internal to the router:
//
//   GET /analytics/daily           200 {"rows":[{"day","count"}],"row_count","freshness"}
//   GET /links/{code}/stats        200 {"code","total","by_day","by_country","by_referrer",
//                                       "freshness"[,"truncated":true]}
//   GET /links/{code}?as_of=SEQ    200 the link right after links-log seq SEQ, plus "as_of"
//
// Every analytics answer carries "freshness": per followed log the
// projection's checkpoint and the log's head, so a client sees how far
// behind the log the numbers are. Analytics reads (a few LevelDB reads) run
// on the calling io thread; only the existence check of a link that is no
// longer live (answered from the shard's table, no log read), and as_of (at
// most two events read by the log reader), ask link_service, whose callback
// only builds and sends the answer.
//
// 503 when the analytics reader (or link_service, for as_of) is null or a
// read fails.

#include "actors/analytics_projection.hpp"
#include "http/router.hpp"
#include "schemas/link_commands.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// The incarnation of `code`'s live link (stored_link::incarnation()), or
/// kLatestIncarnation when it is not live (or there is no read view).
std::uint64_t current_incarnation(const router_context& ctx, std::string_view code);

/// {"links":{"checkpoint","head"},"clicks":{...}}: one member per log.
boost::json::object freshness_json(const std::vector<log_position>& positions);

/// The body of GET /analytics/daily (without freshness).
boost::json::object daily_json(const std::vector<daily_count>& rows);

/// Entries each map of GET /links/{code}/stats holds at most, so one link's
/// many referrers (they come from request headers) cost the io thread little.
constexpr std::size_t kMaxStatsEntries = 1000;

/// The body of GET /links/{code}/stats (without freshness). "truncated":
/// true only when a map was cut at kMaxStatsEntries; absent otherwise.
boost::json::object stats_json(std::string_view code, const link_stats& stats);

/// The `as_of` query parameter: decimal digits, 1..2^64-1. Sets `*error` (a
/// 400 message) otherwise.
bool parse_as_of(const std::string& raw, std::uint64_t* out, std::string* error);

/// Adds "clicks" (the total of the link's current life), "visits"
/// {"total","non_bots","bots"} and, unless `with_freshness` is false (a
/// page carries it once), "freshness" to a GET /links/{code} body. Adds
/// nothing when `analytics` is null: a missing "clicks" is never mistaken
/// for 0.
void add_click_total(const analytics_reader* analytics, const link_info& link,
                     boost::json::object* body, bool with_freshness = true);

void daily_analytics(const router_context& ctx, const response_sender& send);

/// A live link's stats, or a deleted one's (its clicks are kept, so are its
/// stats); 404 for a code link_service never saw.
void link_stats_route(std::string code, const router_context& ctx, response_sender send);

/// GET /links/{code}?as_of=`raw`.
void link_as_of_route(std::string code, const std::string& raw, const router_context& ctx,
                      response_sender send);

}  // namespace linkly
