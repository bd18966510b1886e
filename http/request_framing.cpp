#include "http/request_framing.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace linkly {

namespace beast = boost::beast;
namespace http = beast::http;

std::optional<framing_refusal> check_framing(const http_request& head) {
  if (head.count(http::field::host) > 1) {
    return framing_refusal{http_status::bad_request, "more than one Host header"};
  }
  if (head.version() >= 11 && head.count(http::field::host) == 0) {
    return framing_refusal{http_status::bad_request, "missing Host header"};
  }
  if (head.count(http::field::transfer_encoding) == 0) return std::nullopt;
  if (head.count(http::field::content_length) > 0) {
    return framing_refusal{http_status::bad_request, "Transfer-Encoding with Content-Length"};
  }
  if (head.version() < 11) {
    return framing_refusal{http_status::bad_request, "Transfer-Encoding on HTTP/1.0"};
  }
  // Every Transfer-Encoding line, as one list: exactly one coding, chunked.
  std::size_t codings = 0;
  std::size_t chunked = 0;
  for (auto it = head.find(http::field::transfer_encoding);
       it != head.end() && it->name() == http::field::transfer_encoding; ++it) {
    for (auto coding : http::token_list{it->value()}) {
      ++codings;
      if (beast::iequals(coding, "chunked")) ++chunked;
    }
  }
  if (codings == chunked && chunked == 1) return std::nullopt;
  if (codings == chunked) {
    return framing_refusal{http_status::bad_request, "chunked applied more than once"};
  }
  return framing_refusal{http_status::not_implemented, "unsupported transfer coding"};
}

bool has_obs_fold(std::string_view raw_head) {
  // The head ends at the first empty line; what follows is body.
  auto end = raw_head.find("\r\n\r\n");
  if (end != std::string_view::npos) raw_head = raw_head.substr(0, end + 2);
  for (auto at = raw_head.find("\r\n"); at != std::string_view::npos;
       at = raw_head.find("\r\n", at + 2)) {
    if (at + 2 >= raw_head.size()) break;
    char next = raw_head[at + 2];
    if (next == ' ' || next == '\t') return true;
  }
  return false;
}

}  // namespace linkly
