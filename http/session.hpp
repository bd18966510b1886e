#pragma once
// session: one HTTP/1.1 connection. Reads a request, hands it to the router,
// writes the answer, repeats while the connection is kept alive. One request
// at a time: the next is not read before the answer to the last is written.
//
// Threading: every method but deliver() runs on the worker's thread. The
// session lives as long as an operation (read, write, a command awaiting an
// actor's answer) holds a shared_ptr to it; its idle timer holds only a
// weak_ptr.

#include "http/responses.hpp"
#include "http/router.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace linkly {

class io_worker;

/// What the server shares with all its sessions; outlives each of them.
struct session_config {
  std::size_t max_body_bytes = 0;
  std::size_t max_header_bytes = 0;
  std::chrono::milliseconds idle_timeout{0};  // 0: never
  router_context router;
  std::atomic<std::size_t> open_connections{0};  // sessions not yet closed
  std::atomic<bool> stopping{false};
};

class session : public std::enable_shared_from_this<session> {
 public:
  /// The caller has counted the connection in `config->open_connections`;
  /// the session uncounts it when closed. `over_limit`: the server is past
  /// max_connections, so the first request is answered 503 and the
  /// connection closed.
  session(boost::asio::ip::tcp::socket socket, std::shared_ptr<io_worker> worker,
          std::shared_ptr<session_config> config, bool over_limit);
  ~session();

  void start();

  /// Server shutdown: closes the connection now if it is between requests,
  /// otherwise right after the answer to the current one.
  void shutdown();

  /// Closes the connection now. Idempotent.
  void close();

 private:
  enum class phase { reading, handling, writing, lingering, closed };

  void do_read();
  void on_read_header(boost::beast::error_code ec, std::size_t bytes);
  void on_continue(boost::beast::error_code ec, std::size_t bytes);
  void do_read_body();
  void on_read_body(boost::beast::error_code ec, std::size_t bytes);
  void on_read_error(boost::beast::error_code ec);
  void on_request();

  // Any thread: hands a response to the worker's thread.
  void deliver(http_response res);
  void respond(http_response res);
  // Answers an unreadable request, then closes.
  void fail(http_status status, std::string_view message);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);

  // After an error answer the client may still be sending (a body over the
  // limit): read and discard for a while, so closing does not reset the
  // connection before the client has read the answer.
  void do_linger();
  void on_linger(boost::beast::error_code ec, std::size_t bytes);

  void arm_timer();
  void on_timer(boost::beast::error_code ec);
  void uncount();

  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<io_worker> worker_;
  std::shared_ptr<session_config> config_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  http_response response_;
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_activity_;
  std::chrono::steady_clock::time_point request_start_;  // the current request's
  std::string remote_ip_;                                // the peer, read once when clicks are on
  phase phase_ = phase::reading;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool draining_ = false;  // close after the current answer
  bool linger_after_write_ = false;
  bool over_limit_ = false;
  bool counted_ = true;
  std::size_t lingered_bytes_ = 0;
};

}  // namespace linkly
