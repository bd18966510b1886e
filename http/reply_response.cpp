#include "http/reply_response.hpp"

#include "http/error_messages.hpp"

#include <string>
#include <string_view>

namespace linkly {

namespace {

// Only for a reply that carries no reason of its own.
std::string_view generic_reason(reply_code code) {
  switch (code) {
    case reply_code::ok:
      return "ok";
    case reply_code::invalid:
      return "invalid request";
    case reply_code::not_found:
      return "not found";
    case reply_code::conflict:
      return "code already taken";
    case reply_code::unavailable:
      return error_message::kUnavailable;
  }
  return error_message::kInternalError;
}

}  // namespace

http_status http_status_for(reply_code code) {
  switch (code) {
    case reply_code::ok:
      return http_status::ok;
    case reply_code::invalid:
      return http_status::bad_request;
    case reply_code::not_found:
      return http_status::not_found;
    case reply_code::conflict:
      return http_status::conflict;
    case reply_code::unavailable:
      return http_status::service_unavailable;
  }
  return http_status::internal_server_error;
}

http_response reply_error_response(const reply_status& reply) {
  std::string_view reason = reply.error.empty() ? generic_reason(reply.code) : reply.error;
  return error_response(http_status_for(reply.code), reason);
}

http_response write_error_response(const reply_status& reply, bool clustered) {
  http_response res = reply_error_response(reply);
  if (clustered && res.result() == http_status::service_unavailable) {
    res.set(boost::beast::http::field::retry_after, std::to_string(kClusterWriteRetryAfterSeconds));
  }
  return res;
}

}  // namespace linkly
