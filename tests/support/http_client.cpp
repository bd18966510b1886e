#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>

namespace linkly::e2e {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::uint64_t kMaxResponseBody = 64 * 1024 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string http_response::header(std::string_view name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

bool http_response::has_header(std::string_view name) const {
  return headers.count(lower(name)) != 0;
}

boost::json::value http_response::json() const {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) return nullptr;
  return value;
}

std::string http_response::describe() const {
  if (!error.empty()) return "no response: " + error;
  std::string text = "HTTP " + std::to_string(status) + "\n";
  for (const auto& [name, value] : headers) text += name + ": " + value + "\n";
  constexpr std::size_t kShown = 2000;
  text += "\n" + body.substr(0, kShown);
  if (body.size() > kShown) text += "... (" + std::to_string(body.size()) + " bytes)";
  return text;
}

struct http_client::impl {
  net::io_context io;
  net::ip::tcp::endpoint endpoint;
  std::chrono::milliseconds timeout;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  impl(std::uint16_t port, std::chrono::milliseconds t)
      : endpoint(net::ip::make_address_v4("127.0.0.1"), port), timeout(t) {}

  // Runs the queued operations to completion. Bounded: every operation
  // carries the stream's expiry.
  void run() {
    io.restart();
    io.run();
  }

  void close() {
    if (stream) {
      beast::error_code ignored;
      stream->socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      stream->close();
      stream.reset();
    }
    buffer.clear();
  }

  beast::error_code connect() {
    if (stream) return {};
    stream.emplace(io);
    stream->expires_after(timeout);
    beast::error_code result;
    stream->async_connect(endpoint, [&](beast::error_code ec) { result = ec; });
    run();
    if (result) close();
    return result;
  }

  // Writes `bytes` and reads one response at the same time: a server may
  // answer (413, 400) before it has read the whole request.
  http_response exchange(const std::string& bytes, bool head_request) {
    http_response out;
    if (auto ec = connect()) {
      out.error = "connect: " + ec.message();
      return out;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    if (head_request) parser.skip(true);
    beast::error_code write_ec, read_ec;
    stream->expires_after(timeout);
    net::async_write(*stream, net::buffer(bytes),
                     [&](beast::error_code ec, std::size_t) { write_ec = ec; });
    http::async_read(*stream, buffer, parser,
                     [&](beast::error_code ec, std::size_t) { read_ec = ec; });
    run();
    if (read_ec) {
      out.error = "read: " + read_ec.message();
      if (write_ec) out.error += "; write: " + write_ec.message();
      close();
      return out;
    }
    auto& res = parser.get();
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      std::string name = lower(field.name_string());
      std::string value(field.value());
      auto [it, inserted] = out.headers.emplace(name, value);
      if (!inserted) it->second += ", " + value;
    }
    out.body = std::move(res.body());
    if (write_ec || !res.keep_alive()) close();
    return out;
  }
};

http_client::http_client(std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>(port, timeout)) {}

http_client::~http_client() {
  impl_->close();
}

http_response http_client::request(std::string_view method, std::string_view target,
                                   std::string body, const header_list& headers) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(impl_->endpoint.port()));
  bool has_content_type = false;
  for (const auto& [name, value] : headers) {
    // A given Host replaces the default one rather than adding a second.
    if (beast::iequals(name, "host")) {
      req.set(http::field::host, value);
      continue;
    }
    req.insert(name, value);
    if (beast::iequals(name, "content-type")) has_content_type = true;
  }
  // linkly's JSON routes require the type even on an empty body (API.md).
  bool writes = beast::iequals(method, "POST") || beast::iequals(method, "PUT");
  if ((writes || !body.empty()) && !has_content_type) {
    req.set(http::field::content_type, "application/json");
  }
  req.body() = std::move(body);
  req.prepare_payload();
  req.keep_alive(true);
  std::ostringstream bytes;
  bytes << req;
  return impl_->exchange(bytes.str(), beast::iequals(method, "HEAD"));
}

http_response http_client::raw(std::string_view bytes) {
  impl_->close();
  return impl_->exchange(std::string(bytes), false);
}

bool http_client::connected() const {
  return impl_->stream.has_value();
}

void http_client::close() {
  impl_->close();
}

}  // namespace linkly::e2e
