#pragma once
// admission: what a request's head alone decides. The session calls admit()
// as soon as the request line and headers are read, before any body byte is
// read and before `100 Continue` is sent, so a refused request costs the
// server its header and nothing more: route, method, Host, Origin, auth,
// content type and the declared body length are all settled here.
//
// The checks, in this order (the first that fails answers):
//
//   400  the target is not a request target ("*", "mailto:x")
//   404  no route has this path
//   421  `Host` names none of the allowed hosts (host_allowlist.hpp);
//        /healthz is exempt
//   403  a write (any method but GET/HEAD) carries an `Origin` that is not an
//        allowed host, `Origin: null` included: another site's page
//   401  a protected route without a valid token (auth.hpp)
//   405  the route does not answer this method (with `Allow`)
//   415  a JSON route's POST/PUT without `Content-Type: application/json`
//        (parameters such as charset are fine); the import without text/csv
//   413  a declared `Content-Length` over the route's limit
//
// Each step tells a client only what the previous ones let it know: an
// unknown path is 404 whatever the Host; a misdirected (rebinding) request
// learns nothing more; another site's page is refused before auth is even
// looked at; without the token a protected path says nothing of its methods
// (401, not 405, as API.md promised before this file existed); and only a
// client allowed to send a body learns what body the route wants.

#include "http/responses.hpp"
#include "http/routes.hpp"

#include <cstdint>
#include <optional>

namespace linkly {

struct router_context;

struct admission {
  /// Set: answer this, close the connection, and never read the body.
  std::optional<http_response> refusal;
  route_id route = route_id::not_found;
  body_kind body = body_kind::none;
  /// The most body bytes this request may send (0: no limit, csv_stream only).
  std::uint64_t body_limit = 0;
  /// The whole match (code, query parameters): the router dispatches on it
  /// without matching the target again.
  route_match match;
};

/// Limits admit() applies to declared lengths (server_options names them).
struct admission_limits {
  std::uint64_t max_body_bytes = 64 * 1024;
  std::uint64_t max_import_bytes = std::uint64_t{1} << 30;  // 0: no limit
};

/// Decides `head` (a request whose body has not been read; its body() is
/// empty). Never reads or blocks; thread-safe as long as ctx is.
admission admit(const http_request& head, const router_context& ctx,
                const admission_limits& limits);

/// Whether a Content-Type value is `application/json` (any parameters).
bool is_json_content_type(std::string_view content_type);

}  // namespace linkly
