#pragma once
// The one place a service's reply_status becomes an HTTP answer: its code
// picks the status, its reason is the {"error": ...} body (API.md).

#include "http/responses.hpp"
#include "schemas/reply_status.hpp"

namespace linkly {

/// ok 200, invalid 400, not_found 404, conflict 409, unavailable 503.
http_status http_status_for(reply_code code);

/// The error answer to a failed reply: {"error": reply.error}, or a generic
/// reason for its code when the service gave none.
http_response reply_error_response(const reply_status& reply);

/// Seconds a cluster node's 503 to a link write asks the client to wait
/// (Retry-After): the write met a stream leader election or an unknown
/// outcome, which the next try a second later usually does not.
inline constexpr int kClusterWriteRetryAfterSeconds = 1;

/// reply_error_response for a link write (create, update, delete); in
/// cluster mode (`clustered`) a 503 carries Retry-After:
/// kClusterWriteRetryAfterSeconds.
http_response write_error_response(const reply_status& reply, bool clustered);

}  // namespace linkly
