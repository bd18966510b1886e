// `linkly log tail`: follows a running server's event streams over HTTP
// (the server holds the logs, so this is the only way to read them live).
//
//   links:  GET /events?after=SEQ   durable; resumed with Last-Event-ID
//   clicks: GET /clicks/stream      live, best effort
//
// Each message's data (a JSON line) is printed as it arrives. A dropped or
// silent connection is retried with exponential backoff; after `retries`
// failed attempts in a row the tail gives up (exit 1). SIGINT/SIGTERM end it
// with exit 0; a stream ended at an event the server cannot read (a damaged
// log) ends it with exit 1. Plain Boost.Asio/Beast on one thread, no actor system.

#include "app/commands.hpp"
#include "app/server_url.hpp"
#include "storage/backoff.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <charconv>
#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>
#include <string>

namespace linkly {

namespace {

// The /events message that ends a stream at an event the server cannot
// read (docs/API.md; kEventsReadFailedEvent in http/stream_routes.hpp).
constexpr std::string_view kReadFailedEvent = "LogError";

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// No byte (keep-alive comments included) for this long: the connection is
// taken for dead and reopened. The server sends keep-alives well within it.
constexpr auto kSilenceLimit = 60s;
constexpr auto kConnectTimeout = 5s;
constexpr auto kFirstBackoff = 250ms;
constexpr auto kMaxBackoff = 5s;

// One SSE client that reconnects. Every step runs on the io_context's one
// thread; do_x starts an operation, on_x handles its completion.
class follower {
 public:
  follower(const tail_options& options, server_url url)
      : options_(options),
        url_(std::move(url)),
        resolver_(io_),
        stream_(io_),
        backoff_timer_(io_),
        signals_(io_, SIGINT, SIGTERM) {
    if (links() && options_.from > 0) {
      has_after_ = true;
      after_ = options_.from - 1;
    }
  }

  int run() {
    signals_.async_wait([this](beast::error_code ec, int) {
      if (ec) return;
      finish(0);
    });
    do_resolve();
    io_.run();
    return exit_code_;
  }

 private:
  bool links() const { return options_.log == "links"; }

  std::string target() const {
    if (!links()) return url_.base + "/clicks/stream";
    std::string t = url_.base + "/events";
    if (has_after_) t += "?after=" + std::to_string(after_);
    return t;
  }

  void finish(int code) {
    if (done_) return;
    done_ = true;
    exit_code_ = code;
    std::cout.flush();
    beast::error_code ignored;
    stream_.socket().close(ignored);
    backoff_timer_.cancel();
    signals_.cancel();
    resolver_.cancel();
    io_.stop();
  }

  // A failed or ended connection: try again after a backoff, or give up.
  void retry(const std::string& why) {
    if (done_) return;
    beast::error_code ignored;
    stream_.socket().close(ignored);
    if (attempts_ >= options_.retries) {
      std::cerr << "linkly: " << options_.url << target() << ": " << why << "; gave up after "
                << attempts_ << " reconnect attempt" << (attempts_ == 1 ? "" : "s") << "\n";
      return finish(1);
    }
    ++attempts_;
    const auto delay =
        backoff_delay(kFirstBackoff, static_cast<std::uint64_t>(attempts_), kMaxBackoff);
    std::cerr << "linkly: " << why << "; reconnecting in "
              << std::chrono::duration_cast<std::chrono::milliseconds>(delay).count() << " ms\n";
    backoff_timer_.expires_after(delay);
    backoff_timer_.async_wait([this](beast::error_code ec) {
      if (!ec) do_resolve();
    });
  }

  void do_resolve() {
    resolver_.async_resolve(url_.host, url_.port,
                            [this](beast::error_code ec, tcp::resolver::results_type results) {
                              if (ec)
                                return retry("cannot resolve " + url_.host + ": " + ec.message());
                              do_connect(results);
                            });
  }

  void do_connect(const tcp::resolver::results_type& results) {
    stream_.expires_after(kConnectTimeout);
    stream_.async_connect(results, [this](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return retry("cannot connect to " + options_.url + ": " + ec.message());
      do_write();
    });
  }

  void do_write() {
    request_ = {http::verb::get, target(), 11};
    request_.set(http::field::host, url_.host + ":" + url_.port);
    request_.set(http::field::accept, "text/event-stream");
    request_.set(http::field::user_agent, "linkly-log-tail");
    if (links() && has_after_) request_.set("Last-Event-ID", std::to_string(after_));
    if (!options_.token.empty())
      request_.set(http::field::authorization, "Bearer " + options_.token);
    http::async_write(stream_, request_, [this](beast::error_code ec, std::size_t) {
      if (ec) return retry("sending the request: " + ec.message());
      do_read_header();
    });
  }

