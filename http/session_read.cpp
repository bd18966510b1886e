// The session's reading of a request: the head byte by byte up to its
// limit, then admission on the head alone, then the body (or an import's,
// by an import_upload), each under the limits of server_options.

#include "http/admission.hpp"
#include "http/error_messages.hpp"
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
  req_.parser.emplace();
  req_.admitted.reset();
  // The declared length is admission's to judge, after auth (401 before
  // 413): Beast would check it against this limit as soon as the head is in.
  req_.parser->body_limit(boost::none);
  req_.parser->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
  req_.reading_body = false;
  req_.timed_out.reset();
  req_.chunk_meta_bytes = 0;
  req_.chunk_meta_over = false;
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
    std::size_t used = req_.parser->put(data, ec);
    buffer_.consume(used);
    if (!ec && req_.parser->is_header_done()) return on_read_header();
    if (ec && ec != http::error::need_more) return on_read_error(ec);
  }
  std::size_t room = std::min(options_.read_chunk_bytes, buffer_.max_size() - buffer_.size());
  if (room == 0) {
    return fail(http_status::request_header_fields_too_large, error_message::kHeadersTooLarge);
  }
  socket_.async_read_some(buffer_.prepare(room),
                          beast::bind_front_handler(&session::on_read_head, shared_from_this()));
}

void session::on_read_head(beast::error_code ec, std::size_t bytes) {
  if (phase_ == phase::closed) return;
  buffer_.commit(bytes);
  if (ec == net::error::eof) {
    bool partial = buffer_.size() > 0 || req_.parser->got_some();
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
  const http_request& req = req_.parser->get();
  version_ = req.version();
  if (auto bad = check_framing(req)) return fail(bad->status, bad->message);
  last_activity_ = steady::now();
  request_start_ = last_activity_;
  const bool body_pending = !req_.parser->is_done();
  req_.admitted = admit(req, state_->router, state_->router.limits);
  admission& adm = *req_.admitted;
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
  if (auto length = req_.parser->content_length();
      adm.body_limit != 0 && length && *length > adm.body_limit) {
    return fail(http_status::payload_too_large, error_message::kBodyTooLarge);
  }
  if (adm.body == body_kind::csv_stream) return start_import(adm.body_limit);
  req_.parser->body_limit(adm.body_limit);
  if (!body_pending) return on_request();
  req_.parser->on_chunk_header(chunk_header_cb_);
  req_.reading_body = true;
  req_.body_start = last_activity_;
  auto expect = req[http::field::expect];
  if (req.version() >= 11 && beast::iequals(expect, "100-continue")) {
    net::async_write(socket_, net::buffer(kContinueResponse.data(), kContinueResponse.size()),
                     beast::bind_front_handler(&session::on_continue, shared_from_this()));
    return;
  }
  do_read_body();
}

void session::on_chunk_header(std::uint64_t, beast::string_view extensions, beast::error_code& ec) {
  req_.chunk_meta_bytes += extensions.size();
  if (req_.chunk_meta_bytes > options_.max_header_bytes) {
    req_.chunk_meta_over = true;
    ec = http::error::bad_chunk_extension;
  }
}

void session::on_continue(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed) return;
  if (ec) return close();
  do_read_body();
}

void session::do_read_body() {
  http::async_read(socket_, buffer_, *req_.parser,
                   beast::bind_front_handler(&session::on_read_body, shared_from_this()));
}

void session::on_read_body(beast::error_code ec, std::size_t) {
  if (phase_ == phase::closed) return;
  req_.reading_body = false;
  if (req_.timed_out) return fail(http_status::request_timeout, *req_.timed_out);
  if (ec) return on_read_error(ec);
  on_request();
}

void session::on_read_error(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    return fail(http_status::payload_too_large, error_message::kBodyTooLarge);
  }
  if (ec == http::error::header_limit) {
    return fail(http_status::request_header_fields_too_large, error_message::kHeadersTooLarge);
  }
  // Chunk lines and trailers wait whole in buffer_ until parsed: a full
  // buffer means one of them is longer than a request head may be.
  if (ec == http::error::buffer_overflow) {
    return fail(http_status::request_header_fields_too_large, "chunk line or trailers too large");
  }
  if (req_.chunk_meta_over) {
    return fail(http_status::request_header_fields_too_large, "chunk extensions too large");
  }
  // end_of_stream: the client closed between requests, a normal ending.
  if (ec != http::error::end_of_stream && is_http_error(ec)) {
    return fail(http_status::bad_request, error_message::kMalformedRequest);
  }
  close();
}

// Admission has settled access, content type and the declared length on
// the head alone, so a refused body is never read (beyond the linger after
// the answer).
void session::start_import(std::uint64_t body_limit) {
  const http_request& req = req_.parser->get();
  keep_alive_ = req.keep_alive();
  if (state_->router.links == nullptr) {
    return refuse(error_response(http_status::service_unavailable, error_message::kUnavailable));
  }
  auto slot = state_->import_slots.try_acquire();
  if (!slot) {
    return refuse(error_response(http_status::service_unavailable,
                                 "too many imports in progress, try again"));
  }
  bool expect_continue =
      req.version() >= 11 && beast::iequals(req[http::field::expect], "100-continue");
  auto upload = std::make_shared<import_upload>(shared_from_this(), std::move(*req_.parser),
                                                std::move(slot), body_limit);
  req_.parser.reset();
  import_ = upload;
  upload->start(expect_continue);
}

void session::on_request() {
  last_activity_ = steady::now();
  const http_request& req = req_.parser->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  phase_ = phase::handling;
  try {
    // The sender holds this session, counted: no allocation per request.
    // (Aliasing constructor: response_target is a private base.)
    handle_request(req, state_->router,
                   response_sender(std::shared_ptr<response_target>(
                       shared_from_this(), static_cast<response_target*>(this))),
                   request_info{client_address_, worker_->batcher(), this, worker_.get(),
                                req_.admitted ? &*req_.admitted : nullptr});
  } catch (const std::exception& e) {
    spdlog::error("http: request {} {} failed: {}", std::string_view(req.method_string()),
                  std::string_view(req.target()), e.what());
    if (phase_ == phase::handling) {
      respond(error_response(http_status::internal_server_error, error_message::kInternalError));
    } else if (phase_ == phase::streaming) {
      close();  // failed after its header may have gone: no answer fits
    }
  }
  // A stream never reads another request: let its body go now, not when
  // the (long-lived) stream ends.
  if (phase_ == phase::streaming || phase_ == phase::closed) req_.parser.reset();
}

}  // namespace linkly
