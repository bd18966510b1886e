#pragma once
// session: one HTTP/1.1 connection. Reads a request, hands it to the router,
// writes the answer, repeats while the connection is kept alive. One request
// at a time: the next is not read before the answer to the last is written.
// A route may answer with a Server-Sent Events stream instead
// (sse_stream.hpp): the connection then carries that stream until the source
// ends, the client goes away or stops reading, or the server stops.
//
// Threading: every method but deliver() runs on the worker's thread. The
// session lives as long as an operation (read, write, a command awaiting an
// actor's answer) holds a shared_ptr to it; its idle timer holds only a
// weak_ptr.

#include "http/admission.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"
#include "http/sse_stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace linkly {

class import_stream;
class io_worker;
struct import_reply;

/// POST /links/import bodies read at once, over all sessions (503 beyond):
/// each holds a few batches of rows, so the total stays bounded.
constexpr std::size_t kMaxConcurrentImports = 4;

/// What the server shares with all its sessions; outlives each of them.
struct session_config {
  session_config() { import_slots.set_limit(kMaxConcurrentImports); }

  std::size_t max_header_bytes = 0;
  std::chrono::milliseconds idle_timeout{0};       // 0: never
  std::chrono::milliseconds body_read_timeout{0};  // 0: never
  std::uint64_t import_min_bytes_per_second = 0;   // 0: no minimum
  std::size_t max_sse_buffer_bytes = 256 * 1024;
  std::chrono::milliseconds sse_keep_alive{15'000};
  stream_slots click_listeners;  // /clicks/stream, over all sessions
  stream_slots event_streams;    // /events, over all sessions
  stream_slots import_slots;     // POST /links/import, over all sessions
  router_context router;
  std::atomic<std::size_t> open_connections{0};  // sessions not yet closed
  std::atomic<bool> stopping{false};
};

class session : public std::enable_shared_from_this<session>, private stream_opener {
 public:
  /// The caller has counted the connection in `config->open_connections`;
  /// the session uncounts it when closed.
  session(boost::asio::ip::tcp::socket socket, std::shared_ptr<io_worker> worker,
          std::shared_ptr<session_config> config);
  ~session();

  /// `over_limit`: the server is past max_connections even after closing an
  /// idle connection, so the connection is answered 503 at once, without
  /// reading a request, and closed.
  void start(bool over_limit = false);

  /// Between requests with nothing of the next one read: closing it now
  /// loses nothing a client sent.
  bool idle() const;

  /// When the connection last completed a read or write.
  std::chrono::steady_clock::time_point last_activity() const { return last_activity_; }

  /// Server shutdown: closes the connection now if it is streaming or
  /// between requests with none arriving, otherwise right after the answer
  /// (with Connection: close) to the request it is reading or handling.
  void shutdown();

  /// Closes the connection now. Idempotent.
  void close();

 private:
  enum class phase { reading, handling, writing, lingering, streaming, closed };

  void do_read();
  // Bytes of a next request are buffered or readable from the socket now.
  bool request_waiting();
  // The head is read here, not by Beast's read: its raw bytes are looked at
  // (obs-fold) before the parser takes them.
  void do_read_head();
  void on_read_head(boost::beast::error_code ec, std::size_t bytes);
  void on_read_header();
  // Counts a chunk's extensions against the request's metadata budget.
  void on_chunk_header(std::uint64_t size, boost::beast::string_view extensions,
                       boost::beast::error_code& ec);
  // A body (or import) read that took too long: cancels it; the read's
  // handler then answers 408.
  void time_out_body(std::string_view message);
  bool body_too_slow(std::chrono::steady_clock::time_point now) const;
  void on_continue(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read_body(boost::beast::error_code ec, std::size_t bytes);
  void on_read_error(boost::beast::error_code ec);
  void on_request();

  // POST /links/import (session_import.cpp): the body is read in chunks
  // into an import_stream, its batches go to link_service one at a time,
  // and reading pauses while a full batch waits behind the one in flight.
  // Admission has passed the head; `body_limit` 0: no limit.
  void start_import(std::uint64_t body_limit);
  void do_import_read();
  // Body bytes the read in progress (or just ended) has put in import_chunk_.
  std::size_t import_read_bytes() const;
  void on_import_read(boost::beast::error_code ec, std::size_t bytes);
  void pump_import();
  void on_import_batch(std::uint64_t id, import_reply reply);
  void finish_import();

  // Any thread: hands a response to the worker's thread.
  void deliver(http_response res);
  void respond(http_response res);
  // Answers an unreadable request, then closes.
  void fail(http_status status, std::string_view message);
  // Answers a read that failed on the body's framing or size, then closes.
  void fail_body_read(boost::beast::error_code ec);
  // Answers a request whose body is (partly) unread, then closes.
  void refuse(http_response res);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);

