// The session's life (start, shutdown, close), its answers, its lingering
// after an error answer and its timer. Reading a request: session_read.cpp.

#include "http/session.hpp"

#include "http/import_upload.hpp"
#include "http/io_worker.hpp"
#include "http/metrics.hpp"
#include "http/server_state.hpp"
#include "http/sse_pump.hpp"
#include "schemas/click_events.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>

namespace linkly {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using steady = std::chrono::steady_clock;

namespace {

// buffer_ never holds less than this, whatever max_header_bytes says: a
// floor under that limit, so a tiny setting still reads a request line.
constexpr std::size_t kMinReadBufferBytes = 1024;

}  // namespace

session::session(net::ip::tcp::socket socket, std::shared_ptr<io_worker> worker,
                 std::shared_ptr<server_state> state)
    : socket_(std::move(socket)),
      worker_(std::move(worker)),
      state_(std::move(state)),
      options_(state_->options),
      timer_(socket_.get_executor()) {
  // A request head, a chunk line or a trailer section waits whole in buffer_
  // until parsed; none may be larger than a head, so neither may buffer_.
  buffer_.max_size(std::max(options_.max_header_bytes, kMinReadBufferBytes));
  chunk_header_cb_ = [this](std::uint64_t size, beast::string_view ext, beast::error_code& ec) {
    on_chunk_header(size, ext, ec);
  };
}

session::~session() {
  if (phase_ != phase::closed) {
    worker_->sessions().erase(this);
    uncount();
  }
}

void session::start(bool over_limit) {
  worker_->sessions().insert(this);
  if (state_->router.clicks != nullptr) {
    beast::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) client_address_ = truncate_client_address(peer.address().to_string());
  }
  if (state_->stopping.load(std::memory_order_acquire)) draining_ = true;
  last_activity_ = steady::now();
  arm_timer();
  if (over_limit) {
    return refuse(error_response(http_status::service_unavailable, "too many connections"));
  }
  do_read();
}

bool session::idle() const {
  return phase_ == phase::reading && buffer_.size() == 0 &&
         !(req_.parser && req_.parser->got_some()) && import_.expired();
}

void session::shutdown() {
  draining_ = true;
  if (phase_ == phase::streaming) return close();
  // Between requests, a request may still be on its way in: its bytes in
  // the kernel, or read with the read's handler queued behind this call.
  // Cancelling the read settles which: a completed read still runs with its
  // bytes (answered with Connection: close), a pending one ends aborted and
  // on_read_head closes unless bytes have arrived.
  if (idle()) {
    beast::error_code ec;
    socket_.cancel(ec);
    if (ec) close();
  }
}

void session::close() {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  beast::error_code ec;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
  if (auto upload = import_.lock()) upload->release_slot();
  if (auto pump = stream_.lock()) pump->stop();
  worker_->sessions().erase(this);
  uncount();
}

void session::uncount() {
  if (!counted_) return;
  counted_ = false;
  state_->open_connections.fetch_sub(1, std::memory_order_acq_rel);
}

void session::time_out_body(std::string_view message) {
  req_.timed_out = std::string(message);
  if (auto upload = import_.lock()) upload->time_out(*req_.timed_out);
  beast::error_code ignored;
  socket_.cancel(ignored);  // the read's handler answers
}

void session::deliver(http_response res) {
  if (worker_->context().get_executor().running_in_this_thread()) return respond(std::move(res));
  // From an actor thread: only hand over. A late answer after shutdown is
  // dropped with the closure.
  worker_->post([self = shared_from_this(), res = std::move(res)]() mutable {
    self->respond(std::move(res));
  });
}

void session::respond(http_response res) {
  if (phase_ != phase::handling) return;  // closed meanwhile
  if (res.result() == http_status::found && state_->router.metrics != nullptr) {
    state_->router.metrics->redirect_duration.observe(steady::now() - request_start_);
  }
  // Only ever downgrades: a response that closes (a stream's HEAD) stays so.
  // Draining, the connection stays open only for requests already sent
  // (pipelined): the answer to the last of them says Connection: close.
  bool route_keeps_alive = res.keep_alive();
  res.version(version_);
  res.keep_alive(route_keeps_alive && keep_alive_ && !(draining_ && !request_waiting()));
  response_ = std::move(res);
  do_write();
}

void session::fail(http_status status, std::string_view message) {
  http_response res = error_response(status, message);
  if (req_.parser && req_.parser->is_header_done()) {
    version_ = req_.parser->get().version();
    if (req_.parser->get().method() == http::verb::head) strip_body_for_head(&res);
  }
  refuse(std::move(res));
}

void session::refuse(http_response res) {
  keep_alive_ = false;
  linger_after_write_ = true;
  phase_ = phase::handling;
  respond(std::move(res));
}

