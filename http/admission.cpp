#include "http/admission.hpp"

#include "http/auth.hpp"
#include "http/import_stream.hpp"
#include "http/router.hpp"

namespace linkly {

namespace http = boost::beast::http;

admission admit(const http_request& head, const router_context& ctx,
                const admission_limits& limits) {
  admission out;
  out.route = match_route(head.target()).route;
  bool import = out.route == route_id::links_import && head.method() == http::verb::post;
  out.body = import ? body_kind::csv_stream : body_kind::json;
  out.body_limit = import ? limits.max_import_bytes : limits.max_body_bytes;
  if (auto denied = check_access(out.route, head.method(), head, ctx)) {
    out.refusal = std::move(denied);
    return out;
  }
  if (import && !is_csv_content_type(head[http::field::content_type])) {
    out.refusal =
        error_response(http_status::unsupported_media_type, "expected Content-Type: text/csv");
  }
  return out;
}

}  // namespace linkly
