#pragma once
// The live routes (API.md):
//   GET /clicks/summary          {"total","last_id"} from the clicks log head
//   GET /clicks/stream[?code=X]  SSE, one message per click, live, best effort
//   GET /events[?after=SEQ]      SSE of link events from the links log, durable
//
// The streams are answered through request_info::streams; a HEAD gets the
// stream's headers, no body, and Connection: close. A source that is not
// wired answers 503; so does a stream beyond its cap (router_context).

#include "http/router.hpp"
#include "http/routes.hpp"

#include <cstddef>
#include <string_view>

namespace linkly {

/// Events a /clicks/stream listener buffers between two writes; beyond
/// this, events are dropped for it (counted by its event_bus).
constexpr std::size_t kClickStreamBufferEvents = 1024;
/// Events /events reads from the log at once, so a client far behind takes
/// turns with the others on its io thread.
constexpr std::size_t kEventsReadChunkEvents = 256;
/// The `retry:` an /events stream starts with: how long an EventSource
/// waits before reconnecting after the stream ends.
constexpr unsigned kEventsRetryMs = 2'000;
/// The `event:` of the message that ends an /events stream whose next event
/// cannot be read (a damaged links log): data {"error","seq"}, no id.
constexpr std::string_view kEventsReadFailedEvent = "LogError";

void clicks_summary(const router_context& ctx, const response_sender& send);

void clicks_stream(const http_request& req, const route_match& match, const router_context& ctx,
                   const request_info& info, const response_sender& send);

void events_stream(const http_request& req, const route_match& match, const router_context& ctx,
                   const request_info& info, const response_sender& send);

}  // namespace linkly
