#pragma once
// A Server-Sent Events client for the stream tests: opens a stream, then
// reads one message at a time. Every read has a deadline, so a stream that
// stays silent fails a test instead of hanging it.

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly::testing {

struct sse_message {
  std::string id;
  std::string event;
  std::string data;
  std::string retry;    // a `retry:` field
  std::string comment;  // a comment-only block (": keep-alive")
};

class stream_test_client {
 public:
  static constexpr std::chrono::seconds kDeadline{5};
  using header_list = std::vector<std::pair<std::string, std::string>>;

  explicit stream_test_client(std::uint16_t port) : stream_(ioc_) {
    stream_.expires_after(kDeadline);
    stream_.async_connect(
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port),
        [this](boost::beast::error_code ec) { ec_ = ec; });
    run();
  }

  /// Sends `method target` and reads the response header. Returns the
  /// status code, 0 on a transport error.
  int open(std::string_view target, const header_list& headers = {},
           std::string_view method = "GET") {
    std::string req = std::string(method) + " " + std::string(target) +
                      " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
    req += "\r\n";
    stream_.expires_after(kDeadline);
    boost::asio::async_write(stream_, boost::asio::buffer(req),
                             [this](boost::beast::error_code ec, std::size_t) { ec_ = ec; });
    run();
    if (ec_) return 0;
    std::optional<std::string> head = read_until("\r\n\r\n", kDeadline);
    if (!head) return 0;
    header_ = *head;
    return header_.size() > 12 ? std::stoi(header_.substr(9, 3)) : 0;
  }

  /// The response header block, as received.
  const std::string& header() const { return header_; }
  bool header_has(std::string_view line) const {
    return header_.find(std::string(line) + "\r\n") != std::string::npos;
  }

  /// The body of a non-stream answer (its Content-Length bytes).
  std::string body() {
    auto pos = header_.find("Content-Length: ");
    if (pos == std::string::npos) return {};
    std::size_t length = std::stoul(header_.substr(pos + 16));
    if (buffer_.size() < length) {
      stream_.expires_after(kDeadline);
      boost::asio::async_read(stream_, boost::asio::dynamic_buffer(buffer_),
                              boost::asio::transfer_exactly(length - buffer_.size()),
                              [this](boost::beast::error_code ec, std::size_t) { ec_ = ec; });
      run();
    }
    return buffer_.substr(0, std::min(length, buffer_.size()));
  }

  /// The next message (blocks without id, event or data, such as comments
  /// and `retry:`, skipped unless `keep_comments`), or nullopt
  /// when none arrives within `timeout` or the stream ends. A timeout closes
  /// the connection (beast::tcp_stream), so it is a failure, not a probe.
  std::optional<sse_message> next(std::chrono::milliseconds timeout = kDeadline,
                                  bool keep_comments = false) {
    for (;;) {
      std::optional<std::string> block = read_until("\n\n", timeout);
      if (!block) return std::nullopt;
      sse_message msg = parse(*block);
      bool control_only = msg.id.empty() && msg.event.empty() && msg.data.empty();
      if (keep_comments || !control_only) return msg;
    }
  }

  /// True when the server closes the stream within `limit`; messages still
  /// in flight before the close are skipped.
  bool closed_by_server(std::chrono::milliseconds limit = kDeadline) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    buffer_.clear();
    for (;;) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::milliseconds(0)) return false;
      char bytes[4096];
      stream_.expires_after(left);
      std::size_t n = 0;
      stream_.async_read_some(boost::asio::buffer(bytes),
                              [&](boost::beast::error_code ec, std::size_t got) {
                                ec_ = ec;
                                n = got;
                              });
      run();
      if (ec_ == boost::asio::error::eof || ec_ == boost::asio::error::connection_reset) {
        return true;
      }
      if (ec_) return false;
      (void)n;
    }
  }

  void close() {
    boost::beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  boost::beast::error_code error() const { return ec_; }

 private:
  // One block up to `delimiter`, removed from the buffer; the rest stays.
  std::optional<std::string> read_until(std::string_view delimiter,
                                        std::chrono::milliseconds timeout) {
    stream_.expires_after(timeout);
    std::size_t n = 0;
    boost::asio::async_read_until(stream_, boost::asio::dynamic_buffer(buffer_),
                                  std::string(delimiter),
                                  [&](boost::beast::error_code ec, std::size_t got) {
                                    ec_ = ec;
                                    n = got;
                                  });
    run();
    if (ec_) return std::nullopt;
    std::string block = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return block;
  }

  static sse_message parse(const std::string& block) {
    sse_message msg;
    std::size_t start = 0;
    while (start < block.size()) {
      std::size_t nl = block.find('\n', start);
      if (nl == std::string::npos) nl = block.size();
      std::string_view line(block.data() + start, nl - start);
      start = nl + 1;
      if (line.empty()) continue;
      if (line.front() == ':') {
        msg.comment = std::string(line.substr(1));
        if (!msg.comment.empty() && msg.comment.front() == ' ') msg.comment.erase(0, 1);
        continue;
      }
      auto colon = line.find(':');
      std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "id") msg.id = value;
      if (field == "event") msg.event = value;
      if (field == "retry") msg.retry = value;
      if (field == "data") {
        if (!msg.data.empty()) msg.data += '\n';
        msg.data += value;
      }
    }
    return msg;
  }

  void run() {
    ioc_.restart();
    ioc_.run();
  }

  boost::asio::io_context ioc_;
  boost::beast::tcp_stream stream_;
  std::string buffer_;  // received, not yet returned
  std::string header_;
  boost::beast::error_code ec_;
};

}  // namespace linkly::testing
