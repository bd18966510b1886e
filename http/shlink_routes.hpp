#pragma once
// The Shlink REST API v3 (docs/API.md "Shlink compatibility"): /rest/v3/...
// and /rest/health, answered from linkly's own link_service and analytics,
// with Shlink's wire rules instead of linkly's:
//
//   - X-Api-Key (or a Bearer key; auth.hpp check_api_key); /rest/health and
//     CORS preflights need none;
//   - every error is application/problem+json (shlink_problem.hpp);
//   - a JSON body is read whatever its Content-Type says;
//   - CORS for any origin (Shlink's web client runs elsewhere), on /rest
//     only. With no API token configured the API is open, so a write then
//     keeps linkly's foreign-Origin refusal instead.

#include "http/admission.hpp"
#include "http/router.hpp"

namespace linkly {

/// admit() for a /rest target (`out` holds its route match): Host,
/// Origin (no token only), API key, declared body length. Every refusal is
/// a problem response carrying the CORS headers.
admission admit_shlink(const http_request& head, const router_context& ctx,
                       const admission_limits& limits, admission out);

/// Answers a /rest request admit_shlink let through.
void handle_shlink_request(const http_request& req, const router_context& ctx,
                           const request_info& info, response_sender send);

}  // namespace linkly
