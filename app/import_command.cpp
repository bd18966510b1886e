// `linkly import FILE.csv`: streams a CSV file to a running server's
// POST /links/import and prints its JSON answer.
//
// The body is never held whole: Content-Length is the file's size and the
// file goes out in chunks. The request asks for 100-continue, so a refusal
// (401, 413, 415) arrives before the file is sent rather than as a reset in
// the middle of it. Plain Boost.Asio/Beast on one thread; each step has a
// deadline, so a server that stops answering ends the command.

#include "app/commands.hpp"
#include "app/server_url.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

namespace linkly {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 5s;
constexpr auto kWriteTimeout = 60s;
// The answer comes once the last batches are durable: a few seconds at most
// on a healthy server.
constexpr auto kAnswerTimeout = 120s;
constexpr std::size_t kChunkBytes = 256 * 1024;
constexpr std::uint64_t kMaxAnswerBytes = 1 << 20;

// One connection; each operation is started and run to completion (or its
// deadline) before the next.
class uploader {
 public:
  uploader() : stream_(io_) {}

  beast::error_code connect(const std::string& host, const std::string& port) {
    tcp::resolver resolver(io_);
    beast::error_code ec;
    auto results = resolver.resolve(host, port, ec);
    if (ec) return ec;
    stream_.expires_after(kConnectTimeout);
    stream_.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    return ec;
  }

  template <class Message>
  beast::error_code write(Message& msg) {
    beast::error_code ec;
    stream_.expires_after(kWriteTimeout);
    http::async_write(stream_, msg, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    return ec;
  }

  beast::error_code write_raw(const char* data, std::size_t size) {
    beast::error_code ec;
    stream_.expires_after(kWriteTimeout);
    asio::async_write(stream_, asio::buffer(data, size),
                      [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    return ec;
  }

  template <class Parser>
  beast::error_code read_header(Parser& parser, std::chrono::seconds timeout) {
    beast::error_code ec;
    stream_.expires_after(timeout);
    http::async_read_header(stream_, buffer_, parser,
                            [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    return ec;
  }

  template <class Parser>
  beast::error_code read(Parser& parser, std::chrono::seconds timeout) {
    beast::error_code ec;
    stream_.expires_after(timeout);
    http::async_read(stream_, buffer_, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    return ec;
  }

 private:
  void run() {
    io_.restart();
    io_.run();
  }

  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

// The final answer, once its header has been read into `head`.
int report(uploader& up, http::response_parser<http::empty_body>& head, const std::string& what) {
  http::response_parser<http::string_body> parser(std::move(head));
  parser.body_limit(kMaxAnswerBytes);
  if (auto ec = up.read(parser, kAnswerTimeout)) {
    std::cerr << "linkly: " << what << ": reading the answer: " << ec.message() << "\n";
    return 1;
  }
  const auto& res = parser.get();
  std::cout << res.body() << (res.body().empty() || res.body().back() != '\n' ? "\n" : "");
  if (res.result_int() / 100 != 2) {
    std::cerr << "linkly: " << what << " answered " << res.result_int() << " " << res.reason()
              << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int run_import(const import_options& options) {
  auto url = parse_server_url(options.server);
  if (!url) {
    std::cerr << "linkly: --server must look like http://HOST[:PORT] (https is not supported), "
                 "got \""
              << options.server << "\"\n";
    return 2;
  }
  const std::string& base = url->base;
  const std::string target = base + "/links/import";
  const std::string what = "POST " + options.server + target.substr(base.size());

  std::error_code fs_ec;
  if (!std::filesystem::is_regular_file(options.file, fs_ec)) {
    std::cerr << "linkly: cannot read " << options.file << ": "
              << (fs_ec ? fs_ec.message() : std::string("not a regular file")) << "\n";
    return 1;
  }
  std::ifstream file(options.file, std::ios::binary);
  std::uint64_t size = std::filesystem::file_size(options.file, fs_ec);
  if (!file || fs_ec) {
    std::cerr << "linkly: cannot read " << options.file << ": "
              << (fs_ec ? fs_ec.message() : std::strerror(errno)) << "\n";
    return 1;
  }

  uploader up;
  if (auto ec = up.connect(url->host, url->port)) {
    std::cerr << "linkly: cannot connect to " << options.server << ": " << ec.message() << "\n";
    return 1;
  }
  http::request<http::empty_body> req{http::verb::post, target, 11};
  req.set(http::field::host, url->host + ":" + url->port);
  req.set(http::field::content_type, "text/csv");
  req.set(http::field::user_agent, "linkly-import");
  req.set(http::field::expect, "100-continue");
  req.content_length(size);
  if (!options.token.empty()) req.set(http::field::authorization, "Bearer " + options.token);
  if (auto ec = up.write(req)) {
    std::cerr << "linkly: " << what << ": sending the request: " << ec.message() << "\n";
    return 1;
  }
  // 100 Continue, or already the final answer (a refusal, or an empty file).
  std::optional<http::response_parser<http::empty_body>> head;
  if (size > 0) {
    head.emplace();
    if (auto ec = up.read_header(*head, kWriteTimeout)) {
      std::cerr << "linkly: " << what << ": reading the answer: " << ec.message() << "\n";
      return 1;
    }
    if (head->get().result() != http::status::continue_) return report(up, *head, what);
  }
  head.emplace();  // a fresh parser for the final answer

  std::vector<char> chunk(kChunkBytes);
  std::uint64_t sent = 0;
  while (sent < size) {
    file.read(chunk.data(),
              static_cast<std::streamsize>(std::min<std::uint64_t>(chunk.size(), size - sent)));
    auto got = static_cast<std::size_t>(file.gcount());
    if (got == 0) {
      std::cerr << "linkly: cannot read " << options.file << ": "
                << (file.bad() ? std::strerror(errno) : "the file shrank while being sent") << "\n";
      return 1;
    }
    if (auto ec = up.write_raw(chunk.data(), got)) {
      // The server may have answered and closed: show its answer if it did.
      if (!up.read_header(*head, 5s)) return report(up, *head, what);
      std::cerr << "linkly: " << what << ": sending " << options.file << ": " << ec.message()
                << "\n";
      return 1;
    }
    sent += got;
  }
  if (auto ec = up.read_header(*head, kAnswerTimeout)) {
    std::cerr << "linkly: " << what << ": reading the answer: " << ec.message() << "\n";
    return 1;
  }
  return report(up, *head, what);
}

}  // namespace linkly
