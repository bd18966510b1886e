#pragma once
// GET /s/{code}/qr-code and /{code}/qr-code (API.md "QR codes"): the link's
// short_url as a PNG or SVG QR code. Public like the redirect it leads to;
// answered on the io thread from the read view.

#include "http/responses.hpp"

#include <string_view>

namespace linkly {

struct router_context;

/// `encoded_query` is route_match::query. 404 for a code with no live link,
/// 400 for a bad parameter (http/qr_code.hpp), 503 without a read view.
http_response qr_code_response(std::string_view code, std::string_view encoded_query,
                               const router_context& ctx);

}  // namespace linkly
