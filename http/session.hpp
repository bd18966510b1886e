#pragma once
// session: one HTTP/1.1 connection. Reads a request, hands it to the router,
// writes the answer, repeats while the connection is kept alive. One request
// at a time: the next is not read before the answer to the last is written.
//
// Two kinds of request hand the connection to an object of their own for a
// while: POST /links/import to an import_upload (import_upload.hpp), which
// streams the body into batches, and a stream route to an sse_pump
// (sse_pump.hpp), which carries Server-Sent Events until the stream ends.
// The session keeps the socket, its read buffer, the answer, the timer and
// the connection's phase; the helpers work through it.
//
// Threading: every method but deliver() runs on the worker's thread.
// Lifetimes as in Beast's session-per-connection: each object lives as long
// as an operation (read, write, a command awaiting an actor's answer) holds
// a shared_ptr to it; a helper holds its session, the session's timer and
// the session's view of its helpers are weak.
//
// Limits are the server's server_options (server.hpp), never copied.

#include "http/admission.hpp"
#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace linkly {

/// The interim answer to `Expect: 100-continue`, sent once a head is
/// admitted (by the session, or by an import upload that took over).
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

class import_upload;
class io_worker;
class sse_pump;
struct server_options;
struct server_state;

class session : public std::enable_shared_from_this<session>,
                private stream_opener,
                private response_target {
 public:
  /// The caller has counted the connection in `state->open_connections`;
  /// the session uncounts it when closed.
  session(boost::asio::ip::tcp::socket socket, std::shared_ptr<io_worker> worker,
          std::shared_ptr<server_state> state);
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
  // The helpers move the connection's bytes while they hold it.
  friend class import_upload;
  friend class sse_pump;

  enum class phase { reading, handling, writing, lingering, streaming, closed };

  // What reading the current request has found: fresh for each request.
  struct request_read {
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser;
    std::optional<admission> admitted;  // once the head is read
    // The head's body is being read (not an import): since when.
    bool reading_body = false;
    std::chrono::steady_clock::time_point body_start;
    // Set when the timer cancelled a body read: its handler answers 408.
    std::optional<std::string> timed_out;
    // Chunk-extension bytes; a flood is refused.
    std::size_t chunk_meta_bytes = 0;
    bool chunk_meta_over = false;
  };

  // Reading a request (session_read.cpp).
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
  void on_continue(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read_body(boost::beast::error_code ec, std::size_t bytes);
  void on_read_error(boost::beast::error_code ec);
  // POST /links/import: hands the admitted head to an import_upload.
  // `body_limit` 0: no limit.
  void start_import(std::uint64_t body_limit);
  void on_request();

  // Answering (session.cpp). Any thread: hands a response to the worker's
  // thread. The router's response_sender calls it (response_target).
  void deliver(http_response res) override;
  void respond(http_response res);
  // Answers an unreadable request, then closes.
  void fail(http_status status, std::string_view message);
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

  // Called by the router, on this thread, before handle_request returns:
  // hands the connection to an sse_pump once the source has started. If
  // starting throws, nothing has changed and on_request answers 500.
  void open_stream(std::shared_ptr<sse_source> source) override;

  // One coarse timer: idle timeout, body deadlines, linger, a stream's pace.
  void arm_timer();
  void on_timer(boost::beast::error_code ec);
  // A body (or import) read that took too long: cancels it; the read's
  // handler then answers 408.
  void time_out_body(std::string_view message);
  void uncount();

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<io_worker> worker_;
  std::shared_ptr<server_state> state_;  // holds the counters uncount() needs
  const server_options& options_;        // state_->options
  boost::beast::flat_buffer buffer_;
  request_read req_;
  http_response response_;
  std::string head_;  // response_'s header on the wire, reused between answers
  // While importing or streaming; the helper owns itself.
  std::weak_ptr<import_upload> import_;
  std::weak_ptr<sse_pump> stream_;
  std::function<void(std::uint64_t, boost::beast::string_view, boost::beast::error_code&)>
      chunk_header_cb_;
  boost::asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;  // a re-armed timer ignores older waits
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
