#pragma once
// GET /links/{code}/history?limit=&after= (API.md), internal to the router:
//
//   200 {"code","events":[{"seq","type","at","url"}],"next":SEQ|null}
//
// A page holds at most `limit` events (kDefaultPageLimit, at most
// kMaxPageLimit), oldest first, with seq > `after`; `next` is the `after`
// of the following page. The link's shard picks the page's seqs from its
// table and the log reader reads just those, beside the journal: a long
// history costs one page of reads per request and never holds up appends.
//
// 400 bad limit or after; 404 a code never used; 503 no link service, or
// the log could not be read.

#include "http/router.hpp"
#include "http/routes.hpp"

#include <cstdint>
#include <string>

namespace linkly {

/// The `after` cursor of a history page: absent or "0" is the start,
/// otherwise a links-log seq (decimal). Sets `*error` (a 400 message).
bool parse_history_cursor(const std::string& raw, std::uint64_t* out, std::string* error);

void history_route(route_match match, const router_context& ctx, response_sender send);

}  // namespace linkly
