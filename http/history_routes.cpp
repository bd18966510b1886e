#include "http/history_routes.hpp"

#include "actors/link_service.hpp"
#include "http/error_messages.hpp"
#include "http/link_json.hpp"
#include "http/reply_response.hpp"
#include "schemas/link_rules.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace linkly {

bool parse_history_cursor(const std::string& raw, std::uint64_t* out, std::string* error) {
  if (raw.empty()) {
    *out = 0;
    return true;
  }
  std::uint64_t value = 0;
  bool digits = std::all_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    auto r = std::from_chars(raw.data(), raw.data() + raw.size(), value);
    digits = r.ec == std::errc() && r.ptr == raw.data() + raw.size();
  }
  if (!digits) {
    *error = "invalid after: use the \"next\" of the previous page (a links log sequence number)";
    return false;
  }
  *out = value;
  return true;
}

void history_route(route_match match, const router_context& ctx, response_sender send) {
  std::size_t limit = 0;
  std::uint64_t after = 0;
  std::string error;
  if (!parse_limit(match.limit, &limit, &error) ||
      !parse_history_cursor(match.after, &after, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  if (!is_code_syntax(match.code)) {
    return send(error_response(http_status::not_found, error_message::kLinkNotFound));
  }
  if (ctx.links == nullptr) {
    return send(error_response(http_status::service_unavailable, error_message::kUnavailable));
  }
  std::string code = match.code;
  ctx.links->history(std::move(match.code), after, limit,
                     [send = std::move(send), code = std::move(code)](history_reply reply) {
                       if (!reply.ok()) return send(reply_error_response(reply));
                       send(json_response(http_status::ok, history_json(code, reply)));
                     });
}

}  // namespace linkly
