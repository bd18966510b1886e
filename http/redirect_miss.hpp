#pragma once
// Cluster mode: a redirect the read view misses is asked of the links
// stream (actors/miss_lookup.hpp) before it is answered 404, so a code just
// created on another node redirects here too before this node's follower
// copied it. Internal to the redirect route (redirect.cpp).

#include "actors/click_service.hpp"
#include "http/router.hpp"

#include <string>

namespace linkly {

/// Hands the miss of `code` to ctx.sources.missed_codes and returns true:
/// `send` is then called later from a lookup thread with the 302 the
/// normal path would give (query forwarded, validity and max_visits
/// respected, its click recorded in `mode` through ctx.clicks), or 404
/// with the orphan visit. False when there is no lookup or it refused
/// (over its bounds, stream unreachable): the caller answers 404 itself.
bool redirect_after_lookup(const std::string& code, const http_request& req, click_mode mode,
                           const router_context& ctx, const request_info& info,
                           const response_sender& send);

}  // namespace linkly
