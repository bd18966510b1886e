#pragma once
// Token auth (API.md "Auth"): when a token is configured or an API key exists
// (http/key_store.hpp), every route but redirects, QR codes, /healthz, the
// front end's files, /login and /logout needs a key: the token or an API key,
// as `Authorization: Bearer <key>`, `X-Api-Key: <key>` or, for GET and HEAD
// only, the short-lived
// session cookie that POST /login sets (a browser's EventSource cannot send
// headers). A write always needs the header, so a cross-site form cannot
// write even with the cookie. The token is never read from the URL.

#include "http/responses.hpp"
#include "http/routes.hpp"

#include <boost/beast/http/verb.hpp>

#include <optional>
#include <string_view>

namespace linkly {

struct router_context;

/// The cookie POST /login sets.
constexpr std::string_view kSessionCookie = "linkly_session";

/// The header Shlink's clients send their key in.
constexpr std::string_view kApiKeyHeader = "X-Api-Key";

enum class api_key_check {
  ok,       // a live key, or auth is off
  missing,  // neither X-Api-Key nor Authorization: Bearer, or an empty X-Api-Key
  invalid,  // a key that is not (or no longer) live, or a malformed header
};

/// Whether the request carries a live key in `X-Api-Key` (checked first) or
/// `Authorization: Bearer`; no cookie. For routes that answer auth errors in
/// their own shape (/rest); check_access answers linkly's.
api_key_check check_api_key(const boost::beast::http::fields& headers, const router_context& ctx);

/// Whether `route` is answered without a token even when one is configured
/// (its kRouteTable row says so).
bool is_public_route(route_id route);

/// nullopt: the request may go on; otherwise the 401 to answer. Reads only
/// the header, so a streamed body (an import) is refused before it is read.
/// ctx.access null or disabled: everything is allowed.
std::optional<http_response> check_access(route_id route, boost::beast::http::verb method,
                                          const boost::beast::http::fields& headers,
                                          const router_context& ctx);

/// POST /login. With a token configured: the right Bearer token opens a
/// session, 204 with `Set-Cookie: linkly_session=...; Path=/; HttpOnly;
/// SameSite=Strict; Max-Age=<ttl s>`; a missing or wrong one is 401. Without
/// a token: 204 and no cookie (nothing to log in to).
http_response login_response(const http_request& req, const router_context& ctx);

/// POST /logout: ends the session the cookie names, if any; always 204 with
/// the cookie cleared (Max-Age=0).
http_response logout_response(const http_request& req, const router_context& ctx);

}  // namespace linkly
