#include "http/session.hpp"

#include "http/admission.hpp"
#include "http/import_stream.hpp"
#include "http/io_worker.hpp"
#include "http/metrics.hpp"
#include "http/request_framing.hpp"
#include "schemas/click_events.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <exception>

namespace linkly {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// Lingering after an error answer stops after this many bytes or this long.
constexpr std::size_t kMaxLingerBytes = 1 << 20;
constexpr std::chrono::milliseconds kMaxLinger{2'000};
constexpr std::size_t kLingerChunkBytes = 16 * 1024;
// Most one socket read adds to buffer_ while a head is incomplete.
constexpr std::size_t kReadBytes = 16 * 1024;
// buffer_ never holds less than this, whatever max_header_bytes says.
constexpr std::size_t kMinReadBufferBytes = 1024;

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::end_of_stream).category();
}

}  // namespace

session::session(net::ip::tcp::socket socket, std::shared_ptr<io_worker> worker,
                 std::shared_ptr<session_config> config)
    : socket_(std::move(socket)),
      worker_(std::move(worker)),
      config_(std::move(config)),
      timer_(socket_.get_executor()) {
  // A request head, a chunk line or a trailer section waits whole in buffer_
  // until parsed; none may be larger than a head, so neither may buffer_.
  buffer_.max_size(std::max(config_->max_header_bytes, kMinReadBufferBytes));
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
  if (config_->router.clicks != nullptr) {
    beast::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    if (!ec) client_address_ = truncate_client_address(peer.address().to_string());
  }
  if (config_->stopping.load(std::memory_order_acquire)) draining_ = true;
  last_activity_ = steady::now();
  arm_timer();
  if (over_limit) {
    return refuse(error_response(http_status::service_unavailable, "too many connections"));
  }
  do_read();
}

bool session::idle() const {
  return phase_ == phase::reading && buffer_.size() == 0 && !(parser_ && parser_->got_some()) &&
         !import_;
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

bool session::request_waiting() {
  if (buffer_.size() > 0) return true;
  beast::error_code ec;
  return socket_.available(ec) > 0 && !ec;
}

void session::close() {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  beast::error_code ec;
  socket_.shutdown(net::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  timer_.cancel();
  import_slot_.reset();
  // The source (its subscription, its listener slot) ends now; the buffers
  // stay until the session goes, as a cancelled write may still name them.
  if (stream_) stream_->stop();
  worker_->sessions().erase(this);
  uncount();
}

void session::uncount() {
  if (!counted_) return;
  counted_ = false;
  config_->open_connections.fetch_sub(1, std::memory_order_acq_rel);
}

// A fresh parser per request: limits and state apply to one message.
void session::do_read() {
  phase_ = phase::reading;
  // Draining: a request already sent is read and answered (with close);
  // none is waited for.
  if (draining_ && !request_waiting()) return close();
  parser_.emplace();
  admitted_.reset();
  // The declared length is admission's to judge, after auth (401 before
  // 413): Beast would check it against this limit as soon as the head is in.
  parser_->body_limit(boost::none);
  parser_->header_limit(static_cast<std::uint32_t>(config_->max_header_bytes));
  reading_body_ = false;
  timed_out_.reset();
  chunk_meta_bytes_ = 0;
  chunk_meta_over_ = false;
  do_read_head();
}

// Parses what is buffered; reads more while the head is incomplete. Beast's
// header_limit bounds the head, buffer_'s max_size what one read may add.
void session::do_read_head() {
  if (buffer_.size() > 0) {
    auto data = buffer_.data();
    if (has_obs_fold(std::string_view(static_cast<const char*>(data.data()), data.size()))) {
      return fail(http_status::bad_request, "obsolete line folding in request header");
    }
    beast::error_code ec;
    std::size_t used = parser_->put(data, ec);
    buffer_.consume(used);
    if (!ec && parser_->is_header_done()) return on_read_header();
    if (ec && ec != http::error::need_more) return on_read_error(ec);
  }
  std::size_t room = std::min(kReadBytes, buffer_.max_size() - buffer_.size());
  if (room == 0) {
    return fail(http_status::request_header_fields_too_large, "request headers too large");
  }
  socket_.async_read_some(buffer_.prepare(room),
                          beast::bind_front_handler(&session::on_read_head, shared_from_this()));
}

void session::on_read_head(beast::error_code ec, std::size_t bytes) {
  if (phase_ == phase::closed) return;
  buffer_.commit(bytes);
  if (ec == net::error::eof) {
    bool partial = buffer_.size() > 0 || parser_->got_some();
    return on_read_error(partial ? http::error::partial_message : http::error::end_of_stream);
  }
  // shutdown() cancelled the read of an idle connection.
  if (ec == net::error::operation_aborted && draining_ && request_waiting()) return do_read_head();
  if (ec) return close();
  do_read_head();
}

// The head decides: framing, then admission (route, auth, content type,
// declared length), all before `100 Continue` and before any body byte.
void session::on_read_header() {
  const http_request& req = parser_->get();
  version_ = req.version();
  if (auto bad = check_framing(req)) return fail(bad->status, bad->message);
  last_activity_ = steady::now();
  request_start_ = last_activity_;
  const bool body_pending = !parser_->is_done();
  admitted_ = admit(req, config_->router, config_->router.limits);
  admission& adm = *admitted_;
  if (adm.refusal) {
    if (req.method() == http::verb::head) strip_body_for_head(&*adm.refusal);
    // Nothing unread: the connection may serve the next request.
    if (!body_pending) {
      keep_alive_ = req.keep_alive();
      phase_ = phase::handling;
      return respond(std::move(*adm.refusal));
    }
    return refuse(std::move(*adm.refusal));
  }
  // Beast's own reading of the length (it also accepts a list of equal
  // values, "5, 5", which admit() leaves to it): checked here, as Beast
  // checks a Content-Length only against the limit the head was read with
  // (none). A chunked body is counted against the limit as it comes.
  if (auto length = parser_->content_length();
      adm.body_limit != 0 && length && *length > adm.body_limit) {
    return fail(http_status::payload_too_large, "request body too large");
  }
  if (adm.body == body_kind::csv_stream) return start_import(adm.body_limit);
  parser_->body_limit(adm.body_limit);
  if (!body_pending) return on_request();
  parser_->on_chunk_header(chunk_header_cb_);
  reading_body_ = true;
  body_start_ = last_activity_;
  auto expect = req[http::field::expect];
  if (req.version() >= 11 && beast::iequals(expect, "100-continue")) {
    net::async_write(socket_, net::buffer(kContinue.data(), kContinue.size()),
                     beast::bind_front_handler(&session::on_continue, shared_from_this()));
    return;
  }
  do_read_body();
}

void session::on_chunk_header(std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
  chunk_meta_bytes_ += extensions.size();
  if (chunk_meta_bytes_ > config_->max_header_bytes) {
    chunk_meta_over_ = true;
    ec = http::error::bad_chunk_extension;
  }
}

void session::on_continue(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed) return;
  if (ec) return close();
  do_read_body();
}

void session::do_read_body() {
  http::async_read(socket_, buffer_, *parser_,
                   beast::bind_front_handler(&session::on_read_body, shared_from_this()));
}

void session::on_read_body(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed) return;
  reading_body_ = false;
  if (timed_out_) return fail(http_status::request_timeout, *timed_out_);
  if (ec) return on_read_error(ec);
  on_request();
}

