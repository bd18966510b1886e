#include "http/sse_pump.hpp"

#include "http/io_worker.hpp"
#include "http/server.hpp"
#include "http/session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>

namespace linkly {

namespace net = boost::asio;
namespace beast = boost::beast;
using steady = std::chrono::steady_clock;

sse_pump::sse_pump(std::shared_ptr<session> conn, std::shared_ptr<sse_source> source)
    : conn_(std::move(conn)), stream_(std::move(source), conn_->options_.max_sse_buffer_bytes) {}

bool sse_pump::streaming() const {
  return conn_->phase_ == session::phase::streaming;
}

void sse_pump::start(unsigned version) {
  // Runs on a publishing thread: only posts, and holds the pump weakly so
  // that thread never destroys it. A wake before the session is streaming
  // is posted, so it runs after open_stream returns.
  auto wake = [weak = weak_from_this(), worker = conn_->worker_] {
    worker->post([weak] {
      if (auto self = weak.lock()) self->on_wake();
    });
  };
  stream_.start(version, std::move(wake));
}

void sse_pump::run() {
  pump();
  do_watch();
}

void sse_pump::on_wake() {
  if (!streaming()) return;
  stream_.notify();
  pump();
}

void sse_pump::pump() {
  if (!streaming()) return;
  bool again = stream_.fill();
  if (!stream_.writing()) {
    if (stream_.finished()) return conn_->close();
    const std::string& out = stream_.begin_write();
    if (!out.empty()) {
      net::async_write(conn_->socket_, net::buffer(out),
                       beast::bind_front_handler(&sse_pump::on_write, shared_from_this()));
    }
  }
  if (again && !turn_posted_) {
    turn_posted_ = true;
    net::post(conn_->socket_.get_executor(), [self = shared_from_this()] {
      self->turn_posted_ = false;
      self->pump();
    });
  }
}

void sse_pump::on_write(beast::error_code ec, std::size_t) {
  if (!streaming()) return;
  if (ec) return conn_->close();
  stream_.end_write();
  conn_->last_activity_ = steady::now();
  pump();
}

void sse_pump::do_watch() {
  conn_->buffer_.clear();
  conn_->socket_.async_read_some(
      conn_->discard_space(), beast::bind_front_handler(&sse_pump::on_watch, shared_from_this()));
}

void sse_pump::on_watch(beast::error_code ec, std::size_t) {
  if (!streaming()) return;
  if (ec) return conn_->close();  // the client went away
  do_watch();
}

// A write that has not completed for the idle timeout means the client
// stopped reading: the stream is closed rather than left holding its buffer.
void sse_pump::on_tick() {
  const server_options& options = conn_->options_;
  auto quiet = steady::now() - conn_->last_activity_;
  if (stream_.writing()) {
    if (options.idle_timeout.count() > 0 && quiet >= options.idle_timeout) conn_->close();
  } else if (options.sse_keep_alive.count() > 0 && quiet >= options.sse_keep_alive) {
    stream_.queue_keep_alive();
    pump();
  }
}

}  // namespace linkly