// linkly's answers carry a Content-Length: their header is formatted in one
// pass and goes out with the body in one gathered write. Beast's general
// serializer cost more than the rest of a redirect's own work.
void session::do_write() {
  phase_ = phase::writing;
  auto done = beast::bind_front_handler(&session::on_write, shared_from_this());
  if (response_.chunked()) return http::async_write(socket_, response_, std::move(done));
  write_head(response_, &head_);
  std::array<net::const_buffer, 2> out{net::buffer(head_), net::buffer(response_.body())};
  net::async_write(socket_, out, std::move(done));
}

void session::on_write(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed) return;
  if (ec) return close();
  last_activity_ = steady::now();
  if (linger_after_write_) return do_linger();
  if (response_.need_eof()) return close();
  response_ = {};
  do_read();
}

void session::do_linger() {
  if (phase_ != phase::lingering) {
    beast::error_code ignored;
    socket_.shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    phase_ = phase::lingering;
    buffer_.clear();
  }
  socket_.async_read_some(discard_space(),
                          beast::bind_front_handler(&session::on_linger, shared_from_this()));
}

beast::flat_buffer::mutable_buffers_type session::discard_space() {
  return buffer_.prepare(std::min(options_.read_chunk_bytes, buffer_.max_size() - buffer_.size()));
}

void session::on_linger(beast::error_code ec, std::size_t bytes) {
  if (phase_ == phase::closed) return;
  lingered_bytes_ += bytes;
  if (ec || lingered_bytes_ > options_.max_linger_bytes) return close();
  do_linger();
}

// One coarse timer per connection instead of a deadline per operation: it
// wakes every quarter of the idle timeout and closes a connection that has
// completed no read or write for that long. It never closes one awaiting an
// actor's answer.
// A stream's timer also paces its keep-alive comments: the shorter of the
// two positive periods, so a zero keep-alive never leaves a stream untimed.
void session::arm_timer() {
  auto period = options_.idle_timeout;
  // Body deadlines are checked on the same ticks.
  auto body = options_.body_read_timeout;
  if (body.count() > 0 && (period.count() <= 0 || body < period)) period = body;
  auto keep_alive = options_.sse_keep_alive;
  if (phase_ == phase::streaming && keep_alive.count() > 0 &&
      (period.count() <= 0 || keep_alive < period)) {
    period = keep_alive;
  }
  if (period.count() <= 0) return;
  auto tick = std::max(period / 4, std::chrono::milliseconds(1));
  timer_.expires_after(tick);
  timer_.async_wait(
      [weak = weak_from_this(), generation = ++timer_generation_](beast::error_code ec) {
        auto self = weak.lock();
        if (self && generation == self->timer_generation_) self->on_timer(ec);
      });
}

void session::on_timer(beast::error_code ec) {
  if (ec == net::error::operation_aborted || phase_ == phase::closed) return;
  if (phase_ == phase::streaming) {
    if (auto pump = stream_.lock()) pump->on_tick();
    if (phase_ != phase::closed) arm_timer();
    return;
  }
  auto limit = options_.idle_timeout;
  if (phase_ == phase::lingering) limit = std::min(limit, options_.max_linger);
  auto upload = import_.lock();
  bool import_reading = upload && upload->reading();
  if (phase_ == phase::reading && !req_.timed_out) {
    auto now = steady::now();
    auto body_limit = options_.body_read_timeout;
    if (req_.reading_body && body_limit.count() > 0 && now - req_.body_start >= body_limit) {
      return time_out_body("request body not received in time");
    }
    if (import_reading && upload->too_slow(now)) {
      return time_out_body("import body arriving too slowly");
    }
  }
  // A body completes no read until it is whole (an import, until a chunk
  // is): while one arrives under a deadline of its own, that deadline
  // governs instead of the idle timeout.
  bool body_has_deadline = (req_.reading_body && options_.body_read_timeout.count() > 0) ||
                           (import_reading && options_.import_min_bytes_per_second > 0 &&
                            options_.body_read_timeout.count() > 0);
  if (phase_ != phase::handling && !(phase_ == phase::reading && body_has_deadline) &&
      steady::now() - last_activity_ >= limit) {
    return close();
  }
  arm_timer();
}

// The stream's header and messages go out through sse_stream; the
// connection is not reused after it.
void session::open_stream(std::shared_ptr<sse_source> source) {
  if (phase_ != phase::handling) return;
  if (draining_) {
    return respond(error_response(http_status::service_unavailable, "server is shutting down"));
  }
  auto pump = std::make_shared<sse_pump>(shared_from_this(), std::move(source));
  pump->start(version_);  // may throw: still handling then
  stream_ = pump;
  phase_ = phase::streaming;
  keep_alive_ = false;
  last_activity_ = steady::now();
  arm_timer();
  pump->run();
}

}  // namespace linkly