void session::on_read_error(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return fail(http_status::payload_too_large, "request body too large");
  }
  if (ec == http::error::header_limit) {
    return fail(http_status::request_header_fields_too_large, "request headers too large");
  }
  // Chunk lines and trailers wait whole in buffer_ until parsed: a full
  // buffer means one of them is longer than a request head may be.
  if (ec == http::error::buffer_overflow) {
    return fail(http_status::request_header_fields_too_large, "chunk line or trailers too large");
  }
  if (chunk_meta_over_) {
    return fail(http_status::request_header_fields_too_large, "chunk extensions too large");
  }
  // end_of_stream: the client closed between requests, a normal ending.
  if (ec != http::error::end_of_stream && is_http_error(ec)) {
    return fail(http_status::bad_request, "malformed request");
  }
  close();
}

void session::time_out_body(std::string_view message) {
  timed_out_ = std::string(message);
  if (import_) import_->abort(http_status::request_timeout, std::string(message));
  beast::error_code ignored;
  socket_.cancel(ignored);  // the read's handler answers
}

// An import may take its time, but not trickle: once it has waited on the
// client for body_read_timeout, it must have sent import_min_bytes_per_second
// for every second of waiting beyond that.
bool session::body_too_slow(steady::time_point now) const {
  auto rate = config_->import_min_bytes_per_second;
  if (rate == 0) return false;
  auto waited = import_wait_ + (now - import_read_start_);
  auto grace = std::chrono::duration_cast<steady::duration>(config_->body_read_timeout);
  if (waited <= grace) return false;
  double seconds = std::chrono::duration<double>(waited - grace).count();
  // A read ends only once its chunk is full: count what it has taken so far.
  std::uint64_t bytes = import_bytes_;
  if (import_reading_ && import_parser_) bytes += import_read_bytes();
  return static_cast<double>(bytes) < static_cast<double>(rate) * seconds;
}

