#include "http/responses.hpp"

#include "http/error_messages.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace linkly {

namespace http = boost::beast::http;

http_response json_response(http_status status, const boost::json::value& body) {
  http_response res{status, 11};
  res.set(http::field::content_type, "application/json");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

http_response error_response(http_status status, std::string_view message) {
  return json_response(status, boost::json::value{{"error", message}});
}

http_response method_not_allowed_response(std::string_view allow) {
  http_response res = error_response(http_status::method_not_allowed, "method not allowed");
  res.set(http::field::allow, allow);
  return res;
}

http_response redirect_response(std::string_view location) {
  http_response res{http_status::found, 11};
  res.set(http::field::location, location);
  res.set(http::field::cache_control, "private, no-store");
  res.prepare_payload();
  return res;
}

http_response no_content_response() {
  http_response res{http_status::no_content, 11};
  res.prepare_payload();
  return res;
}

void write_head(const http_response& res, std::string* out) {
  out->clear();
  const unsigned version = res.version();
  const unsigned code = res.result_int();
  out->append("HTTP/");
  out->push_back(static_cast<char>('0' + version / 10 % 10));
  out->push_back('.');
  out->push_back(static_cast<char>('0' + version % 10));
  out->push_back(' ');
  for (unsigned div : {100u, 10u, 1u}) out->push_back(static_cast<char>('0' + code / div % 10));
  out->push_back(' ');
  const auto reason = res.reason();
  out->append(reason.data(), reason.size());
  out->append("\r\n");
  for (const auto& field : res) {
    const auto name = field.name_string();
    const auto value = field.value();
    out->append(name.data(), name.size());
    out->append(": ");
    out->append(value.data(), value.size());
    out->append("\r\n");
  }
  out->append("\r\n");
}

void strip_body_for_head(http_response* res) {
  // Content-Length already describes the GET body; keep it, drop the bytes.
  res->body().clear();
}

http_response link_not_found_response() {
  return error_response(http_status::not_found, error_message::kLinkNotFound);
}

}  // namespace linkly
