#pragma once
// server_state: what an http_server shares at run time with all its
// sessions: the router's context, the slots that cap streams and imports
// over all connections, and the counters stop() watches. Limits are not
// here: they are the server's server_options, read through `options`.

#include "http/router.hpp"
#include "http/server.hpp"
#include "http/sse_stream.hpp"

#include <atomic>
#include <cstddef>

namespace linkly {

struct server_state {
  /// `options` is the server's own. A session may outlive the server (an
  /// actor's late answer holds it), but only closed, and a closed session
  /// reads no option; the counters here stay valid as long as it lives.
  explicit server_state(const server_options& o) : options(o) {
    click_listeners.set_limit(o.max_click_listeners);
    event_streams.set_limit(o.max_event_streams);
    import_slots.set_limit(o.max_concurrent_imports);
  }
  server_state(const server_state&) = delete;
  server_state& operator=(const server_state&) = delete;

  const server_options& options;
  stream_slots click_listeners;  // /clicks/stream
  stream_slots event_streams;    // /events
  stream_slots import_slots;     // POST /links/import
  router_context router;
  std::atomic<std::size_t> open_connections{0};  // sessions not yet closed
  std::atomic<bool> stopping{false};
};

}  // namespace linkly
