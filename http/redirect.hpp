#pragma once
// The redirect route, /s/{code} and /{code}, and the click a GET of it
// records. Internal to the router (router.cpp dispatches here).

#include "http/router.hpp"
#include "schemas/click_events.hpp"

#include <string>
#include <string_view>

namespace linkly {

/// The click of a GET redirect to `link_url` (version `link_version`,
/// incarnation `incarnation`: stored_link::incarnation()) of `code`, read from `req` at `now_ms`,
/// as its envelope (seq 0): country and coordinates from the headers `names`, Referer, User-Agent
/// (all bounded: capture_click_fields), and the (truncated) `client_address`. The payload is
/// encoded from the request's bytes, with no copy of a field in between.
envelope capture_click(const http_request& req, const click_headers& names,
                       std::string_view client_address, std::string code, std::string_view link_url,
                       std::uint32_t link_version, std::uint64_t incarnation, std::int64_t now_ms);

/// Answers a redirect: 302 to the link's url, or 404. `record_click` is
/// true for GET (false for HEAD).
void redirect(const std::string& code, const http_request& req, bool record_click,
              const router_context& ctx, const request_info& info, response_sender send);

}  // namespace linkly