void session::on_request() {
  last_activity_ = steady::now();
  const http_request& req = parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  phase_ = phase::handling;
  try {
    handle_request(
        req, config_->router,
        [self = shared_from_this()](http_response res) { self->deliver(std::move(res)); },
        request_info{client_address_, worker_->batcher(), this, worker_.get(),
                     admitted_ ? &*admitted_ : nullptr});
  } catch (const std::exception& e) {
    spdlog::error("http: request {} {} failed: {}", std::string_view(req.method_string()),
                  std::string_view(req.target()), e.what());
    if (phase_ == phase::handling) {
      respond(error_response(http_status::internal_server_error, "internal error"));
    } else if (phase_ == phase::streaming) {
      close();  // failed after its header may have gone: no answer fits
    }
  }
  // A stream never reads another request: let its body go now, not when
  // the (long-lived) stream ends.
  if (phase_ == phase::streaming || phase_ == phase::closed) parser_.reset();
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
  if (res.result() == http_status::found && config_->router.metrics != nullptr) {
    config_->router.metrics->redirect_duration.observe(steady::now() - request_start_);
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
  if (parser_ && parser_->is_header_done()) {
    version_ = parser_->get().version();
    if (parser_->get().method() == http::verb::head) strip_body_for_head(&res);
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
  return buffer_.prepare(std::min(kLingerChunkBytes, buffer_.max_size() - buffer_.size()));
}

void session::on_linger(beast::error_code ec, std::size_t bytes) {
  if (phase_ == phase::closed) return;
  lingered_bytes_ += bytes;
  if (ec || lingered_bytes_ > kMaxLingerBytes) return close();
  do_linger();
}

// One coarse timer per connection instead of a deadline per operation: it
// wakes every quarter of the idle timeout and closes a connection that has
// completed no read or write for that long. It never closes one awaiting an
// actor's answer.
// A stream's timer also paces its keep-alive comments: the shorter of the
// two positive periods, so a zero keep-alive never leaves a stream untimed.
void session::arm_timer() {
  auto period = config_->idle_timeout;
  // Body deadlines are checked on the same ticks.
  auto body = config_->body_read_timeout;
  if (body.count() > 0 && (period.count() <= 0 || body < period)) period = body;
  auto keep_alive = config_->sse_keep_alive;
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
  if (phase_ == phase::streaming) return on_stream_timer();
  auto limit = config_->idle_timeout;
  if (phase_ == phase::lingering) limit = std::min(limit, kMaxLinger);
  if (phase_ == phase::reading && !timed_out_) {
    auto now = steady::now();
    auto body_limit = config_->body_read_timeout;
    if (reading_body_ && body_limit.count() > 0 && now - body_start_ >= body_limit) {
      return time_out_body("request body not received in time");
    }
    if (import_reading_ && body_too_slow(now)) {
      return time_out_body("import body arriving too slowly");
    }
  }
  // A body completes no read until it is whole (an import, until a chunk
  // is): while one arrives under a deadline of its own, that deadline
  // governs instead of the idle timeout.
  bool body_has_deadline = (reading_body_ && config_->body_read_timeout.count() > 0) ||
                           (import_reading_ && config_->import_min_bytes_per_second > 0 &&
                            config_->body_read_timeout.count() > 0);
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
  auto stream = std::make_unique<sse_stream>(std::move(source), config_->max_sse_buffer_bytes);
  // Runs on a publishing thread: only posts, and holds the session weakly so
  // that thread never destroys it. A wake before phase_ is set below is
  // posted, so it runs after this returns.
  auto wake = [weak = weak_from_this(), worker = worker_] {
    worker->post([weak] {
      if (auto self = weak.lock()) self->on_stream_wake();
    });
  };
  stream->start(version_, std::move(wake));  // may throw: still handling then
  stream_ = std::move(stream);
  phase_ = phase::streaming;
  keep_alive_ = false;
  last_activity_ = steady::now();
  arm_timer();
  pump_stream();
  do_stream_watch();
}

void session::on_stream_wake() {
  if (phase_ != phase::streaming) return;
  stream_->notify();
  pump_stream();
}

// Pulls what fits, starts a write if none is in flight, and takes another
// turn later (not now) when the source has more than one pull gave.
void session::pump_stream() {
  if (phase_ != phase::streaming) return;
  bool again = stream_->fill();
  if (!stream_->writing()) {
    if (stream_->finished()) return close();
    const std::string& out = stream_->begin_write();
    if (!out.empty()) {
      net::async_write(socket_, net::buffer(out),
                       beast::bind_front_handler(&session::on_stream_write, shared_from_this()));
    }
  }
  if (again && !stream_turn_posted_) {
    stream_turn_posted_ = true;
    net::post(socket_.get_executor(), [self = shared_from_this()] {
      self->stream_turn_posted_ = false;
      self->pump_stream();
    });
  }
}

void session::on_stream_write(beast::error_code ec, std::size_t) {
  if (phase_ != phase::streaming) return;
  if (ec) return close();
  stream_->end_write();
  last_activity_ = steady::now();
  pump_stream();
}

void session::do_stream_watch() {
  buffer_.clear();
  socket_.async_read_some(discard_space(),
                          beast::bind_front_handler(&session::on_stream_watch, shared_from_this()));
}

void session::on_stream_watch(beast::error_code ec, std::size_t) {
  if (phase_ != phase::streaming) return;
  if (ec) return close();  // the client went away
  do_stream_watch();
}

// A quiet stream gets a keep-alive comment; a write that has not completed
// for the idle timeout means the client stopped reading: the stream is
// closed rather than left holding its buffer.
void session::on_stream_timer() {
  auto quiet = steady::now() - last_activity_;
  if (stream_->writing()) {
    if (config_->idle_timeout.count() > 0 && quiet >= config_->idle_timeout) return close();
  } else if (config_->sse_keep_alive.count() > 0 && quiet >= config_->sse_keep_alive) {
    stream_->queue_keep_alive();
    pump_stream();
  }
  arm_timer();
}

}  // namespace linkly
