#pragma once
// The HTTP message types of linkly's server and the response shapes it
// answers with. Every error is a JSON body {"error": "..."} (API.md).
//
// Beast types: include this only from http/ sources, never from a header
// that app/ includes.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/fwd.hpp>

#include <string_view>

namespace linkly {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;
using http_status = boost::beast::http::status;

/// `status` with `body` serialized as application/json; Content-Length set.
http_response json_response(http_status status, const boost::json::value& body);

/// `status` with {"error": message}.
http_response error_response(http_status status, std::string_view message);

/// 404 {"error":"link not found"}: a code no live link has.
http_response link_not_found_response();

/// 405 {"error":"method not allowed"} with `Allow: <allow>`.
http_response method_not_allowed_response(std::string_view allow);

/// 302 to `location`, no body, `Cache-Control: private, no-store` (every
/// click must reach the server).
http_response redirect_response(std::string_view location);

/// 204, no body.
http_response no_content_response();

/// Turns a response to GET into the response to HEAD: same headers
/// (Content-Length included), no body.
void strip_body_for_head(http_response* res);

/// Replaces `*out` with the status line and fields of `res` as they go on
/// the wire, ending with the blank line: what Beast's serializer writes
/// before the body of a response that is not chunked, in one pass.
void write_head(const http_response& res, std::string* out);

}  // namespace linkly
