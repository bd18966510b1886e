#pragma once
// The redirect route, /s/{code} and /{code}, and the click a GET of it
// records. Internal to the router (router.cpp dispatches here).

#include "http/router.hpp"
#include "schemas/click_events.hpp"

#include <string>
#include <string_view>

namespace linkly {

class click_service;
struct http_metrics;

/// The click of a GET redirect to `link_url` (version `link_version`,
/// incarnation `incarnation`: stored_link::incarnation()) of `code`, read from `req` at `now_ms`,
/// as its envelope (seq 0): country and coordinates from the headers `names`, Referer, User-Agent
/// (all bounded: capture_click_fields), and the (truncated) `client_address`. The payload is
/// encoded from the request's bytes, with no copy of a field in between, into `payload_buffer`
/// (click_batcher::payload_buffer(): a written click's, so no allocation).
envelope capture_click(const http_request& req, const click_headers& names,
                       std::string_view client_address, std::string code, std::string_view link_url,
                       std::uint32_t link_version, std::uint64_t incarnation, std::int64_t now_ms,
                       std::string payload_buffer = {});

/// The request target's query ("a=1" of "/s/x?a=1"), "" when none.
std::string_view query_of(std::string_view target);

/// `url` with `query` appended ("?" or "&" as it needs), before its fragment.
std::string with_query(std::string_view url, std::string_view query);
/// The same into `*out` (replaced; its capacity kept).
void with_query(std::string_view url, std::string_view query, std::string* out);

/// Queued mode without a batcher: `click` submitted on its own.
void submit_click(click_service& clicks, envelope click);

/// Inline mode: writes `click`, then sends `res` (counted as a redirect in
/// `metrics` when not null) whatever the write's outcome; failures are
/// logged, at most once per interval over all threads.
void send_after_click_write(click_service& clicks, envelope click, http_response res,
                            http_metrics* metrics, response_sender send);

/// Answers a redirect: 302 to the link's url (the request's query appended
/// when the link forwards it), or 404. A link outside its validity window
/// or past max_visits answers 404 or 302 to unavailable_redirect_url, and
/// records no click. `record_click` is true for GET (false for HEAD).
void redirect(const std::string& code, const http_request& req, bool record_click,
              const router_context& ctx, const request_info& info, response_sender send);

}  // namespace linkly
