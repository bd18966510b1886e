#pragma once
// A small Beast HTTP client for the server tests. Every operation has a
// deadline, so a misbehaving server fails a test instead of hanging it.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace linkly::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using client_request = http::request<http::string_body>;
using client_response = http::response<http::string_body>;

class test_client {
 public:
  static constexpr std::chrono::seconds kDeadline{5};

  explicit test_client(std::uint16_t port) : stream_(ioc_) {
    stream_.expires_after(kDeadline);
    stream_.async_connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                          [this](beast::error_code ec) { ec_ = ec; });
    run();
  }

  /// Sends `req` (Content-Length set here) and reads one response.
  client_response send(client_request req) {
    req.set(http::field::host, "127.0.0.1");
    req.prepare_payload();
    bool head = req.method() == http::verb::head;
    stream_.expires_after(kDeadline);
    http::async_write(stream_, req, [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    run();
    if (ec_) return {};
    return read_response(head);
  }

  client_response request(http::verb method, std::string target, std::string body = {}) {
    client_request req{method, target, 11};
    // linkly's JSON routes require the type even on an empty body.
    if (!body.empty() || method == http::verb::post || method == http::verb::put) {
      req.set(http::field::content_type, "application/json");
    }
    req.body() = std::move(body);
    return send(std::move(req));
  }

  /// Reads one response (e.g. after write_raw).
  client_response read_response(bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(boost::none);
    parser.skip(head);
    stream_.expires_after(kDeadline);
    http::async_read(stream_, buffer_, parser,
                     [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    run();
    if (ec_) return {};
    return parser.release();
  }

  bool write_raw(std::string_view bytes) {
    stream_.expires_after(kDeadline);
    net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                     [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    run();
    return !ec_;
  }

  /// Bytes up to `delimiter` (included), or "" on error.
  std::string read_raw_until(std::string_view delimiter) {
    std::string out;
    stream_.expires_after(kDeadline);
    net::async_read_until(stream_, net::dynamic_buffer(out), std::string(delimiter),
                          [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    run();
    return ec_ ? std::string() : out;
  }

  /// True when the server closes the connection within `limit` (reading
  /// end of stream or a reset) and sends nothing more first.
  bool closed_by_server(std::chrono::milliseconds limit = kDeadline) {
    char byte = 0;
    stream_.expires_after(limit);
    stream_.async_read_some(net::buffer(&byte, 1),
                            [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    run();
    return ec_ == net::error::eof || ec_ == net::error::connection_reset;
  }

  beast::error_code error() const { return ec_; }

 private:
  void run() {
    ioc_.restart();
    ioc_.run();
  }

  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

}  // namespace linkly::testing
