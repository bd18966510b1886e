#pragma once
// The router: maps one HTTP request to one response, without a socket, so
// every route can be tested by calling handle_request directly.
//
// Redirects and reads of a single link are answered from the read view on
// the calling (io) thread. Commands go to link_service; their answer comes
// later, on an actor thread, and is handed to `send` there.
//
// A GET redirect records a click (API.md): in queued mode it is handed to
// the io thread's click batcher and the 302 goes at once; in inline_write
// mode the 302 goes once click_service has written it (or failed to: a
// redirect never fails because of clicks).

#include "http/admission.hpp"
#include "http/click_capture.hpp"
#include "http/host_allowlist.hpp"
#include "http/read_sources.hpp"
#include "http/responses.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace linkly {

class access_control;
class click_batcher;
class io_worker;
class click_service;
class link_service;
class read_view;
class sse_source;
class stream_slots;
struct http_metrics;

struct router_context {
  /// Commands: create, update, delete, list, history. Null only in tests
  /// without an actor system; those routes then answer 503.
  link_service* links = nullptr;
  /// Redirects and GET /links/{code}. Null answers them 503.
  const read_view* view = nullptr;
  /// Base of `short_url` in answers, no trailing slash
  /// ("http://127.0.0.1:3111").
  std::string short_url_base;
  /// server_options::unavailable_redirect_url ("" : such redirects are 404).
  std::string unavailable_redirect_url;
  /// The click path. Null: no click is recorded and /admin/dlq answers 503.
  click_service* clicks = nullptr;
  /// Where a click's country and coordinates come from.
  linkly::click_headers click_headers;
  /// Counts redirects and is rendered by /metrics. Null: not counted.
  http_metrics* metrics = nullptr;
  /// Analytics, logs and live feeds (server.hpp).
  read_sources sources;
  /// Caps the /clicks/stream listeners of the whole server. Null: no cap.
  stream_slots* click_listeners = nullptr;
  /// Caps the /events streams of the whole server. Null: no cap.
  stream_slots* event_streams = nullptr;
  /// Token auth and login sessions (http/auth.hpp). Null or disabled: every
  /// route is open. Not owned; thread-safe.
  access_control* access = nullptr;
  /// The names a request's Host and a write's Origin may carry. Default:
  /// the loopback names only; the server adds its own (server.cpp).
  host_allowlist hosts;
  /// The body limits admit() checks declared lengths against when
  /// handle_request admits a request itself.
  admission_limits limits;
};

/// Turns the current request's connection into a Server-Sent Events stream
/// (http/sse_stream.hpp). Implemented by the session.
class stream_opener {
 public:
  /// Answers the request with a stream from `source` instead of a response.
  /// On this (the io) thread, before handle_request returns. May throw if
  /// the source fails to start; the request is then still unanswered.
  virtual void open_stream(std::shared_ptr<sse_source> source) = 0;

 protected:
  ~stream_opener() = default;
};

/// What the router knows of one request beyond its message; the session
/// fills it in, tests may leave it empty.
struct request_info {
  /// The peer's address as a click stores it: already truncated
  /// (truncate_client_address), once per connection rather than per click.
  std::string_view client_address;
  /// The io thread's click batcher. Null: each queued click is submitted to
  /// click_service on its own.
  click_batcher* batcher = nullptr;
  /// Not owned; outlives the call. A stream route calls either
  /// streams->open_stream or `send`, once. Null: streams are not possible
  /// (the route answers 503). A plain pointer, so a redirect pays nothing.
  stream_opener* streams = nullptr;
  /// The connection's io thread. A route that must read a store after an
  /// actor answered (a page's click totals) posts that work here, as actor
  /// threads never block. Null: done where the answer arrives (tests).
  io_worker* worker = nullptr;
  /// The request's admission when the session already ran admit() on its
  /// head (and answered any refusal): handle_request then dispatches on it
  /// instead of deciding again. Null: handle_request admits the request
  /// itself (tests, and refusals are then answered here).
  const admission* admitted = nullptr;
};

/// Where a connection takes its answers (the session). Implemented by the
/// session, kept alive by the response_sender holding it.
class response_target {
 public:
  /// Any thread: hands `res` over to the connection's own thread.
  virtual void deliver(http_response res) = 0;

 protected:
  ~response_target() = default;
};

/// Receives the response. Called exactly once per request. Either a
/// connection (a counted reference: making one allocates nothing, so a
/// redirect pays no allocation for it) or any callable (tests, and a route
/// that wraps an answer). Copyable: a route that answers later keeps one.
class response_sender {
 public:
  response_sender() = default;
  explicit response_sender(std::shared_ptr<response_target> target) : target_(std::move(target)) {}
  template <class Fn, class = std::enable_if_t<!std::is_same_v<std::decay_t<Fn>, response_sender> &&
                                               std::is_invocable_v<Fn&, http_response>>>
  response_sender(Fn&& fn) : fn_(std::forward<Fn>(fn)) {}  // NOLINT: as std::function converts

  void operator()(http_response res) const {
    if (strip_body_) strip_body_for_head(&res);
    if (target_) return target_->deliver(std::move(res));
    fn_(std::move(res));
  }

  /// A HEAD request: what is sent loses its body (strip_body_for_head).
  void strip_body() { strip_body_ = true; }

 private:
  std::shared_ptr<response_target> target_;
  std::function<void(http_response)> fn_;
  bool strip_body_ = false;
};

/// Answers `req` by calling `send` exactly once: before returning (redirects,
/// reads, validation errors, 404/405) or later from an actor thread once
/// link_service answers. In the later case `send` must only hand the
/// response over to the connection's own thread. Neither `req` nor `ctx`
/// need outlive the call. What a request's head decides (404, 405, 421, 403,
/// 401, 415; admission.hpp) comes first, from admit() unless
/// info.admitted carries its result. HEAD is answered as GET without the body. The
/// stream routes call info.streams->open_stream instead of `send`, before returning.
void handle_request(const http_request& req, const router_context& ctx, response_sender send,
                    const request_info& info = {});

}  // namespace linkly
