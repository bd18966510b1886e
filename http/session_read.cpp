// The session's reading of a request: the head byte by byte up to its
// limit, then admission on the head alone, then the body (or an import's,
// by an import_upload), each under the limits of server_options.

#include "http/admission.hpp"
#include "http/import_upload.hpp"
#include "http/io_worker.hpp"
#include "http/request_framing.hpp"
#include "http/server_state.hpp"
#include "http/session.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <exception>

namespace linkly {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::end_of_stream).category();
}

}  // namespace

bool session::request_waiting() {
  if (buffer_.size() > 0) return true;
  beast::error_code ec;
  return socket_.available(ec) > 0 && !ec;
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
  parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
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
  std::size_t room = std::min(options_.read_chunk_bytes, buffer_.max_size() - buffer_.size());
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
  admitted_ = admit(req, state_->router, state_->router.limits);
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
  if (chunk_meta_bytes_ > options_.max_header_bytes) {
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

// Admission has settled access, content type and the declared length on
// the head alone, so a refused body is never read (beyond the linger after
// the answer).
void session::start_import(std::uint64_t body_limit) {
  const http_request& req = parser_->get();
  keep_alive_ = req.keep_alive();
  if (state_->router.links == nullptr) {
    return refuse(
        error_response(http_status::service_unavailable, "service unavailable, try again"));
  }
  auto slot = state_->import_slots.try_acquire();
  if (!slot) {
    return refuse(error_response(http_status::service_unavailable,
                                 "too many imports in progress, try again"));
  }
  bool expect_continue =
      req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue");
  auto upload = std::make_shared<import_upload>(shared_from_this(), std::move(*parser_),
                                                std::move(slot), body_limit);
  parser_.reset();
  import_ = upload;
  upload->start(expect_continue);
}

void session::on_request() {
  last_activity_ = steady::now();
  const http_request& req = parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  phase_ = phase::handling;
  try {
    handle_request(
        req, state_->router,
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

}  // namespace linkly
