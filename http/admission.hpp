#pragma once
// admission: what a request's head alone decides. The session calls admit()
// as soon as the request line and headers are read, before any body byte is
// read and before `100 Continue` is sent, so a refused request costs the
// server its header and nothing more: route, method, Host, Origin, auth,
// content type and the declared body length are all settled here.

#include "http/responses.hpp"
#include "http/routes.hpp"

#include <cstdint>
#include <optional>

namespace linkly {

struct router_context;

/// How a route takes its request body.
enum class body_kind {
  none,        // no body expected; one that comes is read (up to the small limit) and ignored
  json,        // application/json, read whole, at most max_body_bytes
  csv_stream,  // text/csv, streamed in chunks (POST /links/import), at most max_import_bytes
};

struct admission {
  /// Set: answer this, close the connection, and never read the body.
  std::optional<http_response> refusal;
  route_id route = route_id::not_found;
  body_kind body = body_kind::none;
  /// The most body bytes this request may send (0: no limit, csv_stream only).
  std::uint64_t body_limit = 0;
};

/// Limits admit() applies to declared lengths (server_options names them).
struct admission_limits {
  std::uint64_t max_body_bytes = 64 * 1024;
  std::uint64_t max_import_bytes = std::uint64_t{1} << 30;  // 0: no limit
};

/// Decides `head` (a request whose body has not been read; its body() is
/// empty). Never reads or blocks; thread-safe as long as ctx is.
admission admit(const http_request& head, const router_context& ctx,
                const admission_limits& limits);

}  // namespace linkly
