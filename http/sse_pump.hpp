#pragma once
// sse_pump: carries a Server-Sent Events stream (sse_stream.hpp) on a
// connection whose request a stream route answered. It pulls from the
// source when woken, writes what fits, sends keep-alive comments on the
// session's timer ticks, and watches the socket only to notice the client
// leaving. The connection is not reused after it.
//
// Lives, like its session, as long as an operation holds it (a write, the
// watching read, a posted turn); it holds its session, which sees it weakly.

#include "http/sse_stream.hpp"

#include <boost/beast/core/error.hpp>

#include <cstddef>
#include <memory>

namespace linkly {

class session;

class sse_pump : public std::enable_shared_from_this<sse_pump> {
 public:
  sse_pump(std::shared_ptr<session> conn, std::shared_ptr<sse_source> source);

  /// Starts the source and queues the stream's header. May throw (the
  /// source failed to start); nothing has been sent then.
  void start(unsigned version);

  /// Once the session is streaming: writes what is there and starts
  /// watching the socket.
  void run();

  /// A tick of the session's timer: a quiet stream gets a keep-alive
  /// comment; a write stuck for the idle timeout closes the connection.
  void on_tick();

  /// The connection closed: the source (its subscription, its listener
  /// slot) ends now; the buffers stay while a cancelled write names them.
  void stop() { stream_.stop(); }

 private:
  bool streaming() const;
  void on_wake();
  // Pulls what fits, starts a write if none is in flight, and takes another
  // turn later (not now) when the source has more than one pull gave.
  void pump();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  // Reads (and discards) only to notice the client leaving.
  void do_watch();
  void on_watch(boost::beast::error_code ec, std::size_t bytes);

  std::shared_ptr<session> conn_;
  sse_stream stream_;
  bool turn_posted_ = false;
};

}  // namespace linkly