  // After an error answer the client may still be sending (a body over the
  // limit): read and discard for a while, so closing does not reset the
  // connection before the client has read the answer.
  void do_linger();
  // Room in buffer_ for a read whose bytes are discarded.
  boost::beast::flat_buffer::mutable_buffers_type discard_space();
  void on_linger(boost::beast::error_code ec, std::size_t bytes);

  // Server-Sent Events. open_stream is called by the router, on this
  // thread, before handle_request returns. The session is streaming only
  // once the source has started; if starting throws, nothing has changed
  // and on_request answers 500.
  void open_stream(std::shared_ptr<sse_source> source) override;
  void on_stream_wake();
  void pump_stream();
  void on_stream_write(boost::beast::error_code ec, std::size_t bytes);
  // Reads (and discards) while streaming, only to notice the client leaving.
  void do_stream_watch();
  void on_stream_watch(boost::beast::error_code ec, std::size_t bytes);
  void on_stream_timer();

  void arm_timer();
  void on_timer(boost::beast::error_code ec);
  void uncount();

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<io_worker> worker_;
  std::shared_ptr<session_config> config_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<admission> admitted_;  // the current request's, once its head is read
  http_response response_;
  std::string head_;                       // response_'s header on the wire, reused between answers
  std::unique_ptr<import_stream> import_;  // while importing
  std::optional<boost::beast::http::request_parser<boost::beast::http::buffer_body>> import_parser_;
  std::unique_ptr<char[]> import_chunk_;
  std::unique_ptr<stream_slots::slot> import_slot_;  // held from start to answer
  bool import_reading_ = false;
  std::uint64_t import_bytes_ = 0;  // body bytes of the current import
  // Time the import has waited on the client (not on the log), and when
  // the read in progress began.
  std::chrono::steady_clock::duration import_wait_{};
  std::chrono::steady_clock::time_point import_read_start_;
  // The head's body is being read (not an import): since when.
  bool reading_body_ = false;
  std::chrono::steady_clock::time_point body_start_;
  // Set when the timer cancelled a body read: its handler answers 408.
  std::optional<std::string> timed_out_;
  // Chunk-extension bytes of the current request; a flood is refused.
  std::size_t chunk_meta_bytes_ = 0;
  bool chunk_meta_over_ = false;
  std::function<void(std::uint64_t, boost::beast::string_view, boost::beast::error_code&)>
      chunk_header_cb_;
  boost::asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;  // a re-armed timer ignores older waits
  std::unique_ptr<sse_stream> stream_;  // while streaming
  bool stream_turn_posted_ = false;
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::steady_clock::time_point request_start_;  // the current request's
  std::string client_address_;  // the peer, truncated, read once when clicks are on
  phase phase_ = phase::reading;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool draining_ = false;  // close after the current answer
  bool linger_after_write_ = false;
  bool counted_ = true;
  std::size_t lingered_bytes_ = 0;
};

}  // namespace linkly
