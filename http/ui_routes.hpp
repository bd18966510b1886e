#pragma once
// The web front end: GET / answers web/index.html, GET /ui/{asset} the
// other files of web/ (http/ui_assets.hpp), from memory.
//
// Every answer forbids inline script and style and framing (a strict
// Content-Security-Policy), and carries an ETag with `Cache-Control:
// no-cache`: a browser revalidates each time (If-None-Match → 304), so a
// new build is picked up at once. An unknown asset is 404 JSON.

#include "http/responses.hpp"

#include <string_view>

namespace linkly {

/// Sent with every UI file.
constexpr std::string_view kUiContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The answer to GET `asset` ("" for the page itself). HEAD is the router's
/// business (same answer, body stripped).
http_response ui_asset_response(std::string_view asset, const http_request& req);

}  // namespace linkly
