#include "http/admission.hpp"

#include "http/auth.hpp"
#include "http/error_messages.hpp"
#include "http/header_text.hpp"
#include "http/host_allowlist.hpp"
#include "http/import_stream.hpp"
#include "http/router.hpp"
#include "http/shlink_routes.hpp"

namespace linkly {

namespace http = boost::beast::http;

namespace {

std::uint8_t method_bit_of(http::verb method) {
  switch (method) {
    case http::verb::get:
    case http::verb::head:
      return method_bit::get;
    case http::verb::post:
      return method_bit::post;
    case http::verb::put:
      return method_bit::put;
    case http::verb::delete_:
      return method_bit::del;
    default:
      return 0;
  }
}

bool carries_body(http::verb method) {
  return method == http::verb::post || method == http::verb::put;
}

}  // namespace

bool is_json_content_type(std::string_view content_type) {
  return has_media_type(content_type, "application/json");
}

admission admit(const http_request& head, const router_context& ctx,
                const admission_limits& limits) {
  admission out;
  out.match = match_route(head.target());
  out.route = out.match.route;
  if (out.route == route_id::bad_target) {
    out.refusal = error_response(http_status::bad_request, "invalid request target");
    return out;
  }
  // Shlink's rules: its own auth, CORS, any Content-Type, PATCH, OPTIONS.
  if (out.route == route_id::shlink_rest) return admit_shlink(head, ctx, limits, std::move(out));
  const route_spec* spec = find_route_spec(out.route);
  if (spec == nullptr) {
    out.refusal = error_response(http_status::not_found, error_message::kNotFound);
    return out;
  }
  http::verb method = head.method();
  out.body = carries_body(method) ? spec->body : body_kind::none;
  out.body_limit =
      out.body == body_kind::csv_stream ? limits.max_import_bytes : limits.max_body_bytes;
  // An absent Host (HTTP/1.0) names nothing to refuse; a browser always sends one.
  if (auto host = head.find(http::field::host);
      spec->checks_host && host != head.end() && !ctx.hosts.allows_host(host->value())) {
    out.refusal = error_response(http_status::misdirected_request,
                                 "this server does not answer for that Host; add it to "
                                 "http.allowed_hosts");
    return out;
  }
  if (method != http::verb::get && method != http::verb::head) {
    if (auto origin = head.find(http::field::origin);
        origin != head.end() &&
        !ctx.hosts.allows_origin(origin->value(), head[http::field::host])) {
      out.refusal =
          error_response(http_status::forbidden, "cross-site request refused: foreign Origin");
      return out;
    }
  }
  if (auto denied = check_access(out.route, method, head, ctx)) {
    out.refusal = std::move(denied);
    return out;
  }
  if (!route_allows(out.route, method_bit_of(method))) {
    out.refusal = method_not_allowed_response(allowed_methods(out.route));
    return out;
  }
  auto content_type = head[http::field::content_type];
  if (out.body == body_kind::json && !is_json_content_type(content_type)) {
    out.refusal = error_response(http_status::unsupported_media_type,
                                 "expected Content-Type: application/json");
    return out;
  }
  if (out.body == body_kind::csv_stream && !is_csv_content_type(content_type)) {
    out.refusal =
        error_response(http_status::unsupported_media_type, "expected Content-Type: text/csv");
    return out;
  }
  if (auto length = head.find(http::field::content_length); length != head.end()) {
    std::uint64_t declared = 0;
    std::string_view text = trim_blanks(length->value());
    constexpr std::size_t kMaxDigits = 19;  // any 19-digit number fits 64 bits
    bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits) declared = text.size() > kMaxDigits ? UINT64_MAX : std::stoull(std::string(text));
    // Not digits: the framing's business (Beast refuses it as it parses).
    if (digits && out.body_limit > 0 && declared > out.body_limit) {
      out.refusal = error_response(http_status::payload_too_large, error_message::kBodyTooLarge);
    }
  }
  return out;
}

}  // namespace linkly
