#pragma once
// The router: maps one HTTP request to one response, without a socket, so
// every route can be tested by calling handle_request directly.
//
// Redirects and reads of a single link are answered from the read view on
// the calling (io) thread. Commands go to link_service; their answer comes
// later, on an actor thread, and is handed to `send` there.

#include "http/responses.hpp"

#include <functional>
#include <string>

namespace linkly {

class link_service;
class read_view;

struct router_context {
  /// Commands: create, update, delete, list, history. Null only in tests
  /// without an actor system; those routes then answer 503.
  link_service* links = nullptr;
  /// Redirects and GET /links/{code}. Null answers them 503.
  const read_view* view = nullptr;
  /// Base of `short_url` in answers, no trailing slash
  /// ("http://127.0.0.1:3111").
  std::string short_url_base;
};

/// Receives the response. Called exactly once per request.
using response_sender = std::function<void(http_response)>;

/// Answers `req` by calling `send` exactly once: before returning (redirects,
/// reads, validation errors, 404/405) or later from an actor thread once
/// link_service answers. In the later case `send` must only hand the
/// response over to the connection's own thread. Neither `req` nor `ctx`
/// need outlive the call. HEAD is answered as GET without the body.
void handle_request(const http_request& req, const router_context& ctx, response_sender send);

}  // namespace linkly
