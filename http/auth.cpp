#include "http/auth.hpp"

#include "http/access_control.hpp"
#include "http/header_text.hpp"
#include "http/router.hpp"

#include <algorithm>
#include <string>

namespace linkly {

namespace {

namespace http = boost::beast::http;

enum class credential { none, malformed, present };

// `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235).
credential bearer_token(const http::fields& headers, std::string_view* token) {
  auto it = headers.find(http::field::authorization);
  if (it == headers.end()) return credential::none;
  std::string_view value = trim_blanks(it->value());
  constexpr std::string_view kScheme = "Bearer";
  if (value.size() <= kScheme.size() ||
      !boost::beast::iequals(value.substr(0, kScheme.size()), kScheme) ||
      (value[kScheme.size()] != ' ' && value[kScheme.size()] != '\t')) {
    return credential::malformed;
  }
  *token = trim_blanks(value.substr(kScheme.size()));
  return token->empty() ? credential::malformed : credential::present;
}

// `X-Api-Key: <key>` (Shlink's header), else `Authorization: Bearer <key>`.
credential presented_key(const http::fields& headers, std::string_view* key) {
  auto it = headers.find(kApiKeyHeader);
  if (it == headers.end()) return bearer_token(headers, key);
  *key = trim_blanks(it->value());
  return key->empty() ? credential::malformed : credential::present;
}

// Every linkly_session value among the Cookie headers: a browser may send
// more than one (stale cookies of other paths), any live one will do.
template <class Fn>
bool any_session_cookie(const http::fields& headers, Fn&& fn) {
  auto [first, last] = headers.equal_range(http::field::cookie);
  for (auto it = first; it != last; ++it) {
    std::string_view rest = it->value();
    while (!rest.empty()) {
      auto semi = rest.find(';');
      std::string_view pair = trim_blanks(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
      auto eq = pair.find('=');
      if (eq == std::string_view::npos || trim_blanks(pair.substr(0, eq)) != kSessionCookie)
        continue;
      std::string_view value = trim_blanks(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (fn(value)) return true;
    }
  }
  return false;
}

http_response unauthorized(std::string_view message) {
  http_response res = error_response(http_status::unauthorized, message);
  res.set(http::field::www_authenticate, "Bearer");
  res.set(http::field::cache_control, "no-store");
  return res;
}

bool is_read(http::verb method) {
  return method == http::verb::get || method == http::verb::head;
}

std::string cookie_attributes(const router_context& ctx, long long max_age_s) {
  std::string out = "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  // Behind TLS (an https public url) the cookie must never travel in clear.
  if (ctx.short_url_base.rfind("https://", 0) == 0) out += "; Secure";
  return out;
}

http_response no_store_no_content() {
  http_response res = no_content_response();
  res.set(http::field::cache_control, "no-store");
  return res;
}

constexpr std::string_view kMissing =
    "authentication required: send Authorization: Bearer <key> or X-Api-Key: <key>";
constexpr std::string_view kInvalid = "invalid API key";

}  // namespace

api_key_check check_api_key(const http::fields& headers, const router_context& ctx) {
  access_control* access = ctx.access;
  if (access == nullptr || !access->enabled()) return api_key_check::ok;
  std::string_view key;
  switch (presented_key(headers, &key)) {
    case credential::none:
      return api_key_check::missing;
    case credential::malformed:
      // An empty X-Api-Key is what Shlink's clients send when given no key,
      // and Shlink calls that missing, not invalid.
      // (X-Api-Key is malformed only when empty; a malformed Authorization
      // stays invalid.)
      return headers.find(kApiKeyHeader) != headers.end() ? api_key_check::missing
                                                          : api_key_check::invalid;
    case credential::present:
      break;
  }
  return access->key_name(key) ? api_key_check::ok : api_key_check::invalid;
}

bool is_public_route(route_id route) {
  const route_spec* spec = find_route_spec(route);
  // No route: nothing to protect, the answer is 400 or 404 either way.
  return spec == nullptr || spec->access == route_access::public_route;
}

std::optional<http_response> check_access(route_id route, http::verb method,
                                          const http::fields& headers, const router_context& ctx) {
  access_control* access = ctx.access;
  if (access == nullptr || !access->enabled() || is_public_route(route)) return std::nullopt;
  std::string_view token;
  switch (presented_key(headers, &token)) {
    case credential::present:
      if (access->key_name(token)) return std::nullopt;
      return unauthorized(kInvalid);
    case credential::malformed:
      return unauthorized(kInvalid);
    case credential::none:
      break;
  }
  bool has_cookie = false;
  bool live = any_session_cookie(headers, [&](std::string_view id) {
    has_cookie = true;
    return is_read(method) && access->session_valid(id);
  });
  if (live) return std::nullopt;
  if (has_cookie && !is_read(method)) {
    return unauthorized(
        "the session cookie is only accepted for reads: send Authorization: "
        "Bearer <token>");
  }
  if (has_cookie) return unauthorized("session expired or unknown: POST /login again");
  return unauthorized(kMissing);
}

http_response login_response(const http_request& req, const router_context& ctx) {
  access_control* access = ctx.access;
  if (access == nullptr || !access->enabled()) return no_store_no_content();
  std::string_view token;
  std::optional<std::string> key;
  switch (presented_key(req, &token)) {
    case credential::none:
      return unauthorized(kMissing);
    case credential::malformed:
      return unauthorized(kInvalid);
    case credential::present:
      key = access->key_name(token);
      if (!key) return unauthorized(kInvalid);
      break;
  }
  std::string id = access->open_session(std::move(*key));
  if (id.empty()) {
    return error_response(http_status::service_unavailable, "cannot open a session, try again");
  }
  auto ttl_s = std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(access->session_ttl()).count());
  http_response res = no_store_no_content();
  res.set(http::field::set_cookie,
          std::string(kSessionCookie) + "=" + id + cookie_attributes(ctx, ttl_s));
  return res;
}

http_response logout_response(const http_request& req, const router_context& ctx) {
  if (access_control* access = ctx.access; access != nullptr && access->enabled()) {
    any_session_cookie(req, [&](std::string_view id) {
      access->close_session(id);
      return false;  // every one of them
    });
  }
  http_response res = no_store_no_content();
  res.set(http::field::set_cookie, std::string(kSessionCookie) + "=" + cookie_attributes(ctx, 0));
  return res;
}

}  // namespace linkly
