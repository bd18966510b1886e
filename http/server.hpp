#pragma once
// http_server: linkly's HTTP/1.1 front door (Boost.Beast), on its own
// io_context threads, one session per connection.
//
// Redirects are answered on the io thread from the read view; commands go to
// the link actors through link_service and their answers are posted back to
// the connection's thread. No io thread ever waits on an actor.
//
// Clicks: each io thread batches the clicks of its redirects and hands each
// batch to click_service in one call; stop() submits what is left.

#include "http/access_control.hpp"
#include "http/click_capture.hpp"
#include "http/read_sources.hpp"
#include "storage/status.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linkly {

class click_service;
class link_service;

/// Every limit of the server, named with its unit.
struct server_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 3111;  // 0 picks a free port (see http_server::port)
  std::size_t io_threads = 1;
  /// Largest accepted request body; a larger one gets 413.
  std::size_t max_body_bytes = 64 * 1024;
  /// Largest POST /links/import body, which is streamed, never held whole;
  /// a larger one gets 413. 0: no limit.
  std::uint64_t max_import_bytes = std::uint64_t{1} << 30;
  /// Largest accepted request line plus headers; larger gets 431. Also the
  /// most one chunk line, a body's chunk extensions in total, or its
  /// trailer section may take (431 beyond).
  std::size_t max_header_bytes = 8 * 1024;
  /// A connection that sends nothing for this long is closed. Also bounds
  /// how long one request may take to arrive.
  std::chrono::milliseconds idle_timeout{30'000};
  /// Longest a request body may take to arrive once its head is read (the
  /// whole body, however steadily it trickles); 408 and a close beyond.
  /// Also the time an import gets before its rate is checked. 0: no limit.
  std::chrono::milliseconds body_read_timeout{30'000};
  /// After body_read_timeout of waiting on the client, a POST /links/import
  /// body must have arrived at this many bytes per second of that waiting
  /// (time the server spends writing its batches does not count); slower
  /// gets 408 and a close, so trickling uploads cannot hold every import
  /// slot. 0: no minimum.
  std::uint64_t import_min_bytes_per_second = 16 * 1024;
  /// Open connections at most. One more takes the place of the connection
  /// idle longest on its io thread; with none idle it is answered 503 and
  /// closed. linkly serve lowers it to what the open-file limit holds.
  std::size_t max_connections = 10'000;
  /// How long stop() lets in-flight requests finish.
  std::chrono::milliseconds shutdown_grace{5'000};
  /// Base of `short_url` in answers, e.g. "https://lnk.example"; empty means
  /// "http://<host>:<port>".
  std::string public_url;
  /// Where a redirect goes (302) for a link outside its validity window or
  /// past its max_visits; empty: 404 {"error":"link not found"}. Normalised.
  std::string unavailable_redirect_url;
  /// Names besides localhost, 127.0.0.1, ::1, public_url's host and `host`
  /// that a request's Host (else 421) and a write's Origin (else 403) may
  /// carry; port ignored, case-blind. "*" accepts any Host (behind a proxy
  /// that rewrites it); Origin must then be named or match the Host.
  std::vector<std::string> allowed_hosts;
  /// Request headers a click's country and coordinates are read from.
  linkly::click_headers click_headers;
  /// An io thread hands its clicks over when it holds this many...
  std::size_t click_batch_max = 64;
  /// ...or this long after the first of them.
  std::chrono::microseconds click_batch_wait{1'000};
  /// Unwritten output one SSE stream may hold; a stream whose client stops
  /// reading is closed by the idle timeout instead of growing.
  std::size_t max_sse_buffer_bytes = 256 * 1024;
  /// A stream with nothing to say sends a `: keep-alive` comment this often.
  /// 0: never (a stalled stream is still closed by the idle timeout).
  std::chrono::milliseconds sse_keep_alive{15'000};
  /// Open /clicks/stream listeners; one more is answered 503.
  std::size_t max_click_listeners = 256;
  /// Open /events streams; one more is answered 503.
  std::size_t max_event_streams = 256;
  /// POST /links/import bodies read at once, over all connections; one more
  /// is answered 503. Each holds a few batches of rows in memory
  /// (import_stream.hpp), so the total stays bounded.
  std::size_t max_concurrent_imports = 4;
  /// Bytes of an import body one read hands to the CSV parser (a buffer of
  /// this size per import in progress).
  std::size_t import_chunk_bytes = 64 * 1024;
  /// Most one socket read adds to a connection's read buffer (a request
  /// head arriving, or bytes read only to be discarded); the buffer itself
  /// never exceeds max_header_bytes.
  std::size_t read_chunk_bytes = 16 * 1024;
  /// After an error answer the client may still be sending (a body over a
  /// limit): the connection reads and discards up to this many bytes...
  std::size_t max_linger_bytes = std::size_t{1} << 20;
  /// ...for at most this long, so that closing does not reset the
  /// connection before the client has read the answer.
  std::chrono::milliseconds max_linger{2'000};
  /// The API token and login sessions; no token: every route is open.
  access_options auth;
  /// Serve with no API token on an address other machines can reach. Off,
  /// such a start is refused: anyone on the network could write.
  bool trusted_network = false;
};

/// Why `options` must not be served as they are (no API token on a
/// non-loopback address, and the network not declared trusted), or nullopt.
std::optional<std::string> exposure_problem(const server_options& options);

/// The `short_url` base for `options` bound to `port`: public_url without
/// its trailing slashes, else "http://HOST:PORT", where an unspecified
/// listen address (0.0.0.0, ::) is replaced by this machine's host name, as
/// clients cannot reach the former.
std::string short_url_base(const server_options& options, std::uint16_t port);

class http_server {
 public:
  /// `clicks` null: redirects record no click, /admin/dlq answers 503.
  /// Both services must outlive the server (its stop()).
  http_server(const server_options& options, link_service& links, click_service* clicks = nullptr,
              read_sources sources = {});
  ~http_server();  // stop()s if still running

  /// Binds and starts the io threads. After it returns ok, port() is bound.
  /// Refuses (invalid_argument) a configured token that token_problem()
  /// rejects.
  status start();

  /// The bound port (useful with port 0).
  std::uint16_t port() const;

  /// Stops accepting, lets in-flight requests finish (up to shutdown_grace),
  /// closes every connection, submits every click still batched and joins
  /// the io threads. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace linkly
