#pragma once
// The visits routes (API.md "Visits"), internal to the router:
//
//   GET /links/{code}/visits   200 {"code","visits":[{"at","referrer","user_agent","country",
//                                   "potential_bot"}],"page","per_page","pages","total"}
//   GET /visits                200 {"visits":{"total","non_bots","bots"},
//                                   "orphan_visits":{...}}
//   GET /visits/orphan         200 as the first, without "code", items adding "visited_url"
//                                   and "type"
//   DELETE /links/{code}/visits  200 {"code","deleted_visits"}: the current life's visits
//                                   are forgotten (http/visits_deletion.hpp); 404 when no
//                                   live link has the code
//   DELETE /visits/orphan      200 {"deleted_visits"}
//
// The analytics projection says which visits a page holds (its visit
// index: seq and time per visit); each visit's details are then read from
// the clicks log by seq, on the calling io thread: at most
// kMaxVisitsPerPage point reads, of records that never change.
//
// 503 when analytics (or the clicks log) is not running or a read fails.

#include "http/router.hpp"

#include <string>
#include <string_view>

namespace linkly {

void link_visits_route(std::string code, std::string_view raw_query, const router_context& ctx,
                       response_sender send);

void visits_overview_route(const router_context& ctx, const response_sender& send);

void orphan_visits_route(std::string_view raw_query, const router_context& ctx,
                         const response_sender& send);

void delete_link_visits_route(std::string code, const router_context& ctx, const request_info& info,
                              response_sender send);

void delete_orphan_visits_route(const router_context& ctx, const request_info& info,
                                response_sender send);

}  // namespace linkly
