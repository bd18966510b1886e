#include "app/api_key_command.hpp"

#include "app/server_url.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <iostream>

namespace linkly {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// One small request and answer: the whole exchange gets this long, so a
// server that stops answering ends the command.
constexpr auto kExchangeTimeout = 15s;
constexpr std::uint64_t kMaxAnswerBytes = 1 << 20;

struct answer {
  beast::error_code error;
  http::response<http::string_body> response;
};

answer send_request(const server_url& url, http::request<http::string_body> req) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  answer out;
  tcp::resolver resolver(io);
  stream.expires_after(kExchangeTimeout);
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, auto results) {
    if (ec) return void(out.error = ec);
    stream.async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
      if (ec2) return void(out.error = ec2);
      http::async_write(stream, req, [&](beast::error_code ec3, std::size_t) {
        if (ec3) return void(out.error = ec3);
        http::async_read(stream, buffer, parser,
                         [&](beast::error_code ec4, std::size_t) { out.error = ec4; });
      });
    });
  });
  io.run();
  if (!out.error) out.response = parser.release();
  return out;
}

}  // namespace

int run_api_key(const api_key_options& options) {
  auto url = parse_server_url(options.server);
  if (!url) {
    std::cerr << "linkly: --server must look like http://HOST[:PORT] (https is not supported), "
                 "got \""
              << options.server << "\"\n";
    return 2;
  }
  http::verb method = http::verb::get;
  std::string target = url->base + "/api-keys";
  std::string body;
  if (options.action == "create") {
    method = http::verb::post;
    boost::json::object json{{"name", options.name}};
    if (!options.expires.empty()) json["expires_at"] = options.expires;
    body = boost::json::serialize(json);
  } else if (options.action == "revoke") {
    method = http::verb::delete_;
    // Names are [A-Za-z0-9_.-] (the server refuses others): nothing to encode.
    target += "/" + options.name;
  }
  http::request<http::string_body> req{method, target, 11};
  req.set(http::field::host, url->host + ":" + url->port);
  req.set(http::field::user_agent, "linkly-api-key");
  if (!options.token.empty()) req.set(http::field::authorization, "Bearer " + options.token);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.prepare_payload();
  const std::string what =
      std::string(http::to_string(method)) + " " + options.server + target.substr(url->base.size());
  answer got = send_request(*url, std::move(req));
  if (got.error) {
    std::cerr << "linkly: " << what << ": " << got.error.message() << "\n";
    return 1;
  }
  const auto& res = got.response;
  if (!res.body().empty()) {
    std::cout << res.body() << (res.body().back() != '\n' ? "\n" : "");
  }
  if (res.result_int() / 100 != 2) {
    std::cerr << "linkly: " << what << " answered " << res.result_int() << " " << res.reason()
              << "\n";
    return 1;
  }
  return 0;
}

}  // namespace linkly
