// The session's half of POST /links/import: moving the body's bytes into an
// import_stream and its batches to link_service, with backpressure. What a
// row means and what the answer says is import_stream's business.

#include "actors/link_service.hpp"
#include "http/import_stream.hpp"
#include "http/io_worker.hpp"
#include "http/session.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

namespace linkly {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

// One read's worth of body; the socket read size is Beast's own.
constexpr std::size_t kImportChunkBytes = 64 * 1024;
constexpr std::string_view kImportContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

// Admission has settled access, content type and the declared length on
// the head alone, so a refused body is never read (beyond the linger after
// the answer).
void session::start_import(std::uint64_t limit) {
  const http_request& req = parser_->get();
  keep_alive_ = req.keep_alive();
  if (config_->router.links == nullptr) {
    return refuse(
        error_response(http_status::service_unavailable, "service unavailable, try again"));
  }
  import_slot_ = config_->import_slots.try_acquire();
  if (!import_slot_) {
    return refuse(error_response(http_status::service_unavailable,
                                 "too many imports in progress, try again"));
  }
  bool expect_continue =
      req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue");
  // The header-only parser becomes one that hands out the body in chunks.
  import_parser_.emplace(std::move(*parser_));
  parser_.reset();
  if (limit > 0) {
    import_parser_->body_limit(limit);
  } else {
    import_parser_->body_limit(boost::none);
  }
  import_parser_->on_chunk_header(chunk_header_cb_);
  import_ = std::make_unique<import_stream>();
  import_bytes_ = 0;
  import_wait_ = {};
  import_chunk_ = std::make_unique<char[]>(kImportChunkBytes);
  if (import_parser_->is_done()) import_->finish();  // no body at all
  if (!expect_continue || import_->finished()) return pump_import();
  phase_ = phase::handling;
  net::async_write(socket_, net::buffer(kImportContinue.data(), kImportContinue.size()),
                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                     if (self->phase_ == phase::closed) return;
                     if (ec) return self->close();
                     self->pump_import();
                   });
}

std::size_t session::import_read_bytes() const {
  return kImportChunkBytes - import_parser_->get().body().size;
}

void session::do_import_read() {
  phase_ = phase::reading;
  import_reading_ = true;
  import_read_start_ = std::chrono::steady_clock::now();
  auto& body = import_parser_->get().body();
  body.data = import_chunk_.get();
  body.size = kImportChunkBytes;
  body.more = true;
  http::async_read(socket_, buffer_, *import_parser_,
                   beast::bind_front_handler(&session::on_import_read, shared_from_this()));
}

void session::on_import_read(beast::error_code ec, std::size_t) {
  import_reading_ = false;
  if (phase_ == phase::closed) return;
  import_wait_ += std::chrono::steady_clock::now() - import_read_start_;
  // Timed out: the read was cancelled; the import already says 408.
  if (timed_out_) return pump_import();
  if (ec == http::error::need_buffer) ec = {};  // the chunk is full
  if (ec && ec.category() == http::make_error_code(http::error::body_limit).category()) {
    // Rows may already be written: the answer says how many, once the
    // batches in flight are decided.
    if (ec == http::error::body_limit) {
      import_->abort(http_status::payload_too_large, "request body too large");
    } else if (ec == http::error::buffer_overflow || chunk_meta_over_) {
      import_->abort(http_status::request_header_fields_too_large,
                     "chunk line, extensions or trailers too large");
    } else {
      import_->abort(http_status::bad_request, "malformed request");
    }
    return pump_import();
  }
  if (ec) {
    // The socket failed: no one to answer. A batch still in flight finds
    // no import to report to.
    import_.reset();
    import_parser_.reset();
    import_chunk_.reset();
    return on_read_error(ec);
  }
  last_activity_ = std::chrono::steady_clock::now();
  std::size_t got = import_read_bytes();
  import_bytes_ += got;
  if (!import_->failed()) import_->feed(std::string_view(import_chunk_.get(), got));
  if (import_parser_->is_done()) import_->finish();
  pump_import();
}

// Decides the next step: submit a batch, read on, wait, or answer. Called
// after every read and every batch answer.
void session::pump_import() {
  if (phase_ == phase::closed || !import_) return;
  import_stream& im = *import_;
  if (im.failed()) {
    // The answer counts every batch sent; a read in progress must end
    // before the parser goes.
    if (import_reading_) return;
    if (im.in_flight() == 0) return finish_import();
    phase_ = phase::handling;  // waiting on the log, not the client: no idle timeout
    return;
  }
  while (im.batch_due()) {
    import_stream::batch b = im.start_batch();
    config_->router.links->import_links(
        std::move(b.rows), [self = shared_from_this(), id = b.id](import_reply reply) {
          // On an actor thread: only hand over.
          self->worker_->post([self, id, reply = std::move(reply)]() mutable {
            self->on_import_batch(id, std::move(reply));
          });
        });
  }
  if (im.finished()) {
    if (im.in_flight() == 0) return finish_import();
    phase_ = phase::handling;
    return;
  }
  if (import_reading_) return;
  if (im.batch_full()) {
    phase_ = phase::handling;  // backpressure: no idle timeout while the log works
    return;
  }
  do_import_read();
}

void session::on_import_batch(std::uint64_t id, import_reply reply) {
  if (phase_ == phase::closed || !import_) return;
  import_->record(id, std::move(reply));
  last_activity_ = std::chrono::steady_clock::now();
  pump_import();
}

void session::finish_import() {
  http_response res = import_->response();
  bool whole_body = import_->finished();
  import_.reset();
  import_slot_.reset();
  import_parser_.reset();
  import_chunk_.reset();
  if (!whole_body) return refuse(std::move(res));
  phase_ = phase::handling;
  respond(std::move(res));
}

}  // namespace linkly
