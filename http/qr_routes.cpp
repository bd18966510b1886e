#include "http/qr_routes.hpp"

#include "actors/read_view.hpp"
#include "http/error_messages.hpp"
#include "http/link_json.hpp"
#include "http/qr_code.hpp"
#include "http/router.hpp"
#include "schemas/link_rules.hpp"

namespace linkly {

namespace http = boost::beast::http;

http_response qr_code_response(std::string_view code, std::string_view encoded_query,
                               const router_context& ctx) {
  qr_request request;
  std::string error;
  if (!parse_qr_query(encoded_query, &request, &error)) {
    return error_response(http_status::bad_request, error);
  }
  if (ctx.view == nullptr) {
    return error_response(http_status::service_unavailable, error_message::kUnavailable);
  }
  link_info link;
  if (!is_code_syntax(code) || !ctx.view->find(code, &link)) {
    return link_not_found_response();
  }
  std::string image;
  if (!render_qr(short_url(ctx.short_url_base, link.code), request, &image, &error)) {
    return error_response(http_status::internal_server_error, error);
  }
  http_response res{http_status::ok, 11};
  res.set(http::field::content_type, qr_content_type(request.format));
  res.body() = std::move(image);
  res.prepare_payload();
  return res;
}

}  // namespace linkly