  void do_read_header() {
    parser_.emplace();
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());  // a stream has no end
    buffer_.clear();
    pending_.clear();
    stream_.expires_after(kSilenceLimit);
    http::async_read_header(stream_, buffer_, *parser_, [this](beast::error_code ec, std::size_t) {
      if (ec) return retry("reading the response: " + ec.message());
      on_header();
    });
  }

  void on_header() {
    const auto& res = parser_->get();
    if (res.result() == http::status::service_unavailable) {
      return retry("the server answered 503");
    }
    if (res.result() != http::status::ok) {
      std::cerr << "linkly: GET " << options_.url << target() << " answered " << res.result_int()
                << " " << res.reason() << "\n";
      return finish(1);
    }
    attempts_ = 0;  // connected: the next drop starts a fresh series of retries
    do_read_body();
  }

  void do_read_body() {
    parser_->get().body().data = chunk_.data();
    parser_->get().body().size = chunk_.size();
    stream_.expires_after(kSilenceLimit);
    http::async_read_some(stream_, buffer_, *parser_, [this](beast::error_code ec, std::size_t) {
      if (ec == http::error::need_buffer) ec = {};
      const std::size_t got = chunk_.size() - parser_->get().body().size;
      if (got > 0) feed(std::string_view(chunk_.data(), got));
      if (done_) return;
      if (ec == beast::error::timeout)
        return retry("no data for " + std::to_string(kSilenceLimit.count()) + " s");
      if (ec) return retry("the stream broke: " + ec.message());
      if (parser_->is_done()) return retry("the server ended the stream");
      do_read_body();
    });
  }

  // Splits the bytes into SSE lines and dispatches each complete message.
  void feed(std::string_view bytes) {
    pending_.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; !done_ && (nl = pending_.find('\n', start)) != std::string::npos;
         start = nl + 1) {
      std::string_view line(pending_.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      on_line(line);
    }
    pending_.erase(0, start);
  }

  void on_line(std::string_view line) {
    if (line.empty()) return dispatch();
    if (line.front() == ':') return;  // a comment: keep-alive
    std::string_view field = line.substr(0, line.find(':'));
    std::string_view value =
        field.size() < line.size() ? line.substr(field.size() + 1) : std::string_view();
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data_) data_ += '\n';
      data_.append(value);
      has_data_ = true;
    } else if (field == "id") {
      id_ = value;
    } else if (field == "event") {
      event_ = value;
    }
  }

  void dispatch() {
    if (has_data_ && event_ == kReadFailedEvent) {
      // The server cannot read the next event: reconnecting meets the same.
      std::cerr << "linkly: " << options_.url << target() << ": " << data_ << "\n";
      return finish(1);
    }
    if (has_data_) print_message();
    event_.clear();
    id_.clear();
    data_.clear();
    has_data_ = false;
  }

  void print_message() {
    if (links()) {
      // Durable events are numbered by seq: one at or below the resume point
      // (a server resuming a little early) is not printed twice.
      std::uint64_t seq = 0;
      auto [end, ec] = std::from_chars(id_.data(), id_.data() + id_.size(), seq);
      if (ec == std::errc() && end == id_.data() + id_.size()) {
        if (has_after_ && seq <= after_) return;
        has_after_ = true;
        after_ = seq;
      }
    }
    std::cout << data_ << '\n' << std::flush;
    if (++printed_ >= options_.limit) finish(0);
  }

  const tail_options& options_;
  server_url url_;
  asio::io_context io_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  asio::steady_timer backoff_timer_;
  asio::signal_set signals_;
  http::request<http::empty_body> request_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  beast::flat_buffer buffer_;
  std::array<char, 16 * 1024> chunk_{};
  std::string pending_;  // bytes of an incomplete line
  std::string data_;     // the message being assembled
  bool has_data_ = false;
  std::string id_;          // its id, if any
  std::string event_;       // its event name, if any
  bool has_after_ = false;  // links: resume after `after_` (Last-Event-ID)
  std::uint64_t after_ = 0;
  std::uint64_t printed_ = 0;
  int attempts_ = 0;
  bool done_ = false;
  int exit_code_ = 0;
};

}  // namespace

int run_log_tail(const tail_options& options) {
  if (options.log != "links" && options.log != "clicks") {
    std::cerr << "linkly: unknown log \"" << options.log << "\" (known logs: links, clicks)\n";
    return 2;
  }
  if (options.limit == 0) return 0;
  auto url = parse_server_url(options.url);
  if (!url) {
    std::cerr << "linkly: --url must look like http://HOST[:PORT] (https is not supported) (got \""
              << options.url << "\")\n";
    return 2;
  }
  follower f(options, std::move(*url));
  return f.run();
}

}  // namespace linkly
