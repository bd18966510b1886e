#include "http/import_upload.hpp"
#include "http/error_messages.hpp"

#include "actors/link_service.hpp"
#include "http/import_stream.hpp"
#include "http/io_worker.hpp"
#include "http/server_state.hpp"
#include "http/session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

namespace linkly {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using steady = std::chrono::steady_clock;

import_upload::import_upload(std::shared_ptr<session> conn, head_parser&& parser,
                             std::unique_ptr<stream_slots::slot> slot, std::uint64_t body_limit)
    : conn_(std::move(conn)),
      import_(std::make_unique<import_stream>()),
      parser_(std::move(parser)),  // the header-only parser, now handing out the body in chunks
      chunk_(std::make_unique<char[]>(conn_->options_.import_chunk_bytes)),
      slot_(std::move(slot)) {
  if (body_limit > 0) {
    parser_.body_limit(body_limit);
  } else {
    parser_.body_limit(boost::none);
  }
  parser_.on_chunk_header(conn_->chunk_header_cb_);
}

import_upload::~import_upload() = default;

bool import_upload::closed() const {
  return conn_->phase_ == session::phase::closed;
}

// Admission has settled access, content type and the declared length on
// the head alone, so a refused body is never read (beyond the linger after
// the answer).
void import_upload::start(bool expect_continue) {
  if (parser_.is_done()) import_->finish();  // no body at all
  if (!expect_continue || import_->finished()) return pump();
  conn_->phase_ = session::phase::handling;
  net::async_write(conn_->socket_, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (self->closed()) return;
                     if (ec) return self->conn_->close();
                     self->pump();
                   });
}

std::size_t import_upload::read_bytes() const {
  return conn_->options_.import_chunk_bytes - parser_.get().body().size;
}

// An import may take its time, but not trickle: the rate counts only the
// time spent waiting on the client.
bool import_upload::too_slow(steady::time_point now) const {
  const server_options& options = conn_->options_;
  auto rate = options.import_min_bytes_per_second;
  if (rate == 0) return false;
  auto waited = wait_ + (now - read_start_);
  auto grace = std::chrono::duration_cast<steady::duration>(options.body_read_timeout);
  if (waited <= grace) return false;
  double seconds = std::chrono::duration<double>(waited - grace).count();
  // A read ends only once its chunk is full: count what it has taken so far.
  std::uint64_t bytes = bytes_;
  if (reading_) bytes += read_bytes();
  return static_cast<double>(bytes) < static_cast<double>(rate) * seconds;
}

void import_upload::time_out(const std::string& message) {
  if (import_) import_->abort(http_status::request_timeout, message);
}

void import_upload::do_read() {
  conn_->phase_ = session::phase::reading;
  reading_ = true;
  read_start_ = steady::now();
  auto& body = parser_.get().body();
  body.data = chunk_.get();
  body.size = conn_->options_.import_chunk_bytes;
  body.more = true;
  http::async_read(conn_->socket_, conn_->buffer_, parser_,
                   beast::bind_front_handler(&import_upload::on_read, shared_from_this()));
}

void import_upload::on_read(beast::error_code ec, std::size_t) {
  reading_ = false;
  if (closed()) return;
  wait_ += steady::now() - read_start_;
  // Timed out: the read was cancelled; the import already says 408.
  if (conn_->req_.timed_out) return pump();
  if (ec == http::error::need_buffer) ec = {};  // the chunk is full
  if (ec && ec.category() == http::make_error_code(http::error::body_limit).category()) {
    // Rows may already be written: the answer says how many, once the
    // batches in flight are decided.
    if (ec == http::error::body_limit) {
      import_->abort(http_status::payload_too_large, std::string(error_message::kBodyTooLarge));
    } else if (ec == http::error::buffer_overflow || conn_->req_.chunk_meta_over) {
      import_->abort(http_status::request_header_fields_too_large,
                     "chunk line, extensions or trailers too large");
    } else {
      import_->abort(http_status::bad_request, std::string(error_message::kMalformedRequest));
    }
    return pump();
  }
  if (ec) {
    // The socket failed: no one to answer. A batch still in flight finds
    // no import to report to.
    import_.reset();
    slot_.reset();
    chunk_.reset();
    conn_->import_.reset();
    return conn_->on_read_error(ec);
  }
  conn_->last_activity_ = steady::now();
  std::size_t got = read_bytes();
  bytes_ += got;
  if (!import_->failed()) import_->feed(std::string_view(chunk_.get(), got));
  if (parser_.is_done()) import_->finish();
  pump();
}

// Called after every read and every batch answer.
void import_upload::pump() {
  if (closed() || !import_) return;
  import_stream& im = *import_;
  if (im.failed()) {
    // The answer counts every batch sent; a read in progress must end
    // before the parser goes.
    if (reading_) return;
    if (im.in_flight() == 0) return finish();
    conn_->phase_ = session::phase::handling;  // waiting on the log: no idle timeout
    return;
  }
  while (im.batch_due()) submit_batch();
  if (im.finished()) {
    if (im.in_flight() == 0) return finish();
    conn_->phase_ = session::phase::handling;
    return;
  }
  if (reading_) return;
  if (im.batch_full()) {
    conn_->phase_ = session::phase::handling;  // backpressure: no idle timeout while the log works
    return;
  }
  do_read();
}

// The one place the import calls link_service.
void import_upload::submit_batch() {
  import_stream::batch b = import_->start_batch();
  conn_->state_->router.links->import_links(
      std::move(b.rows), [self = shared_from_this(), id = b.id](import_reply reply) {
        // On an actor thread: only hand over.
        self->conn_->worker_->post([self, id, reply = std::move(reply)]() mutable {
          self->on_batch(id, std::move(reply));
        });
      });
}

void import_upload::on_batch(std::uint64_t id, import_reply reply) {
  if (closed() || !import_) return;
  import_->record(id, std::move(reply));
  conn_->last_activity_ = steady::now();
  pump();
}

void import_upload::finish() {
  http_response res = import_->response();
  bool whole_body = import_->finished();
  import_.reset();
  slot_.reset();
  chunk_.reset();
  conn_->import_.reset();
  if (!whole_body) return conn_->refuse(std::move(res));
  conn_->phase_ = session::phase::handling;
  conn_->respond(std::move(res));
}

}  // namespace linkly
